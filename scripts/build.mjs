// One build for every bundle: the CLI (which hosts the emulator), the language server and the
// VS Code client. The Python runtime and the SDK catalog are copied next to the bundles so the
// packaged extension runs offline.
import { build } from 'esbuild';
import { cpSync, mkdirSync, existsSync, chmodSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join, sep } from 'node:path';

const watch = process.argv.includes('--watch');
mkdirSync('dist', { recursive: true });

/**
 * One copy of each package version: npm leaves identical versions nested under several parents
 * (mime-db five times, iconv-lite twice), and each copy would be bundled, read and parsed again.
 */
const dedupe = {
  name: 'dedupe-identical-packages',
  setup(b) {
    const NM = `${sep}node_modules${sep}`;
    const canonical = new Map(); // name@version -> the first package folder seen
    const packageRoot = (file) => {
      const i = file.lastIndexOf(NM);
      if (i < 0) return undefined;
      const parts = file.slice(i + NM.length).split(sep);
      return file.slice(0, i + NM.length) + parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join(sep);
    };
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === dedupe) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: dedupe });
      if (r.errors.length) return { errors: r.errors };
      const root = !r.external && r.path ? packageRoot(r.path) : undefined;
      if (!root) return { path: r.path, external: r.external, namespace: r.namespace, sideEffects: r.sideEffects };
      let id;
      try {
        const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
        id = `${pkg.name}@${pkg.version}`;
      } catch {
        id = root;
      }
      if (!canonical.has(id)) canonical.set(id, root);
      return { path: canonical.get(id) + r.path.slice(root.length), sideEffects: r.sideEffects };
    });
  },
};

/**
 * ASCII-only output: one non-ASCII character (the `open` package has some in a regular
 * expression) makes Node decode the whole bundle as a two-byte string, slower to read and parse.
 * esbuild escapes strings itself; this escapes what it leaves (`\uXXXX` means the same there).
 */
const asciiOnly = {
  name: 'ascii-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!/[^\x00-\x7f]/.test(text)) return undefined;
      return { contents: text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // better-sqlite3 is a native module: loaded from dist/node_modules (copied below), not bundled.
  external: ['vscode', 'better-sqlite3'],
  plugins: [dedupe],
};

// The CLI is started for every command and hosts the emulator, so its start-up time counts: no
// whitespace or comments to read (names are kept for stack traces; source maps have the rest),
// ASCII only, and the language server is not compiled in: `capsule-local lsp` loads dist/server.js.
const cliOptions = {
  minifyWhitespace: true,
  plugins: [
    dedupe,
    asciiOnly,
    {
      name: 'language-server-bundle',
      setup(b) {
        b.onResolve({ filter: /[\\/]server[\\/]server$/ }, (args) => (args.importer.includes(`${sep}cli${sep}`) ? { path: './server.js', external: true } : undefined));
      },
    },
  ],
};

const entries = [
  // dist/cli.js is a small entry that loads dist/cli-main.js (see cli/entry.ts).
  { in: 'cli/entry.ts', out: 'dist/cli.js', banner: '#!/usr/bin/env node', options: cliOptions },
  { in: 'cli/main.ts', out: 'dist/cli-main.js', options: cliOptions },
  { in: 'server/server.ts', out: 'dist/server.js' },
  { in: 'client/extension.ts', out: 'dist/extension.js' },
];

await Promise.all(
  entries
    .filter((e) => existsSync(e.in))
    .map((e) =>
      build({ ...common, ...e.options, entryPoints: [e.in], outfile: e.out, banner: e.banner ? { js: e.banner } : undefined }),
    ),
);
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
for (const f of ['dist/cli.js', 'dist/cli-main.js']) {
  if (!existsSync(f)) continue;
  const text = readFileSync(f, 'latin1');
  if (/[^\x00-\x7f]/.test(text)) console.warn(`warning: ${f} is not ASCII-only (slower to load)`);
  // cli/code-cache.ts runs dist/cli-main.js from V8's code cache, where import() does not work.
  const dynamicImport = /(?<![\w$.])import\(/.exec(text);
  if (dynamicImport) {
    console.error(`error: ${f} calls import() (${text.slice(dynamicImport.index - 60, dynamicImport.index + 40)}); use require for what the CLI loads on demand`);
    process.exitCode = 1;
  }
}

cpSync('catalog/sdk-catalog.json', 'dist/sdk-catalog.json');
// The collections database's driver and its two small dependencies, as the bundles require them
// (dist/node_modules is looked up first): the JavaScript, and the native module built for this
// machine's Node by `npm ci`.
for (const pkg of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
  const from = join('node_modules', pkg);
  if (!existsSync(from)) continue;
  const to = join('dist', 'node_modules', pkg);
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const rel = src.slice(from.length).split(sep).join('/');
      return !/^\/(src|deps|docs|test)(\/|$)/.test(rel) && !/^\/build\/(?!Release(\/better_sqlite3\.node)?$)/.test(rel) && !rel.endsWith('binding.gyp');
    },
  });
}
// The platform protocol and the real SDK's launcher (emulator/platform/), read at run time.
mkdirSync('dist/platform/python', { recursive: true });
for (const f of ['capsule.proto', 'sdk-protocol.py', 'python/capsule_local_runner.py', 'python/capsule_local_mounts.py']) cpSync(join('emulator/platform', f), join('dist/platform', f));
if (existsSync('emulator/python')) {
  cpSync('emulator/python', 'dist/python', {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !src.endsWith('.pyc') && !src.includes('/tests'),
  });
  // Bytecode for the build machine's Python, checked against the source's hash (not its mtime, which
  // copies and packaging change), so that an app's process need not compile the runtime on each
  // start (it cannot cache it itself when PYTHONDONTWRITEBYTECODE is set or dist/ is read-only).
  // Other Python versions ignore these files.
  // `--no-pyc` (npm run package): none, as .vscodeignore intends for the .vsix.
  if (process.argv.includes('--no-pyc')) {
    const drop = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        if (e.name === '__pycache__') rmSync(join(dir, e.name), { recursive: true, force: true });
        else drop(join(dir, e.name));
      }
    };
    drop('dist/python');
  } else {
    const py = process.env.CAPSULE_PYTHON || 'python3';
    const r = spawnSync(py, ['-m', 'compileall', '-q', '--invalidation-mode', 'checked-hash', 'dist/python'], { encoding: 'utf8' });
    if (r.status !== 0) console.warn(`note: the Python runtime was not precompiled (${py}: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').at(-1)})`);
  }
}
// The web pages' assets only: the README's screenshots and the extension's icons (package.json
// names them in media/icons) are not something a page shows.
const notPageAssets = [`media${sep}screenshots`, `media${sep}icons`];
// Copied afresh, so an asset left by an older build (a screenshot, say) is not packaged.
rmSync('dist/media', { recursive: true, force: true });
if (existsSync('media')) cpSync('media', 'dist/media', { recursive: true, filter: (src) => !notPageAssets.some((d) => src.includes(d)) });
if (watch) console.log('watch mode is not supported; run npm run build again');

// The browser modules the pages' import map names (dist/media/vendor): production builds of pinned
// npm packages.
const VENDOR = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  outdir: 'dist/media/vendor',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

// React for the app's React pages (emulator/pages/react.ts): the ESM modules the page's import map
// names (react, react-dom, react-dom/client, react/jsx-runtime), built from the pinned npm
// packages in one build with code splitting, so that every entry shares one React instance.
// React ships CommonJS only: each entry re-exports the package's names, listed from the package.
{
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const ENTRIES = { react: 'react', 'react-dom': 'react-dom', 'react-dom-client': 'react-dom/client', 'react-jsx-runtime': 'react/jsx-runtime' };
  const ident = /^[A-Za-z_$][\w$]*$/;
  await build({
    ...VENDOR,
    entryPoints: Object.keys(ENTRIES).map((name) => ({ in: `vendor:${name}`, out: name })),
    splitting: true,
    chunkNames: 'react-shared-[hash]',
    plugins: [{
      name: 'react-entries',
      setup(b) {
        b.onResolve({ filter: /^vendor:/ }, (args) => ({ path: args.path.slice('vendor:'.length), namespace: 'react-entry' }));
        b.onLoad({ filter: /.*/, namespace: 'react-entry' }, (args) => {
          const spec = ENTRIES[args.path];
          const names = Object.keys(require(spec)).filter((k) => ident.test(k) && k !== 'default');
          return {
            contents: `import M from ${JSON.stringify(spec)};\nexport default M;\n${names.map((k) => `export const ${k} = M.${k};`).join('\n')}\n`,
            resolveDir: process.cwd(),
            loader: 'js',
          };
        });
      },
    }],
  });
}

// styled-components for the kit's `styled` (media/capsule-page/components.js): one ESM file from
// the pinned npm package (its browser build), React left external: the page's import map names our
// React build, so the styled components share the page's one React.
await build({ ...VENDOR, entryPoints: { 'styled-components': 'styled-components' }, external: ['react', 'react-dom'] });
