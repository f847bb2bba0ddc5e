// No secret value leaves the emulator, in any form. Distinct values are planted through every
// source the emulator knows (the store, with a multi-line value; the workspace .env; the
// environment serve was started in, declared or only read by name; an integration's secret-form
// field and its access token),
// the app pushes each one through every path by which app text reaches the emulator (stdout and
// stderr, a handler error, a reply) raw, as repr, JSON, URL-encoded and base64, and then every
// sink is grepped for every form of every value (and of every line of the multi-line one):
// serve's console, the chat CLI, the API answers, the web chat and dashboard APIs, the event log,
// the export without --include-secrets and every file under the store folder apart from where
// secrets are meant to live. Zero hits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, fixture, startEmulator, type RunningEmulator } from '../support/emulator';
import { chat, json, waitForPrompt } from './helpers';

const LEAKS_APP = fixture('emulator', 'leaks');
/** The project's interpreter: with it, serve runs the real SDK's runner instead of the bundled one. */
const VENV_PYTHON = join(REPO, '.venv', 'bin', 'python');

const VALUES: Record<string, string> = {
  LEAK_STORE: "store-Kq7-first-line\nstore second line with 'quotes' & /slashes/\n-----END store-Kq7-----",
  LEAK_DOTENV: 'dotenv-Zr3+plus/slash=eq',
  LEAK_ENV: 'env-Wm5 "quoted" back\\slash \u00e9-end',
  LEAK_ENV_ONLY: 'envonly-Pq2/undeclared+value',
  jira_token: 'jira-Tx8&amp=1?q=yes now',
};
const JIRA_URL = 'https://jira.example.test';
const FORMS = ['raw', 'repr', 'json', 'url', 'urlplus', 'b64', 'b64url', 'embedded_b64'];
const PATHS = ['print', 'stderr', 'raise', 'reply'];

/** Python's repr of a str, without the quotes (as `repr()` picks them). */
function pyRepr(v: string): string {
  const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out;
}

/** Python's urllib.parse.quote(v, safe=''). */
function pyQuote(v: string, plus = false): string {
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9_.~-]/.test(ch)) out += ch;
    else if (plus && ch === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Every form a value may take in text: raw, repr, JSON-escaped, URL-encoded, base64. */
function formsOf(v: string): Record<string, string> {
  const b64 = Buffer.from(v, 'utf8').toString('base64');
  // base64 of "Bearer " + v: the characters that depend on v alone (7 prefix bytes = 56 bits).
  const embedded = Buffer.from('Bearer ' + v, 'utf8').toString('base64').slice(10, -3);
  return {
    raw: v,
    repr: pyRepr(v),
    json: JSON.stringify(v).slice(1, -1),
    url: pyQuote(v),
    uri: encodeURIComponent(v),
    urlplus: pyQuote(v, true),
    b64: b64.replace(/=+$/, ''),
    b64url: b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
    embedded_b64: embedded,
  };
}

/** name/form → needle: every form of every value, and of each line of a multi-line value. */
function needles(): Array<{ what: string; needle: string }> {
  const out: Array<{ what: string; needle: string }> = [];
  for (const [name, v] of Object.entries(VALUES)) {
    const parts = [v, ...(v.includes('\n') ? v.split('\n') : [])];
    for (const [i, part] of parts.entries()) {
      for (const [form, needle] of Object.entries(formsOf(part))) {
        if (needle.length >= 6) out.push({ what: `${name}${i ? ` line ${i}` : ''} (${form})`, needle });
      }
    }
  }
  return out;
}

/** The store folder's files, less where secrets are meant to live (secrets, integrations, channel credentials). */
function storeFiles(storeDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(storeDir, { recursive: true }) as string[]) {
    const file = join(storeDir, f);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // a folder
    }
    if (f.startsWith('store.json')) {
      const d = JSON.parse(text) as Record<string, unknown>;
      delete d.secrets;
      delete d.integrations;
      delete d.channels;
      text = JSON.stringify(d);
    }
    // The database (data.sqlite and its WAL) is read as text too: SQLite keeps text as UTF-8.
    out[`store folder: ${f}`] = text;
  }
  return out;
}

async function body(emu: RunningEmulator, path: string): Promise<string> {
  const r = await emu.api(path);
  return `${r.status} ${await r.text()}`;
}

/** Plants the values, drives every path with the app on `python`, greps every sink. */
async function plantAndGrep(python: string): Promise<void> {
  const emu = await startEmulator({ app: LEAKS_APP, env: { LEAK_ENV: VALUES.LEAK_ENV!, LEAK_ENV_ONLY: VALUES.LEAK_ENV_ONLY!, CAPSULE_PYTHON: python }, dotenv: { LEAK_DOTENV: VALUES.LEAK_DOTENV! } });
  const sinks: Record<string, string> = {};
  const add = (name: string, text: string): void => void (sinks[name] = (sinks[name] ?? '') + text + '\n');
  try {
    const set = await emu.cli(['secret', 'set', 'LEAK_STORE'], { input: VALUES.LEAK_STORE });
    assert.equal(set.status, 0, set.stderr);

    // The integration: a secret-form answer carries the token as a field.
    const connecting = chat(emu, 'connect');
    const prompt = await waitForPrompt(emu, 'jira');
    const answered = await json(emu, `/api/prompts/${prompt.id}/answer`, { allow: true, fields: { base_url: JIRA_URL, api_token: VALUES.jira_token } });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal((await connecting).body.reply, 'Jira for the leak test\nconnected');

    const names = [...Object.keys(VALUES), 'jira_access'];
    let sessionId: string | undefined;
    for (const name of names) {
      for (const form of FORMS) {
        for (const path of PATHS) {
          const r = await chat(emu, `${path} ${form} ${name}`, sessionId ? { session_id: sessionId } : {});
          sessionId ??= r.body.session_id;
          add('POST /api/chat answers', JSON.stringify(r.body));
          // The path really ran: an error for raise, a reply otherwise.
          if (path === 'raise') assert.equal(r.status, 422, `${path} ${form} ${name}: ${JSON.stringify(r.body)}`);
          else assert.equal(r.status, 200, `${path} ${form} ${name}: ${JSON.stringify(r.body)}`);
        }
      }
      // The chat CLI: stdout, and stderr where a handler error goes.
      for (const form of ['raw', 'repr', 'json']) {
        const c = await emu.cli(['chat', `raise ${form} ${name}`]);
        assert.equal(c.status, 1, c.stderr);
        assert.match(c.stderr, /the handler failed: (RuntimeError: )?upstream refused/);
        add('capsule-local chat stderr/stdout', c.stderr + c.stdout);
        const ok = await emu.cli(['chat', '--json', `reply ${form} ${name}`]);
        add('capsule-local chat stderr/stdout', ok.stderr + ok.stdout);
      }
      // The streamed API and the web chat API (its own session).
      const stream = await emu.api('/api/chat/stream', { method: 'POST', body: JSON.stringify({ text: `raise raw ${name}` }) });
      add('POST /api/chat/stream', await stream.text());
      const boot = await json<{ personas: Array<{ id: string }> }>(emu, '/api/webchat/bootstrap');
      const userId = boot.body.personas[0]!.id;
      const sent = await json<{ sessionId: string; requestId: string }>(emu, '/api/webchat/messages', { text: `raise json ${name}`, userId });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      add('web chat turn events', await body(emu, `/api/webchat/turns/${sent.body.requestId}/events`));
      add('web chat sessions', await body(emu, `/api/webchat/sessions?user=${encodeURIComponent(userId)}`));
      add('web chat session', await body(emu, `/api/webchat/sessions/${sent.body.sessionId}`));
      // Data handlers and endpoints: the app's answer is forwarded to the caller.
      for (const form of FORMS) {
        const q = `form=${form}&name=${name}`;
        const data = await body(emu, `/apps/leaks/data/reveal?${q}`);
        assert.match(data, /^200 /, data);
        add('GET /apps/:app/data/:name', data);
        const endpoint = await body(emu, `/apps/leaks/endpoints/reveal?${q}`);
        assert.match(endpoint, /^200 /, endpoint);
        add('GET /apps/:app/endpoints/*', endpoint);
      }
    }

    // The paths ran and the values were scrubbed, not missed: the masks are there.
    const log = await body(emu, '/api/events/log?limit=5000');
    assert.match(log, /the value is \[secret\]/);
    assert.match(log, /upstream refused \[secret\]/);

    add('GET /api/events/log', log);
    add('GET /api/state', await body(emu, '/api/state'));
    add('GET /api/prompts', await body(emu, '/api/prompts'));
    add('GET /api/runner-env', await body(emu, '/api/runner-env?entry=app.py:app'));
    add('GET /api/dashboard/state', await body(emu, '/api/dashboard/state'));
    const dash = JSON.parse((await body(emu, '/api/dashboard/state')).slice(4)) as { sessions: Array<{ id: string }> };
    for (const s of dash.sessions) add('GET /api/dashboard/sessions/:id', await body(emu, `/api/dashboard/sessions/${s.id}`));

    const exported = await emu.cli(['export', '-']);
    assert.equal(exported.status, 0, exported.stderr);
    add('export without --include-secrets', exported.stdout + exported.stderr);
    Object.assign(sinks, storeFiles(emu.storeDir));
  } finally {
    await emu.stop();
    add("serve's console (stdout and stderr)", emu.output());
  }
  // After the stop (the journal folded into store.json) once more.
  for (const [k, v] of Object.entries(storeFiles(emu.storeDir))) sinks[`${k} (after stop)`] = v;
  emu.cleanup();

  const hits: string[] = [];
  for (const [sink, text] of Object.entries(sinks)) {
    for (const { what, needle } of needles()) {
      const at = text.indexOf(needle);
      if (at >= 0) hits.push(`${sink}: ${what} …${text.slice(Math.max(0, at - 60), at + needle.length + 20).replace(/\n/g, '⏎')}…`);
    }
  }
  assert.deepEqual(hits, [], `${hits.length} leaks:\n${hits.slice(0, 60).join('\n')}`);
}

test('planted secret values appear in no sink, in no form (the bundled runtime)', { timeout: 10 * 60_000 }, () => plantAndGrep('python3'));

test('planted secret values appear in no sink, in no form (the real SDK from .venv)', { timeout: 10 * 60_000 }, () => {
  if (!existsSync(VENV_PYTHON)) throw new Error(`${VENV_PYTHON} is missing: run scripts/setup-python.sh`);
  return plantAndGrep(VENV_PYTHON);
});
