// Secrets: injected into the app's environment at start, resolved on demand (store → .env →
// environment), each resolution logged by name and source, and the value never in the event log,
// the store's events, the captured output, an export or the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { ECHO_APP, chat, events, json, waitForEvent } from './helpers';

const STORE_VALUE = 'store-secret-9f8e7d6c5b4a';
const DOTENV_VALUE = 'dotenv-secret-1a2b3c4d5e6f';
const ENV_VALUE = 'environment-secret-0a9b8c7d';

test('secrets are injected and resolved by precedence, and their values never leak', async () => {
  const emu = await startEmulator({
    app: ECHO_APP,
    env: { ECHO_TOKEN: ENV_VALUE },
    dotenv: { FROM_DOTENV: DOTENV_VALUE },
  });
  const secretReply = (value: string): string => `token length ${value.length}, injected True`;
  try {
    // Only the launching environment defines ECHO_TOKEN: injected from there.
    const first = await chat(emu, 'secret');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.reply, secretReply(ENV_VALUE));

    // .env beats the environment: editing .env restarts the app with the new value.
    writeFileSync(join(emu.workspace, '.env'), `FROM_DOTENV=${DOTENV_VALUE}\nECHO_TOKEN=${DOTENV_VALUE}\n`);
    await waitFor('the app to restart with the .env value', async () => (await chat(emu, 'secret')).body.reply === secretReply(DOTENV_VALUE), 20_000);

    // The store beats .env; set through the CLI while the emulator runs, the app restarts with it.
    const set = await emu.cli(['secret', 'set', 'ECHO_TOKEN'], { input: STORE_VALUE });
    assert.equal(set.status, 0, set.stderr);
    await waitFor('the app to restart with the stored value', async () => (await chat(emu, 'secret')).body.reply === secretReply(STORE_VALUE), 20_000);
    const stored = await emu.cli(['secret', 'set', 'FROM_STORE'], { input: STORE_VALUE });
    assert.equal(stored.status, 0, stored.stderr);

    // Resolved on demand through the emulator (not declared, so not in the environment).
    const byStore = await chat(emu, 'lookup FROM_STORE');
    assert.equal(byStore.body.reply, `FROM_STORE has ${STORE_VALUE.length} characters, in env False`, JSON.stringify(byStore));
    const byDotenv = await chat(emu, 'lookup FROM_DOTENV');
    assert.equal(byDotenv.body.reply, `FROM_DOTENV has ${DOTENV_VALUE.length} characters, in env False`, JSON.stringify(byDotenv));

    const missing = await chat(emu, 'lookup NOPE_SECRET');
    assert.equal(missing.status, 422);
    assert.match(missing.body.error ?? '', /NOPE_SECRET/);
    assert.match(missing.body.error ?? '', /capsule-local secret set NOPE_SECRET/);

    const resolutions = await waitForEvent(emu, 'the FROM_DOTENV resolution event', (e) => e.kind === 'secret' && e.detail?.name === 'FROM_DOTENV');
    assert.equal(resolutions.detail?.source, '.env');
    const all = await events(emu);
    assert.ok(all.some((e) => e.kind === 'secret' && e.detail?.name === 'FROM_STORE' && e.detail.source === 'store'));
    for (const source of ['environment', '.env', 'store']) {
      assert.ok(all.some((e) => e.kind === 'secret' && e.detail?.name === 'ECHO_TOKEN' && e.detail.by === 'injection' && e.detail.source === source), `ECHO_TOKEN injected from ${source}`);
    }
    assert.ok(all.some((e) => e.kind === 'log' && /looked up FROM_STORE: \[secret\]/.test(e.summary)), 'the app printed the value; the log shows it scrubbed');

    const state = await json<{ secrets: Array<{ name: string; source: string | null; declared: boolean; updatedAt: string | null }> }>(emu, '/api/state');
    const { updatedAt, ...echo } = state.body.secrets.find((s) => s.name === 'ECHO_TOKEN')!;
    assert.deepEqual(echo, { name: 'ECHO_TOKEN', source: 'store', sources: ['store', '.env', 'environment'], declared: true });
    assert.match(updatedAt ?? '', /^\d{4}-\d\d-\d\dT/, 'the stored value has an update time');

    const exported = await emu.cli(['export', join(emu.workspace, 'export.json')]);
    assert.equal(exported.status, 0, exported.stderr);
    const exportText = readFileSync(join(emu.workspace, 'export.json'), 'utf8');
    const stateText = JSON.stringify(state.body) + JSON.stringify(all);
    for (const value of [STORE_VALUE, DOTENV_VALUE, ENV_VALUE]) {
      const at = stateText.indexOf(value);
      assert.ok(at < 0, `no secret value in the API or the event log: ${stateText.slice(Math.max(0, at - 300), at)}`);
      assert.ok(!exportText.includes(value), 'no secret value in an export');
      assert.ok(!emu.output().includes(value), 'no secret value in the emulator output');
    }
    // The store file holds the stored value in secrets only, never in events or history.
    const store = (await import('../../emulator/store')).readStoreSync(emu.storeDir)! as { secrets: unknown; events: unknown; sessions: unknown };
    for (const value of [STORE_VALUE, DOTENV_VALUE, ENV_VALUE]) {
      assert.ok(!JSON.stringify(store.events).includes(value));
      assert.ok(!JSON.stringify(store.sessions).includes(value));
    }
  } finally {
    await emu.stop();
    emu.cleanup();
  }
});
