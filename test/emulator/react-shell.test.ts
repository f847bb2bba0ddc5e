// The React page shell (emulator/pages/react.ts): the import map names our React build and kit,
// each npm package of the page maps to the module that says it is missing, the page's name and
// config cannot close their elements, and the CSP allows the one inline script by its hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { importMap, packageRoot, pagePackages, reactShell, sendReactShell } from '../../emulator/pages/react';

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
  assert.equal((out.body.match(/<script/g) ?? []).length, 3, 'the import map, the config and the boot script; nothing from the page');
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
