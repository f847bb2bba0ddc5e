// One build for every bundle: the CLI (which hosts the emulator), the language server and the
// VS Code client. The Python runtime and the SDK catalog are copied next to the bundles so the
// packaged extension runs offline.
import { build } from 'esbuild';
import { cpSync, mkdirSync, existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
mkdirSync('dist', { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode'],
};

const entries = [
  // dist/cli.js is a small entry that loads dist/cli-main.js (see cli/entry.ts).
  { in: 'cli/entry.ts', out: 'dist/cli.js', banner: '#!/usr/bin/env node' },
  { in: 'cli/main.ts', out: 'dist/cli-main.js' },
  { in: 'server/server.ts', out: 'dist/server.js' },
  { in: 'client/extension.ts', out: 'dist/extension.js' },
];

await Promise.all(
  entries
    .filter((e) => existsSync(e.in))
    .map((e) =>
      build({ ...common, entryPoints: [e.in], outfile: e.out, banner: e.banner ? { js: e.banner } : undefined }),
    ),
);
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);

cpSync('catalog/sdk-catalog.json', 'dist/sdk-catalog.json');
if (existsSync('emulator/python')) {
  cpSync('emulator/python', 'dist/python', {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !src.endsWith('.pyc') && !src.includes('/tests'),
  });
}
if (existsSync('media')) cpSync('media', 'dist/media', { recursive: true });
if (watch) console.log('watch mode is not supported; run npm run build again');
