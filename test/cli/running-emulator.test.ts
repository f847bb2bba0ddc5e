// Store commands run while an emulator serves the same store: they say whether it has really
// picked the change up (asking its state), and `channel list` shows full webhook URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emulatorForSuite, type RunningEmulator } from '../support/emulator';
import { ECHO_APP } from '../emulator/helpers';

let emu: RunningEmulator;
emulatorForSuite({ app: ECHO_APP }, (e) => (emu = e));

test('secret set, an update and rm each report that the running emulator picked the change up', async () => {
  for (const value of ['first-value-3f1a', 'second-value-9c2e']) {
    const set = await emu.cli(['secret', 'set', 'PICKUP_TEST'], { input: value });
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stderr, new RegExp(`The running emulator \\(pid ${emu.pid}, .*\\) has picked up the new value of PICKUP_TEST\\.`));
    assert.ok(!(set.stdout + set.stderr).includes(value));
  }
  const state = (await (await emu.api('/api/state')).json()) as { secrets: Array<{ name: string; sources: string[] }> };
  assert.deepEqual(state.secrets.find((s) => s.name === 'PICKUP_TEST')?.sources, ['store']);

  const rm = await emu.cli(['secret', 'rm', 'PICKUP_TEST']);
  assert.equal(rm.status, 0, rm.stderr);
  assert.match(rm.stderr, /has picked up the removal of PICKUP_TEST\./);
});

test('channel list shows each channel\'s full webhook URL on the running emulator', async () => {
  const created = await emu.cli(['channel', 'create', 'list-tg', '--type', 'telegram', '-c', 'bot_token=123456:ABCdef']);
  assert.equal(created.status, 0, created.stderr);
  const list = await emu.cli(['channel', 'list']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /WEBHOOK URL/);
  const json = JSON.parse((await emu.cli(['channel', 'list', '--json'])).stdout) as Array<{ name: string; webhookPath: string }>;
  const path = json.find((c) => c.name === 'list-tg')!.webhookPath;
  assert.ok(list.stdout.includes(new URL(path, emu.url).toString()), `list shows ${new URL(path, emu.url)}:\n${list.stdout}`);
});
