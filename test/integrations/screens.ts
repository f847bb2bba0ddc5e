// Where browser tests keep screenshots: a temp folder, or media/screenshots/ (for the README) when
// UPDATE_SCREENSHOTS=1.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const target = process.env.UPDATE_SCREENSHOTS === '1' ? resolve(__dirname, '..', '..', 'media', 'screenshots') : mkdtempSync(join(tmpdir(), 'capsule-shots-'));
mkdirSync(target, { recursive: true });

export function screenshotPath(name: string): string {
  return join(target, name);
}
