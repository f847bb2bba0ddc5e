// The esbuild the SDK bundles React pages with (cpsl/page_bundle.py): it runs the first `esbuild`
// on PATH, else downloads esbuild from the npm registry into the app's `.capsule/cache/bin`. When
// the emulator has an esbuild binary of its own (the `esbuild` npm package's platform binary,
// resolvable from where the emulator runs), its folder goes last on the runner's PATH: nothing is
// downloaded, and an esbuild the user has on PATH still comes first. Without one (the packaged
// extension ships none), the SDK downloads it as it does under `capsule serve`.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

let found: string | null | undefined;

/** The folder holding the emulator's own `esbuild` executable, or undefined. */
export function esbuildFolder(): string | undefined {
  if (found !== undefined) return found ?? undefined;
  found = null;
  const arch = process.arch === 'arm64' ? 'arm64' : process.arch === 'x64' ? 'x64' : '';
  if (!arch || (process.platform !== 'linux' && process.platform !== 'darwin')) return undefined;
  try {
    // The platform package esbuild installs beside itself: its bin/esbuild is the native binary.
    const esbuildPkg = require.resolve('esbuild/package.json');
    const platformPkg = require.resolve(`@esbuild/${process.platform}-${arch}/package.json`, { paths: [dirname(esbuildPkg)] });
    const bin = join(dirname(platformPkg), 'bin', 'esbuild');
    if (existsSync(bin) && (statSync(bin).mode & 0o111) !== 0) found = dirname(bin);
  } catch {
    // no esbuild here: the SDK downloads its own
  }
  return found ?? undefined;
}
