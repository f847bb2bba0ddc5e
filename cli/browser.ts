// Opening a page of the emulator in the user's browser (serve's chat, `capsule-local open`). On a
// machine where that cannot work, or when the opener fails, the command says so and prints the
// link: nothing is left silently unopened.

/** Why no browser can be opened here, if that is known before trying. */
function noDesktop(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY || env.WSL_DISTRO_NAME) return undefined;
  return 'no desktop session (neither DISPLAY nor WAYLAND_DISPLAY is set)';
}

/** Opens `url`; when that cannot work or fails, says so and prints the link to open. */
export async function openBrowser(url: string): Promise<void> {
  const cannot = (why: string): void => void process.stderr.write(`capsule-local: could not open a browser: ${why}. Open this link yourself:\n  ${url}\n`);
  const why = noDesktop();
  if (why) return cannot(why);
  try {
    // `open` is ESM-only; load it on demand so the CLI starts fast.
    const child = await (await import('open')).default(url);
    // The opener (xdg-open...) exits non-zero when it finds no browser.
    child.once('exit', (code) => {
      if (code) cannot(`the opener exited with status ${code}`);
    });
    child.once('error', (e) => cannot(e.message));
  } catch (e) {
    cannot((e as Error).message);
  }
}

