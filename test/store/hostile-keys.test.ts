// Keys that are names of Object.prototype members (`__proto__`, `constructor`...) as session ids,
// secret and channel names, users, kv scopes and keys: each is an entry like any other, in memory,
// through the database, after a reopen and after an import. An absent one is never "found".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, applyImport, buildExport, emptyStore, newChannel, type StoreData } from '../../emulator/store';
import { plain, readStore, tempStoreDir } from '../support/store';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
const now = new Date(0).toISOString();

/** Each id-keyed map of the store: how to put `name` in, and how to read it back. */
const MAPS: Array<{ where: string; put: (d: StoreData, name: string) => void; get: (d: StoreData, name: string) => unknown }> = [
  { where: 'sessions', put: (d, n) => void (d.sessions[n] = { id: n, app: 'a', userId: 'user_dev', channelType: 'api', createdAt: now, updatedAt: now, history: [], dataJson: '{}' }), get: (d, n) => d.sessions[n]?.id },
  { where: 'secrets', put: (d, n) => void (d.secrets[n] = { value: `v-${n}`, createdAt: now, updatedAt: now }), get: (d, n) => d.secrets[n]?.value },
  { where: 'channels', put: (d, n) => void (d.channels[n] = newChannel({ name: n, type: 'telegram', credentials: { bot_token: `t-${n}` } })), get: (d, n) => d.channels[n]?.credentials.bot_token },
  { where: 'integrations (user)', put: (d, n) => void ((d.integrations[n] ??= Object.create(null))['aws'] = aws(n)), get: (d, n) => d.integrations[n]?.['aws']?.fields['region'] },
  { where: 'integrations (type)', put: (d, n) => void ((d.integrations['user_dev'] ??= Object.create(null))[n] = aws(n)), get: (d, n) => d.integrations['user_dev']?.[n]?.fields['region'] },
  { where: 'kv (scope)', put: (d, n) => void ((d.kv[n] ??= Object.create(null))['k'] = `"${n}"`), get: (d, n) => d.kv[n]?.['k'] },
  { where: 'kv (key)', put: (d, n) => void ((d.kv['app:a'] ??= Object.create(null))[n] = `"${n}"`), get: (d, n) => d.kv['app:a']?.[n] },
];

function aws(n: string) {
  return { type: 'aws', mode: 'secret' as const, accessToken: '', tokenType: 'fields', scopes: [], expiresAt: 0, fields: { region: `r-${n}` }, connectedAt: now };
}

for (const map of MAPS) {
  test(`${map.where}: Object.prototype names are absent, then ordinary entries through the database, a reopen and an import`, async () => {
    const dir = tempStoreDir();
    const store = await Store.open(dir);
    for (const n of NAMES) assert.equal(map.get(store.read(), n), undefined, `${n} is not in an empty store`);
    await store.update((d) => NAMES.forEach((n) => map.put(d, n)));
    const expected = NAMES.map((n) => map.get(store.read(), n));
    assert.ok(expected.every((v) => typeof v === 'string'), `every name is stored: ${JSON.stringify(expected)}`);
    // Another reader (store.json and the database), then a store opened again.
    assert.deepEqual(NAMES.map((n) => map.get(readStore(dir), n)), expected);
    await store.close();
    const reopened = await Store.open(dir);
    assert.deepEqual(NAMES.map((n) => map.get(reopened.read(), n)), expected);
    assert.equal(Object.getPrototypeOf(reopened.read().sessions), null);
    // An export imported into a fresh store (merge and replace) keeps them all.
    const exp = JSON.parse(JSON.stringify(buildExport(reopened.read(), { includeSecrets: true })));
    for (const mode of ['merge', 'replace'] as const) {
      const fresh = emptyStore();
      applyImport(fresh, exp, mode);
      assert.deepEqual(NAMES.map((n) => map.get(fresh, n)), expected, mode);
      assert.equal(Object.getPrototypeOf(fresh.secrets), null, `${mode}: the maps stay prototype-less`);
    }
    assert.deepEqual(plain(readStore(dir)), plain(reopened.read()));
    await reopened.close();
  });
}
