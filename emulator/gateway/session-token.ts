// The workspace's session token: the bearer token of the API and the value of the browsers'
// session cookie. It is kept in the store folder (mode 0600, readable by its owner only) so that an
// emulator restart does not sign anyone out: open tabs and the CLI keep working. Delete the file
// to sign every browser out; the next start makes a new one.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

export function workspaceToken(file: string): string {
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (TOKEN_SHAPE.test(kept)) {
      // A copy or an unpacked archive may have lost the mode: the token is a credential.
      chmodSync(file, 0o600);
      return kept;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}
