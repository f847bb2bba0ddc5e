/** Polls `probe` until it returns a truthy value; fails with `what` after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, ms = 15000, every = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}
