// What `serve` says when the app's interpreter has another cpsl than the pinned one: the installed
// wheel's protocol is read (sdk-protocol.py) and compared with capsule.proto, so that the console
// names what differs, not just the version. Apart from interpreter.ts because it needs the
// protobuf libraries, which the CLI's small entry does not load (it only chooses the interpreter).
import { spawnSync } from 'node:child_process';
import { protocolDifferences, protoSdkVersion, sdkProtocolScript, type SdkProtocol } from '../platform/protocol';
import { installHint, type PythonChoice } from './interpreter';

export function versionNote(python: string, version: string, cwd: string): string {
  const pinned = protoSdkVersion();
  const fix = `to match: ${installHint(python)}`;
  const env = { ...process.env };
  delete env.PYTHONPATH;
  const r = spawnSync(python, [sdkProtocolScript()], { cwd, env, encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  let diff: string[];
  try {
    diff = protocolDifferences(JSON.parse(r.stdout) as SdkProtocol);
  } catch {
    return `cpsl ${version} is installed in ${python}, Capsule Local speaks cpsl ${pinned}'s protocol, and the installed one could not be read (${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}); ${fix}`;
  }
  if (!diff.length) return `cpsl ${version} is installed in ${python}; its protocol is the one of cpsl ${pinned} that Capsule Local speaks`;
  const shown = diff.slice(0, 3).join('; ');
  return `cpsl ${version} in ${python} speaks another protocol than cpsl ${pinned}, which Capsule Local speaks (${diff.length} difference${diff.length > 1 ? 's' : ''}: ${shown}${diff.length > 3 ? '; …' : ''}); calls that differ will fail; ${fix}`;
}

/** The choice with the version note when its cpsl is not the pinned one (else unchanged). */
export function withVersionNote(choice: PythonChoice, cwd: string): PythonChoice {
  if (choice.runtime !== 'sdk' || !choice.sdkVersion || choice.sdkVersion === protoSdkVersion()) return choice;
  return { ...choice, note: versionNote(choice.python, choice.sdkVersion, cwd) };
}
