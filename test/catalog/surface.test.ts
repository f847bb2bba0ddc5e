// The committed SDK surface is what the pinned wheel gives: the generator is run again and its
// output compared with catalog/sdk-surface.json. A new SDK pin without `npm run catalog` fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from '../../catalog/catalog';

const root = join(__dirname, '..', '..');

test('catalog/sdk-surface.json matches the installed cpsl wheel', async () => {
  const { generateSurface } = (await import(join(root, 'scripts', 'catalog.mjs'))) as { generateSurface: () => string };
  const fresh = generateSurface();
  const committed = readFileSync(join(root, 'catalog', 'sdk-surface.json'), 'utf8');
  if (fresh !== committed) {
    const a = fresh.split('\n');
    const b = committed.split('\n');
    const i = a.findIndex((line, n) => line !== b[n]);
    assert.fail(`catalog/sdk-surface.json differs from the wheel at line ${i + 1}:\n  wheel:     ${a[i]}\n  committed: ${b[i]}\nRun npm run catalog and commit the result.`);
  }
  const pinned = /^cpsl==(\S+)$/m.exec(readFileSync(join(root, 'requirements-sdk.txt'), 'utf8'))?.[1];
  assert.equal(JSON.parse(fresh).generatedFrom, `cpsl ${pinned}`, 'generated from the version requirements-sdk.txt pins');
});

test('the loaded catalog carries the generated surface and our notes over it', () => {
  assert.ok(catalog.api.ui.ChatPanel?.widget === 'chat_panel');
  assert.deepEqual(catalog.api.module.Column?.params?.find((p) => p.name === 'type')?.literals?.slice(0, 3), ['text', 'number', 'currency']);
  assert.ok(catalog.api.app.collection?.kwargs?.includes('scope'));
  assert.match(catalog.api.module.Pipedream?.local ?? '', /stands in for Pipedream Connect/, 'our local note is kept');
  assert.equal(catalog.pipedreamApps.get('github')?.apiBaseUrl, 'https://api.github.com', 'the known Pipedream apps are loaded');
  assert.ok(!catalog.pipedreamApps.has('_doc'), 'the table\'s own note is not an app');
  assert.match(catalog.api.app.action?.local ?? '', /capsule-local action NAME/, 'our note says how it runs locally');
  assert.ok(catalog.api.module.Telegram?.deprecated, 'our deprecation note is kept');
  assert.ok(catalog.api.session.integrations, 'attributes the SDK sets in __init__ come from our notes');
  assert.deepEqual(catalog.sdk.sets.reservedPageRoutes?.includes('chat'), true);
});
