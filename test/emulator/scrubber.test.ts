// The scrubber on its own: which values count as secrets, and the forms it matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK, MIN_SECRET_LENGTH, SecretScrubber } from '../../emulator/gateway/scrubber';
import { emptyStore, type StoreData } from '../../emulator/store/schema';

function scrubber(opts: { data?: StoreData; dotenv?: Record<string, string>; env?: Record<string, string>; declared?: string[] } = {}): SecretScrubber {
  const data = opts.data ?? emptyStore();
  return new SecretScrubber({ data: () => data, dotenv: () => opts.dotenv ?? {}, env: opts.env ?? {}, declaredNames: () => opts.declared ?? [] });
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

test('every form of a value is masked: raw, lines, repr, JSON, URL, base64 (also inside longer base64)', () => {
  const v = "pem-Line-One\nsecond 'line' & /x/ é\nthird-line-end";
  const s = scrubber({ dotenv: { KEY: v } });
  // want: each of these to come out as MASK alone.
  const forms = [
    v,
    'pem-Line-One',
    "second 'line' & /x/ é",
    JSON.stringify(v).slice(1, -1),
    "pem-Line-One\\nsecond \\'line\\' & /x/ é\\nthird-line-end", // repr with ' quotes
    encodeURIComponent(v),
    encodeURIComponent(v).replace(/%20/g, '+'),
    b64(v).replace(/=+$/, ''),
    b64(v).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
  ];
  for (const f of forms) assert.equal(s.text(`<${f}>`), `<${MASK}>`, f);
  // Inside a longer base64 text (7 bytes before it, so not on a 3-byte boundary).
  const embedded = b64('Bearer ' + v);
  assert.ok(!s.text(embedded).includes(b64('Bearer ' + v).slice(12, -4)), 'the part that depends on the value is masked');
});

test('which values count: store, .env, declared or named environment variables, tokens; not the rest of the environment', () => {
  const data = emptyStore();
  data.secrets.STORED = { value: 'stored-value-1', createdAt: '', updatedAt: '' };
  data.integrations.u = { jira: { type: 'jira', mode: 'secret', accessToken: '', tokenType: 'fields', scopes: [], expiresAt: 0, fields: { api_token: 'jira-field-value' }, connectedAt: '' } };
  data.channels.tg = { id: 'c', webhookId: 'w', type: 'telegram', credentials: { bot_token: '123456:telegram-bot' }, createdAt: '' };
  const s = scrubber({ data, dotenv: { FROM_FILE: 'dotenv-value-2' }, env: { DECLARED: 'declared-env-value', STORED: 'env-copy-of-stored', HOME: '/home/someone', OTHER: 'not-a-secret-value' }, declared: ['DECLARED'] });
  s.learn('handed-out-value');
  for (const v of ['stored-value-1', 'jira-field-value', '123456:telegram-bot', 'dotenv-value-2', 'declared-env-value', 'env-copy-of-stored', 'handed-out-value']) {
    assert.equal(s.text(`x ${v} y`), `x ${MASK} y`, v);
  }
  for (const v of ['/home/someone', 'not-a-secret-value']) assert.equal(s.text(`x ${v} y`), `x ${v} y`, `${v} is left alone`);
});

test(`values shorter than ${MIN_SECRET_LENGTH} characters are not masked; JSON data is masked string by string`, () => {
  const s = scrubber({ dotenv: { PIN: '1234', LONG: 'long-enough' } });
  assert.equal(s.text('pin 1234'), 'pin 1234');
  assert.deepEqual(s.json({ a: ['long-enough'], b: { c: 'x long-enough y' }, n: 3 }), { a: [MASK], b: { c: `x ${MASK} y` }, n: 3 });
});

test('an event preview is scrubbed before it is clipped: a cut never leaves the start of a value', async () => {
  const { HubEvents } = await import('../../emulator/gateway/events');
  const value = 'preview-secret-value-0123456789';
  const events = new HubEvents({} as never, scrubber({ dotenv: { KEY: value } }));
  // The cut at 40 characters falls inside the value: clipped first, its start would survive.
  const text = `the user wrote: ${value} and more text after it`;
  const clippedFirst = text.slice(0, 40);
  assert.ok(clippedFirst.includes(value.slice(0, 20)) && !clippedFirst.includes(value), 'the cut falls inside the value');
  const preview = events.preview(text, 40);
  assert.ok(!preview.includes(value.slice(0, MIN_SECRET_LENGTH)), preview);
  assert.equal(preview, `the user wrote: ${MASK} and more tex...`);
});
