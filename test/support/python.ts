// The interpreter with the real SDK: the project's .venv (scripts/setup-python.sh creates it, with
// the pins of requirements-sdk.txt). Tests that run apps on the real SDK use it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');

export const SDK_PYTHON = join(REPO, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');

/** The cpsl version requirements-sdk.txt pins. */
export const PINNED_CPSL = /^cpsl==(\S+)$/m.exec(readFileSync(join(REPO, 'requirements-sdk.txt'), 'utf8'))?.[1] ?? '';

/** Fails with the fix when the project's .venv is missing. */
export function requireSdkPython(): string {
  if (!existsSync(SDK_PYTHON)) throw new Error(`${SDK_PYTHON} is missing: run \`bash scripts/setup-python.sh\` (it installs the pinned SDK)`);
  return SDK_PYTHON;
}
