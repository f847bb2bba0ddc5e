// The .vsix a user installs: it has a Marketplace icon and README whose images are inside the
// package (VS Code shows them offline), and nothing the extension does not use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageExtension } from '../../scripts/package.mjs';
import { readZip } from '../vscode/zip';

const REPO = join(__dirname, '..', '..');

test('the package: icon, offline README images, no unused files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capsule-vsix-'));
  try {
    const entries = readZip(packageExtension(join(dir, 'capsule-local.vsix')));
    const files = new Map(entries.filter((e) => e.name.startsWith('extension/')).map((e) => [e.name.slice('extension/'.length), e]));
    const manifest = JSON.parse(files.get('package.json')!.data().toString('utf8')) as { icon?: string };

    // The Marketplace icon: a PNG of at least 128 x 128 (the Marketplace refuses SVG icons).
    assert.ok(manifest.icon, 'package.json has an icon');
    const icon = files.get(manifest.icon!);
    assert.ok(icon, `the icon ${manifest.icon} is packaged`);
    const png = icon!.data();
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', 'the icon is a PNG');
    assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128, 'the icon is at least 128 x 128');

    // The README shown on the extension's page is the Marketplace one, and its images are inside.
    const readme = files.get('readme.md')!.data().toString('utf8');
    assert.equal(readme, readFileSync(join(REPO, 'client', 'README.md'), 'utf8'));
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length > 0, 'the README shows images');
    for (const src of images) {
      assert.ok(!/^[a-z]+:/i.test(src), `README image ${src} is a relative link (shown offline)`);
      assert.ok(files.has(src), `README image ${src} is packaged`);
    }

    // Images in the package: the icons the manifest names, the README's, and the web pages' own.
    const manifestText = files.get('package.json')!.data().toString('utf8');
    const pageAssets = [...files.keys()].filter((f) => f.startsWith('dist/media/')).map((f) => files.get(f)!.data().toString('latin1')).join('\n');
    for (const name of files.keys()) {
      if (!/\.(png|jpe?g|gif|svg|webp)$/i.test(name)) continue;
      const base = name.split('/').pop()!;
      const used = images.includes(name) || manifestText.includes(name) || (name.startsWith('dist/media/') && pageAssets.includes(base));
      assert.ok(used, `${name} is packaged but nothing shows it`);
    }
    assert.ok(![...files.keys()].some((f) => f.includes('screenshots/') && !images.includes(f)), 'no documentation screenshot the README does not show');
    assert.ok(![...files.keys()].some((f) => /\.(map|ts)$/.test(f) && !f.endsWith('.d.ts')), 'no source maps or TypeScript sources');

    // React pages: the @capsule/page kit and the React build the page shell's import map names
    // (emulator/pages/react.ts), with the chunks the React entries share; the kit's styled-components.
    for (const f of ['boot.js', 'index.js', 'context.js', 'data.js', 'chat.js', 'nav.js', 'theme.js', 'components.js', 'missing-package.js', 'page.css']) {
      assert.ok(files.has(`dist/media/capsule-page/${f}`), `dist/media/capsule-page/${f} is packaged`);
    }
    for (const f of ['react.js', 'react-dom.js', 'react-dom-client.js', 'react-jsx-runtime.js', 'styled-components.js']) {
      const entry = files.get(`dist/media/vendor/${f}`);
      assert.ok(entry, `dist/media/vendor/${f} is packaged`);
      for (const m of entry!.data().toString('utf8').matchAll(/from\s*"\.\/([\w.-]+\.js)"/g)) assert.ok(files.has(`dist/media/vendor/${m[1]}`), `${f} imports ${m[1]}, which is packaged`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
