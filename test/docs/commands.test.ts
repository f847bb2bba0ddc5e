// Every shell command of the README and docs/*.md, run as a reader runs it, checked against what
// the text around it says. The statements are read from the documents' ```sh blocks; each one must
// have a step below (with what the text promises), or say why it cannot run offline. A command
// added to or changed in the docs fails this test until its step says what it should do, and a
// step whose command is no longer in the docs fails as stale.
//
// Statements of one document run in order, in one workspace, through bash: variables a block sets
// (BODY, TS, SIG...) carry over to the next statement, `capsule-local` is the built CLI, and
// `node dist/cli.js` works from the workspace as from the repository root.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, startEmulator, type RunningEmulator } from '../support/emulator';
import { waitFor } from '../support/wait';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

interface Step {
  /** The statement as the document has it, without its trailing comment. */
  cmd: string;
  /** Why it is not run here (it needs the network, a desktop program, or runs the suite itself). */
  skip?: string;
  /** Given on stdin. */
  input?: string;
  /** Run before the statement (a file the text assumes, or undoing an alternative shown before). */
  setup?: string;
  /** Runs while the next steps run (the text says it waits); its output is checked at `joins`. */
  background?: boolean;
  /** For a background step: what it prints once it waits, as a reader would see before going on. */
  ready?: RegExp;
  /** Expected exit status (default 0). */
  status?: number;
  /** What the output (stdout + stderr) must show, as the text says. */
  expect?: RegExp;
  /** What it must never show. */
  never?: RegExp[];
  /** Checked after the statement ran, against the running emulator. */
  after?: (ctx: Context) => Promise<void>;
  /** Talks to the running command (stdin and stdout are its pipes) instead of giving it `input`. */
  speak?: (child: ChildProcess) => Promise<void>;
  /** A background step's output that must arrive once this statement has run. */
  joins?: { cmd: string; expect: RegExp };
}

interface Context {
  emu: RunningEmulator;
  vars: Record<string, string>;
}

const NOT_OFFLINE = 'installs from the package registries';

// Values the steps give the commands; none may ever be printed back.
const TOKEN = 'ghp-docs-test-token-51f0';
const OPENAI = 'sk-docs-test-typed-7c2d';
const SLACK_SECRET = 'slack-signing-docs-3e9a';
const WA_APP_SECRET = 'wa-app-secret-docs-8b41';

const DOCS: Record<string, { app?: 'demo' | 'channels'; steps: Step[] }> = {
  'README.md': {
    app: 'demo',
    steps: [
      { cmd: 'npm ci && bash scripts/setup-python.sh && npm run demo', skip: `${NOT_OFFLINE}; the demo itself runs in test/integrations/demo.test.ts` },
      { cmd: 'sudo apt-get install -y chromium && npm ci && npm test', skip: `${NOT_OFFLINE} and runs this suite` },
      { cmd: 'node dist/cli.js chat "hello"', expect: /\S/ },
      { cmd: 'node dist/cli.js chat "inbox"', background: true, ready: /waiting; answer with: capsule-local prompts answer/ },
      {
        cmd: 'node dist/cli.js prompts',
        expect: /gmail/i,
        after: async (ctx) => {
          ctx.vars.ID = await waitFor('the Gmail prompt', async () => {
            const r = await ctx.emu.cli(['prompts', '--json']);
            const rows = JSON.parse(r.stdout || '[]') as Array<{ id: string; type: string }>;
            return rows.find((p) => p.type === 'gmail')?.id;
          });
        },
      },
      { cmd: 'node dist/cli.js prompts answer <ID> --allow', joins: { cmd: 'node dist/cli.js chat "inbox"', expect: /gmail/i } },
    ],
  },
  'docs/cli-store.md': {
    steps: [
      { cmd: 'capsule-local secret set OPENAI_API_KEY', input: OPENAI, expect: /Saved secret OPENAI_API_KEY/, never: [new RegExp(OPENAI)] },
      { cmd: 'printf %s "$TOKEN" | capsule-local secret set GITHUB_TOKEN', expect: /Saved secret GITHUB_TOKEN/, never: [new RegExp(TOKEN)] },
      { cmd: 'capsule-local secret list', expect: /GITHUB_TOKEN\s+store[\s\S]*OPENAI_API_KEY\s+store/, never: [new RegExp(TOKEN), new RegExp(OPENAI)] },
      { cmd: 'capsule-local secret rm OPENAI_API_KEY', expect: /Removed secret OPENAI_API_KEY/ },
      {
        cmd: 'capsule-local secret import .env.production',
        setup: 'printf "DATABASE_URL=postgres://docs-test-db\\nSENTRY_DSN=https://docs-test-sentry\\n" > .env.production',
        expect: /Imported 2 secrets[\s\S]*DATABASE_URL, SENTRY_DSN/,
        never: [/docs-test-db/, /docs-test-sentry/],
      },
      {
        cmd: 'capsule-local channel create support --type slack --credentials-file slack.env',
        setup: `printf "bot_token=xoxb-docs-test\\nsigning_secret=${SLACK_SECRET}\\n" > slack.env`,
        expect: /Created slack channel support/,
        never: [new RegExp(SLACK_SECRET), /xoxb-docs-test/],
      },
      { cmd: 'capsule-local channel create tg --type telegram --credentials-file -', input: 'bot_token=123456:docs-test-token\n', expect: /Created telegram channel tg[\s\S]*webhook auth: NONE/i, never: [/docs-test-token/] },
      {
        cmd: `printf 'bot_token=%s\\nsecret_token=%s\\n' "$TG_TOKEN" "$TG_SECRET" | capsule-local channel create tg --type telegram --credentials-file -`,
        setup: 'capsule-local channel rm tg >/dev/null',
        expect: /Created telegram channel tg/,
        never: [/tg-docs-secret/, /987654:tg-docs/],
      },
      { cmd: 'capsule-local channel create wa --type whatsapp -c access_token=... -c phone_number_id=... -c verify_token=...', expect: /Created whatsapp channel wa/ },
      { cmd: 'capsule-local channel list', expect: /support\s+slack[\s\S]*\/webhooks\/slack\/[\s\S]*tg\s+telegram[\s\S]*wa\s+whatsapp/, never: [new RegExp(SLACK_SECRET), /tg-docs-secret/] },
      { cmd: 'capsule-local channel rm support', expect: /Removed channel support/ },
      { cmd: 'capsule-local export state.json', expect: /Exported .* to state\.json\. Secret values, channel credentials and tokens were left out/, after: async () => assertFileLacks('state.json', [TOKEN, 'docs-test-db']) },
      { cmd: 'capsule-local export backup.json --include-secrets', expect: /CONTAINS secret values/ },
      { cmd: 'capsule-local export -', expect: /"secrets"/, never: [new RegExp(TOKEN)] },
      { cmd: 'capsule-local import state.json', expect: /\S/ },
      { cmd: 'capsule-local import state.json --replace', expect: /\S/ },
      { cmd: 'capsule-local reset', status: 2, expect: /--yes/ },
      { cmd: 'capsule-local reset --all --yes', expect: /\S/ },
    ],
  },
  'docs/channels.md': {
    app: 'channels',
    steps: [
      { cmd: 'capsule-local channel create support-telegram --type telegram --credentials-file -', input: 'bot_token=123456:docs-tg-token\n', expect: /Created telegram channel support-telegram/, never: [/docs-tg-token/] },
      {
        cmd: 'capsule-local channel create team-slack --type slack --credentials-file slack.env',
        setup: `printf "bot_token=xoxb-docs-slack\\nsigning_secret=${SLACK_SECRET}\\n" > slack.env`,
        expect: /Created slack channel team-slack/,
        never: [new RegExp(SLACK_SECRET)],
      },
      {
        cmd: 'capsule-local channel create shop-whatsapp --type whatsapp -c access_token=EAAG... -c phone_number_id=123456123 -c verify_token=my-verify-token -c app_secret=...',
        expect: /Created whatsapp channel shop-whatsapp/,
      },
      {
        cmd: 'capsule-local channel list',
        expect: /shop-whatsapp[\s\S]*http:\/\/127\.0\.0\.1:\d+\/webhooks\/whatsapp\//,
        after: async (ctx) => {
          // "Set BASE to the emulator's URL and take the webhook ids from capsule-local channel list".
          const rows = JSON.parse((await ctx.emu.cli(['channel', 'list', '--json'])).stdout) as Array<{ name: string; webhookId: string }>;
          const id = (name: string) => rows.find((r) => r.name === name)!.webhookId;
          Object.assign(ctx.vars, {
            BASE: ctx.emu.url.replace(/\/$/, ''),
            TG_WEBHOOK_ID: id('support-telegram'),
            SLACK_WEBHOOK_ID: id('team-slack'),
            WA_WEBHOOK_ID: id('shop-whatsapp'),
            SLACK_SIGNING_SECRET: SLACK_SECRET,
            VERIFY_TOKEN: 'my-verify-token',
            APP_SECRET: '...',
          });
        },
      },
      {
        cmd: `curl -s -X POST "$BASE/webhooks/telegram/$TG_WEBHOOK_ID" -H 'Content-Type: application/json' -d '{ "update_id": 524876123, "message": {"message_id": 101, "date": 1746268800, "text": "/start", "from": {"id": 123456789, "is_bot": false, "first_name": "Jane"}, "chat": {"id": 123456789, "first_name": "Jane", "type": "private"}}}'`,
        after: (ctx) => outboxHas(ctx, 'support-telegram', '/start'),
      },
      { cmd: `BODY='{"type":"event_callback","team_id":"T123ABC456","api_app_id":"A123ABC456","event_id":"Ev123ABC456","event_time":1355517523, "event":{"type":"message","channel":"C123ABC456","user":"U123ABC456","text":"Hello world","ts":"1355517523.000005"}}'` },
      { cmd: 'TS=$(date +%s)' },
      { cmd: `SIG="v0=$(printf 'v0:%s:%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SLACK_SIGNING_SECRET" | sed 's/^.*= //')"` },
      {
        cmd: `curl -s -X POST "$BASE/webhooks/slack/$SLACK_WEBHOOK_ID" -H 'Content-Type: application/json' -H "X-Slack-Request-Timestamp: $TS" -H "X-Slack-Signature: $SIG" --data-raw "$BODY"`,
        after: (ctx) => outboxHas(ctx, 'team-slack', 'Hello world'),
      },
      { cmd: `BODY='{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}'` },
      {
        cmd: `curl -s -X POST "$BASE/webhooks/slack/$SLACK_WEBHOOK_ID" -H 'Content-Type: application/json' -H "X-Slack-Request-Timestamp: $TS" -H "X-Slack-Signature: v0=$(printf 'v0:%s:%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SLACK_SIGNING_SECRET" | sed 's/^.*= //')" --data-raw "$BODY"`,
        expect: /\{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"\}/,
      },
      { cmd: 'curl -s "$BASE/webhooks/whatsapp/$WA_WEBHOOK_ID?hub.mode=subscribe&hub.verify_token=$VERIFY_TOKEN&hub.challenge=1158201444"', expect: /^1158201444$/ },
      {
        cmd: `BODY='{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{ "messaging_product":"whatsapp","metadata":{"display_phone_number":"16505551111","phone_number_id":"123456123"}, "contacts":[{"profile":{"name":"test user name"},"wa_id":"16315551181"}], "messages":[{"from":"16315551181","id":"ABGGFlA5Fpa","timestamp":"1504902988","type":"text","text":{"body":"this is a text message"}}]}}]}]}'`,
      },
      { cmd: `SIG="sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$APP_SECRET" | sed 's/^.*= //')"` },
      {
        cmd: `curl -s -X POST "$BASE/webhooks/whatsapp/$WA_WEBHOOK_ID" -H 'Content-Type: application/json' -H "X-Hub-Signature-256: $SIG" --data-raw "$BODY"`,
        after: (ctx) => outboxHas(ctx, 'shop-whatsapp', 'this is a text message'),
      },
    ],
  },
  'docs/lsp.md': {
    steps: [
      {
        cmd: 'capsule-local lsp --stdio',
        // "the language server for any editor": an editor speaks LSP to it over stdio.
        speak: async (child) => {
          const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
          conn.listen();
          const init = (await conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} })) as { capabilities: Record<string, unknown> };
          assert.ok(init.capabilities.completionProvider && init.capabilities.hoverProvider, 'it offers completion and hover');
          await conn.sendNotification('initialized', {});
          await conn.sendRequest('shutdown');
          await conn.sendNotification('exit');
        },
      },
    ],
  },
  'docs/vscode.md': {
    steps: [
      { cmd: 'npm run package', skip: 'rebuilds dist/ under the other tests; test/package/vsix.test.ts packages through the same scripts/package.mjs' },
      { cmd: 'code --install-extension capsule-local.vsix', skip: 'needs desktop VS Code; test/vscode installs the same package into the workbench' },
    ],
  },
};

function assertFileLacks(file: string, values: string[]): Promise<void> {
  const text = readFileSync(join(current!.workspace, file), 'utf8');
  for (const v of values) assert.ok(!text.includes(v), `${file} contains ${v}`);
  return Promise.resolve();
}

/**
 * "The recorded replies: GET /api/channels/<name> lists the channel's webhook, rejected and
 * outbound events": the app's answer to the webhook's message is there.
 */
async function outboxHas(ctx: Context, channel: string, text: string): Promise<void> {
  let events: Array<{ kind: string; summary?: string }> = [];
  try {
    // The app may be relaunching for the channel just created: on a busy machine that takes a while.
    await waitFor(
      `the app's reply to "${text}" in the outbox of ${channel}`,
      async () => {
        const r = await ctx.emu.api(`/api/channels/${channel}`);
        if (r.status !== 200) return undefined;
        events = ((await r.json()) as { events: typeof events }).events;
        return events.some((e) => e.kind === 'outbound' && (e.summary ?? '').includes(`You said: ${text}`)) || undefined;
      },
      45_000,
    );
  } catch (e) {
    const seen = events.map((x) => `${x.kind}: ${x.summary ?? ''}`).join('\n  ');
    throw new Error(`${(e as Error).message}\n--- events of ${channel} ---\n  ${seen}\n--- serve output ---\n${ctx.emu.output().slice(-4000)}`);
  }
}

/** The documents' shell statements: continuation lines joined, quotes followed across lines. */
export function shellStatements(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/^```(?:sh|bash|shell|console)\n([\s\S]*?)^```/gm)) {
    let pending = '';
    for (const raw of block[1].split('\n')) {
      const line = pending ? `${pending} ${raw.trim()}` : raw.trim();
      if (!line || line.startsWith('#')) continue;
      if (line.endsWith('\\')) {
        pending = line.slice(0, -1).trim();
        continue;
      }
      if ((withoutComment(line).match(/'/g) ?? []).length % 2 === 1) {
        pending = line;
        continue;
      }
      pending = '';
      out.push(withoutComment(line));
    }
  }
  return out;
}

/** A trailing `# comment` outside quotes. */
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trim();
  }
  return line.trim();
}

const DOC_FILES = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

test('every shell command of the docs has a step here, and every step is still in the docs', () => {
  const missing: string[] = [];
  const stale: string[] = [];
  for (const doc of DOC_FILES) {
    const found = shellStatements(readFileSync(join(REPO, doc), 'utf8'));
    const steps = DOCS[doc]?.steps.map((s) => s.cmd) ?? [];
    for (const cmd of found) if (!steps.includes(cmd)) missing.push(`${doc}: ${cmd}`);
    for (const cmd of steps) if (!found.includes(cmd)) stale.push(`${doc}: ${cmd}`);
  }
  for (const doc of Object.keys(DOCS)) if (!DOC_FILES.includes(doc)) stale.push(`${doc} (no such document)`);
  assert.deepEqual(missing, [], 'commands in the docs without a step in test/docs/commands.test.ts');
  assert.deepEqual(stale, [], 'steps whose command the docs no longer have');
});

let current: { workspace: string } | undefined;

const CHANNELS_APP = `import cpsl

app = cpsl.App(
    name="support",
    image=cpsl.Image(python_packages=[]),
    channels=[cpsl.Channel("support-telegram"), cpsl.Channel("team-slack"), cpsl.Channel("shop-whatsapp")],
)


@app.message()
async def handle(session: cpsl.Session, msg: cpsl.Message):
    await session.reply(f"You said: {msg.text}")
`;

for (const [doc, { app, steps }] of Object.entries(DOCS)) {
  const runnable = steps.filter((s) => !s.skip);
  if (!runnable.length) continue;
  describe(`the commands of ${doc}`, () => {
    let workspace: string;
    let emu: RunningEmulator;
    let stateFile: string;
    const ctx = {} as Context;
    const background = new Map<string, Promise<{ status: number | null; out: string }>>();
    const children: ChildProcess[] = [];

    before(async () => {
      workspace = mkdtempSync(join(tmpdir(), 'capsule-docs-'));
      current = { workspace };
      symlinkSync(join(REPO, 'dist'), join(workspace, 'dist'));
      const bin = join(workspace, '.bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'capsule-local'), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO, 'dist', 'cli.js')}" "$@"\n`);
      chmodSync(join(bin, 'capsule-local'), 0o755);
      if (app === 'demo') {
        mkdirSync(join(workspace, 'examples', 'support-ops'), { recursive: true });
        cpSync(join(REPO, 'examples', 'support-ops', 'app.py'), join(workspace, 'examples', 'support-ops', 'app.py'));
        const setup = spawn(process.execPath, [join(REPO, 'scripts', 'demo.mjs')], { cwd: workspace, stdio: 'ignore' });
        await new Promise((r) => setup.on('exit', r));
        emu = await startEmulator({ app: workspace, workspace, entry: 'examples/support-ops/app.py:app' });
      } else {
        writeFileSync(join(workspace, 'app.py'), app === 'channels' ? CHANNELS_APP : 'import cpsl\n\napp = cpsl.App(name="docs", image=cpsl.Image(python_packages=[]))\n\n\n@app.message()\nasync def handle(session, msg):\n    await session.reply(msg.text)\n');
        emu = await startEmulator({ app: workspace, workspace, entry: 'app.py:app' });
      }
      ctx.emu = emu;
      ctx.vars = { TOKEN, TG_TOKEN: '987654:tg-docs', TG_SECRET: 'tg-docs-secret' };
      stateFile = join(workspace, '.docs-shell-state');
      writeFileSync(stateFile, '');
    });
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await emu?.stop();
      rmSync(workspace, { recursive: true, force: true });
    });

    function run(cmd: string, input: string | undefined, interactive = false): { child: ChildProcess; output: () => string; done: Promise<{ status: number | null; out: string }> } {
      const script = `set -a; . ${JSON.stringify(stateFile)}; ${cmd}\nrc=$?; export -p > ${JSON.stringify(stateFile)}.next; exit $rc`;
      const child = spawn('bash', ['-c', script], {
        cwd: workspace,
        env: { ...process.env, ...ctx.vars, PATH: `${join(workspace, '.bin')}:${process.env.PATH}` },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      if (!interactive) child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      child.stdin!.on('error', () => {}); // a command that does not read its input may exit first
      if (!interactive) child.stdin!.end(input ?? '');
      const done = new Promise<{ status: number | null; out: string }>((r) => child.on('exit', (status) => r({ status, out })));
      return { child, output: () => out, done };
    }

    for (const step of steps) {
      const name = step.skip ? `${step.cmd} (not run: ${step.skip})` : step.cmd;
      test(name, { skip: step.skip ? step.skip : false }, async () => {
        if (step.setup) {
          const s = await run(step.setup, undefined).done;
          assert.equal(s.status, 0, `setup of ${step.cmd}: ${s.out}`);
        }
        const cmd = step.cmd.replace(/<([A-Z_]+)>/g, (_, v: string) => ctx.vars[v] ?? `<${v}>`);
        const { child, output, done } = run(cmd, step.input, !!step.speak);
        await step.speak?.(child);
        if (step.background) {
          background.set(step.cmd, done);
          if (step.ready) await waitFor(`${step.cmd} to print ${step.ready}`, () => step.ready!.test(output()) || undefined, 30_000);
          return;
        }
        const r = await done;
        if (existsSync(`${stateFile}.next`)) cpSync(`${stateFile}.next`, stateFile);
        assert.equal(r.status, step.status ?? 0, `${step.cmd} exited ${r.status}:\n${r.out}`);
        if (step.expect) assert.match(r.out, step.expect);
        for (const n of step.never ?? []) assert.doesNotMatch(r.out, n);
        await step.after?.(ctx).catch((e: unknown) => {
          throw new Error(`${(e as Error).message}\n--- what ${step.cmd.slice(0, 60)}… printed ---\n${r.out}`);
        });
        if (step.joins) {
          const bg = await background.get(step.joins.cmd)!;
          assert.equal(bg.status, 0, `${step.joins.cmd} exited ${bg.status}:\n${bg.out}`);
          assert.match(bg.out, step.joins.expect);
        }
      });
    }
  });
}
