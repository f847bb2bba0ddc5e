// The React page shell (emulator/pages/react.ts): the import map names our React build and kit,
// each npm package of the page maps to the module that says it is missing, the page's name and
// config cannot close their elements, and the CSP allows the one inline script by its hash. The
// shell and the static pages (chat, dashboard, app pages, simulators) share one head, one top bar
// and one policy (emulator/channels/static.ts), each page's policy as strict as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { importMap, packageRoot, pagePackages, reactShell, sendReactShell } from '../../emulator/pages/react';
import { PAGE_CSP, PAGE_HEAD, pageCsp, sendMedia, topbarNav } from '../../emulator/channels/static';

function capture(): { res: Response; out: { headers: Record<string, string>; body: string } } {
  const out = { headers: {} as Record<string, string>, body: '' };
  const res = {
    setHeader: (k: string, v: string) => void (out.headers[k.toLowerCase()] = v),
    send: (b: string) => void (out.body = b),
  } as unknown as Response;
  return { res, out };
}

test('package roots as the SDK computes them; our names and odd specs are not mapped', () => {
  assert.equal(packageRoot('recharts@2.12.0'), 'recharts');
  assert.equal(packageRoot('@tanstack/react-table@8.1'), '@tanstack/react-table');
  assert.equal(packageRoot('lodash'), 'lodash');
  assert.deepEqual(pagePackages(['recharts@2', 'recharts', 'react', '@capsule/page', '"><x', '', '@scope']), ['recharts']);
  const map = importMap(['date-fns@3']).imports;
  assert.equal(map.react, '/media/vendor/react.js');
  assert.equal(map['react/jsx-runtime'], '/media/vendor/react-jsx-runtime.js');
  assert.equal(map['@capsule/page'], '/media/capsule-page/index.js');
  assert.equal(map['date-fns'], '/media/capsule-page/missing-package.js?package=date-fns');
});

test('the shell: hostile page names stay text, the import map is allowed by its hash only', () => {
  const { res, out } = capture();
  const name = '</script><script>alert(1)</script>';
  sendReactShell(res, reactShell('a&b', { name, route: 'x', type: 'react', component: 'pages/x.tsx', packages: ['recharts'] }));
  assert.equal((out.body.match(/<script/g) ?? []).length, 5, 'the import map, the config, the shared helpers and change feed, the boot script; nothing from the page');
  assert.deepEqual([...out.body.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]), ['/media/common.js', '/media/feed.js']);
  assert.ok(!out.body.includes(name));
  assert.match(out.body, /<title>&#60;\/script&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62; — a&#38;b — Capsule Local<\/title>/);
  const map = /<script type="importmap">(.*?)<\/script>/.exec(out.body)![1]!;
  const hash = createHash('sha256').update(map, 'utf8').digest('base64');
  assert.match(out.headers['content-security-policy']!, new RegExp(`script-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}';`));
  assert.doesNotMatch(out.headers['content-security-policy']!, /script-src[^;]*unsafe/);
  const config = JSON.parse(/<script type="application\/json" id="capsule-page-config">(.*?)<\/script>/.exec(out.body)![1]!);
  assert.equal(config.title, name);
  assert.equal(config.bundle, '/apps/a%26b/pages/%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E/bundle.js');
  assert.deepEqual(config.packages, ['recharts']);
});

test('one policy: the static pages frame previews, the shell allows its import map, inline styles and data: fonts', () => {
  assert.equal(
    PAGE_CSP,
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; connect-src 'self'; frame-src 'self' http://*.preview.localhost:*; frame-ancestors 'self'; base-uri 'none'; form-action 'self'",
  );
  const { res, out } = capture();
  sendReactShell(res, reactShell('a', { name: 'Board', route: 'board', type: 'react', component: 'pages/board.tsx' }));
  const map = /<script type="importmap">(.*?)<\/script>/.exec(out.body)![1]!;
  const hash = createHash('sha256').update(map, 'utf8').digest('base64');
  assert.equal(
    out.headers['content-security-policy'],
    `default-src 'self'; script-src 'self' 'sha256-${hash}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'`,
  );
  assert.equal(pageCsp(), PAGE_CSP.replace(' http://*.preview.localhost:*', ''));
});

test('the static pages and the shell start with the one head and top bar, each page marked in the bar', () => {
  const pages: Array<[string, string | undefined, string]> = [
    ['chat.html', 'chat', '/media/chat.css'],
    ['dashboard.html', 'dashboard', '/media/dashboard.css'],
    ['pages.html', undefined, '/media/pages.css'],
    ['channels/simulator.html', undefined, '/media/channels/simulator.css'],
  ];
  const shell = capture();
  sendReactShell(shell.res, reactShell('a', { name: 'Board', route: 'board', type: 'react', component: 'pages/board.tsx' }));
  const served = pages.map(([file, current, css]) => {
    const { res, out } = capture();
    sendMedia(res, file);
    assert.equal(out.headers['content-security-policy'], PAGE_CSP, file);
    assert.ok(!out.body.includes('<!--#'), `${file}: every shared part is in place`);
    assert.ok(out.body.includes(`<link rel="stylesheet" href="${css}">`), file);
    assert.ok(out.body.includes(`<header class="topbar">\n${topbarNav(current)}\n`), file);
    return { file, body: out.body, current };
  });
  for (const { file, body, current } of [...served, { file: 'React shell', body: shell.out.body, current: undefined }]) {
    assert.ok(body.startsWith(`<!doctype html>\n<html lang="en">\n<head>\n${PAGE_HEAD}\n  <title>`), `${file}: the head`);
    const marked = [...body.matchAll(/<a href="\/(\w+)" aria-current="page">/g)].map((m) => m[1]);
    assert.deepEqual(marked, current ? [current] : [], `${file}: the page marked in the top bar`);
  }
  assert.match(PAGE_HEAD, /<meta charset="utf-8">[\s\S]*<link rel="stylesheet" href="\/media\/common.css">/);
});
