// Where the platform protocol's files are (capsule.proto, the SDK's protocol script, the runner's
// launcher) and which SDK they were written from. Apart from protocol.ts, which loads the
// definition (protobufjs), so that the CLI's small entry (cli/entry.ts), which launches the runner
// before anything else is loaded, does not carry the protobuf libraries.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Requires-Python of the pinned wheel (the protocol test checks it against the installed one). */
export const PINNED_REQUIRES_PYTHON = '>=3.10';

function platformDir(): string {
  const candidates = [join(__dirname, 'platform'), __dirname, join(__dirname, '..', '..', 'emulator', 'platform')];
  const found = candidates.find((c) => existsSync(join(c, 'capsule.proto')));
  if (!found) throw new Error(`capsule.proto was not found next to ${__dirname}; rebuild with npm run build`);
  return found;
}

export function protoPath(): string {
  return join(platformDir(), 'capsule.proto');
}

/** The script that prints an installed wheel's protocol as JSON (run with that interpreter). */
export function sdkProtocolScript(): string {
  return join(platformDir(), 'sdk-protocol.py');
}

/** Folder holding capsule_local_runner.py, put on the runner's PYTHONPATH. */
export function launcherDir(): string {
  return join(platformDir(), 'python');
}

/** The SDK version capsule.proto was written from (its header names it). */
export function protoSdkVersion(): string {
  const m = /Pinned SDK: cpsl ([\w.+-]+)/.exec(readFileSync(protoPath(), 'utf8'));
  if (!m) throw new Error('capsule.proto does not name its SDK version ("Pinned SDK: cpsl X")');
  return m[1]!;
}
