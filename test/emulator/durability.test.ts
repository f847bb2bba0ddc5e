// kill -9 of the emulator mid-conversation: after a restart every acknowledged message (and its
// reply) is in the store, and the conversation continues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../support/emulator';
import { ECHO_APP, chat, json } from './helpers';
import { waitFor } from '../support/wait';

interface SessionDetail {
  id: string;
  history: Array<{ text: string; sender: string }>;
}

test('every acknowledged message survives kill -9 of the emulator', async () => {
  const emu = await startEmulator({ app: ECHO_APP });
  const acknowledged: Array<{ session: string; text: string; reply: string }> = [];
  let restarted;
  try {
    const sessions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await chat(emu, `open ${i}`);
      sessions.push(r.body.session_id);
      acknowledged.push({ session: r.body.session_id, text: `open ${i}`, reply: r.body.reply });
    }
    // Keep messages flowing on every session, and kill the emulator while they do.
    let stop = false;
    const loops = sessions.map(async (sid, k) => {
      for (let n = 0; !stop; n++) {
        const text = `msg ${k}.${n}`;
        const r = await chat(emu, text, { session_id: sid }).catch(() => undefined);
        if (!r || r.status !== 200) return;
        acknowledged.push({ session: sid, text, reply: r.body.reply });
      }
    });
    const opened = acknowledged.length;
    await waitFor('some acknowledged traffic before the kill', () => acknowledged.length >= opened + 12, 30_000);
    await emu.kill9();
    stop = true;
    await Promise.all(loops);
    assert.ok(acknowledged.length > 8, `enough traffic before the kill (${acknowledged.length})`);

    restarted = await startEmulator({ app: ECHO_APP, workspace: emu.workspace, entry: emu.entry });
    const data = await json<{ sessions: Array<{ id: string }> }>(restarted, '/api/state');
    assert.ok(data.status === 200);
    const store = (await import('../../emulator/store')).readStoreSync(restarted.storeDir)! as unknown as { sessions: Record<string, SessionDetail> };
    for (const a of acknowledged) {
      const s = store.sessions[a.session];
      assert.ok(s, `session ${a.session} survived`);
      const i = s.history.findIndex((h) => h.sender === 'user' && h.text === a.text);
      assert.ok(i >= 0, `acknowledged message "${a.text}" survived`);
      assert.ok(s.history.slice(i + 1).some((h) => h.sender === 'app' && h.text === a.reply), `its reply "${a.reply}" survived`);
    }
    const more = await chat(restarted, 'after the crash', { session_id: sessions[0] });
    assert.equal(more.body.reply, 'echo: after the crash');
  } finally {
    await restarted?.stop();
    await emu.kill9();
    emu.cleanup();
  }
});
