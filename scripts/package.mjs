// Packages the extension (`npm run package`, after the build): the one home of vsce's arguments,
// shared with the tests that install the very package a user gets.
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Marketplace page shows client/README.md (the repository's README is for developers); its
 * images are packaged and linked relatively, so VS Code shows them offline.
 */
export function vsceArgs(out) {
  return [
    'package', '--no-dependencies', '--skip-license', '--allow-missing-repository',
    '--readme-path', 'client/README.md', '--no-rewrite-relative-links', '--out', out,
  ];
}

export function packageExtension(out) {
  execFileSync(process.execPath, [join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce'), ...vsceArgs(out)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] || 'capsule-local.vsix';
  packageExtension(join(REPO, out));
  console.log(`packaged ${out}`);
}
