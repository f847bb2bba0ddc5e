// Where tests put screenshots. The README's images in media/screenshots/ are refreshed only on
// request (UPDATE_SCREENSHOTS=1); an ordinary run writes to a temp folder, so it never changes the
// checkout. Every test that takes a screenshot names its file through screenshotPath.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const README_SCREENSHOTS = resolve(__dirname, '..', '..', 'media', 'screenshots');

let folder: string | undefined;

/** The folder of this run's screenshots: media/screenshots/ with UPDATE_SCREENSHOTS=1, else a temp folder. */
export function screenshotsDir(): string {
  if (!folder) {
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      folder = README_SCREENSHOTS;
      mkdirSync(folder, { recursive: true });
    } else {
      folder = mkdtempSync(join(tmpdir(), 'capsule-shots-'));
    }
  }
  return folder;
}

/** The path to write the screenshot `name` (e.g. `chat.png`) to. */
export function screenshotPath(name: string): string {
  return join(screenshotsDir(), name);
}
