// The extension in the real VS Code workbench (code-server 4.100.3 = VS Code 1.100.3, headless
// Chromium): one boot, then the scenarios a user goes through, asserted from inside the extension
// host through the test driver and, for what only the screen shows, through the page itself.
// Needs `npm run build`, Debian chromium and the code-server install (scripts/install-code-server.sh,
// which this suite runs itself when code-server is missing; it is cached between runs).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, runCli, type CliResult } from '../support/emulator';
import { bootWorkbench, filesUnder, packageFolder, quickOpen, waitFor, type Workbench } from './harness';

const FIXTURE = join(__dirname, 'fixtures', 'workspace');
// A value no output may ever contain (view, results file, emulator log, screenshots' text).
const SECRET_VALUE = 'wx-7f3c1e-never-shown';
/** The project's interpreter, with debugpy (the debug scenarios need it in the app's interpreter). */
const VENV_PYTHON = join(REPO, '.venv', 'bin', 'python');

interface Diag {
  code: string;
  message: string;
  severity: string;
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
  tags: string[];
}

const figures: Record<string, number> = {};

/** The built CLI on the workbench's workspace and store, as a user runs it in the terminal. */
function cli(args: string[], workspace: string, timeoutMs = 60_000): Promise<CliResult> {
  return runCli([...args, '--store', join(workspace, '.capsule')], { cwd: workspace, timeoutMs });
}

/** Sends `text` with `chat` until the app answers (it may still be starting); resolves with the reply. */
function replyOnceRunning(what: string, text: string, workspace: string): Promise<string> {
  return waitFor(
    what,
    async () => {
      const r = await cli(['chat', '--json', '--timeout', '10', text], workspace);
      return r.status === 0 ? (JSON.parse(r.stdout) as { reply: string }).reply : undefined;
    },
    45_000,
    500,
  );
}

describe('VS Code workbench (code-server)', { timeout: 8 * 60_000 }, () => {
  let wb: Workbench;
  let appFile: string;
  // Once activation fails every later scenario would only wait out its timeouts; fail them at once.
  let activationProblem: string | undefined = 'activation was not attempted';
  const requireActive = (): void => {
    if (activationProblem) throw new Error(`not run: ${activationProblem}`);
  };

  before(async () => {
    wb = await bootWorkbench({ fixture: FIXTURE, settings: { 'capsule.python.interpreter': 'python3' } });
    figures.workbenchBootMs = wb.bootMs;
    appFile = join(wb.workspace, 'app.py');
  });

  after(async () => {
    // Stop the emulator through the extension so it removes its discovery file, then close.
    await wb?.op('command', { id: 'capsule.emulator.stop' }).catch(() => undefined);
    await wb?.close();
    process.stdout.write(`# workbench figures: ${JSON.stringify(figures)}\n`);
  });

  it('installs from the .vsix, which holds the bundles, the Python runtime and the web assets', () => {
    for (const f of ['dist/extension.js', 'dist/server.js', 'dist/cli.js', 'dist/sdk-catalog.json', 'dist/media/chat.html', 'dist/python/cpsl/__init__.py', 'dist/platform/capsule.proto']) {
      assert.ok(wb.packaged.includes(f), `${f} is packaged`);
    }
    assert.deepEqual(wb.packaged.filter((f) => f.endsWith('.map') || f.startsWith('node_modules/') || f.startsWith('test/')), [], 'no source maps, node_modules or tests');
  });

  it('activates on a Python file that imports cpsl and starts the language server', async () => {
    const t0 = Date.now();
    activationProblem = 'the extension did not activate';
    await quickOpen(wb.page, 'app.py');
    const ready = await waitFor('the extension to activate and its test driver to answer', () => wb.op<{ activationMs: number; client: boolean }>('ready'), 60_000, 250);
    figures.openToActiveMs = Date.now() - t0;
    figures.activationMs = ready.activationMs;
    assert.equal(ready.client, true, 'the language client is running');
    activationProblem = undefined;
    const status = await wb.op<{ text: string }>('status');
    assert.match(status.text, /Capsule/);
  });

  it('shows diagnostics from the language server, with squiggles and code lenses on screen', async () => {
    requireActive();
    const opened = await wb.op<{ languageId: string }>('open', { path: appFile });
    assert.equal(opened.languageId, 'python');
    const t0 = Date.now();
    const { diagnostics } = await wb.op<{ diagnostics: Diag[] }>('diagnostics', { path: appFile, code: 'capsule/missing-secret' });
    figures.diagnosticsMs = Date.now() - t0;
    const missing = diagnostics.filter((d) => d.code === 'capsule/missing-secret');
    assert.deepEqual([...new Set(missing.map((d) => d.message.match(/WEATHER_API_KEY|TRANSLATE_KEY/)?.[0]))].sort(), ['TRANSLATE_KEY', 'WEATHER_API_KEY']);
    assert.ok(diagnostics.some((d) => d.code === 'capsule/redundant-chat' && d.tags.includes('Unnecessary')), 'cpsl.Chat() is reported as redundant');
    // What the user sees: warning squiggles and the Run / Debug / Open chat lenses above the app.
    await wb.page.locator('.squiggly-warning').first().waitFor({ timeout: 15_000 });
    const lenses = wb.page.locator('.contentWidgets .codelens-decoration, .codelens-decoration');
    await lenses.first().waitFor({ timeout: 15_000 });
    const lensText = (await lenses.allInnerTexts()).join(' | ');
    assert.match(lensText, /Run locally/);
    assert.match(lensText, /Debug/);
    assert.match(lensText, /Open chat/);
    // The screenshot: the Capsule view beside the editor, and the hover of a squiggle.
    await wb.op('command', { id: 'workbench.view.extension.capsule' });
    await wb.page.locator('.monaco-list-row', { hasText: 'helper' }).first().waitFor({ timeout: 10_000 });
    // The squiggle layer lies under the text layer, so point the mouse at its middle instead.
    const box = await wb.page.locator('.squiggly-warning').first().boundingBox();
    assert.ok(box, 'the squiggle is on screen');
    await wb.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'capsule/missing-secret' }).first().waitFor({ timeout: 10_000 });
    await wb.screenshot('diagnostics');
    await wb.page.keyboard.press('Escape');
  });

  it('completes and hovers through the language server', async () => {
    requireActive();
    const text = readFileSync(appFile, 'utf8').split('\n');
    const line = text.findIndex((l) => l.includes('add_integration("jira"'));
    const character = text[line]!.indexOf('"jira"') + 1;
    const { items } = await wb.op<{ items: Array<{ label: string }> }>('completion', { path: appFile, line, character });
    const labels = items.map((i) => i.label);
    for (const known of ['github', 'aws', 'gmail']) assert.ok(labels.includes(known), `integration type ${known} offered; got ${labels.slice(0, 30).join(', ')}`);
    const appLine = text.findIndex((l) => l.startsWith('app = cpsl.App('));
    const hover = await wb.op<{ contents: string[] }>('hover', { path: appFile, line: appLine, character: text[appLine]!.indexOf('App') + 1 });
    assert.ok(hover.contents.join('\n').length > 0, 'hover over cpsl.App shows the catalog text');
  });

  it('applies a quick fix (remove the redundant cpsl.Chat())', async () => {
    requireActive();
    const { diagnostics } = await wb.op<{ diagnostics: Diag[] }>('diagnostics', { path: appFile, code: 'capsule/redundant-chat' });
    const d = diagnostics.find((x) => x.code === 'capsule/redundant-chat')!;
    const { actions } = await wb.op<{ actions: Array<{ title: string }> }>('codeActions', { path: appFile, line: d.line, character: d.character, endLine: d.endLine, endCharacter: d.endCharacter });
    const fix = actions.find((a) => /Remove cpsl\.Chat\(\)/.test(a.title));
    assert.ok(fix, `a quick fix for redundant-chat is offered; got ${JSON.stringify(actions.map((a) => a.title))}`);
    await wb.op('applyCodeAction', { path: appFile, line: d.line, character: d.character, endLine: d.endLine, endCharacter: d.endCharacter, title: fix.title, save: true });
    await wb.op('diagnostics', { path: appFile, code: 'capsule/redundant-chat', present: false });
    const { text } = await wb.op<{ text: string }>('text', { path: appFile });
    assert.doesNotMatch(text, /cpsl\.Chat\(\)/);
  });

  it('sets a secret through the command (no echo) and the missing-secret diagnostic clears', async () => {
    requireActive();
    const t0 = Date.now();
    await wb.op('command', { id: 'capsule.secret.set', answers: ['WEATHER_API_KEY', SECRET_VALUE] });
    await wb.op('diagnostics', { path: appFile, code: 'capsule/missing-secret', match: 'WEATHER_API_KEY', present: false });
    figures.secretToDiagnosticClearedMs = Date.now() - t0;
    const still = await wb.op<{ diagnostics: Diag[] }>('diagnostics', { path: appFile, code: 'capsule/missing-secret', match: 'TRANSLATE_KEY' });
    assert.equal(still.diagnostics.filter((d) => d.code === 'capsule/missing-secret').length, 1, 'only the other secret is still missing');
    const asked = await wb.op<Array<{ kind: string; title: string; password?: boolean }>>('asked');
    const valueQuestion = asked.find((a) => a.title.includes('value of WEATHER_API_KEY'));
    assert.equal(valueQuestion?.password, true, 'the value is asked in a password box');
    const view = await wb.op<Record<string, string[]>>('view');
    assert.ok(view.secrets!.some((s) => s.startsWith('WEATHER_API_KEY')), `the view lists the secret: ${JSON.stringify(view.secrets)}`);
    assert.ok(!JSON.stringify(view).includes(SECRET_VALUE), 'the value never shows in the view');
    const listed = await cli(['secret', 'list', '--json'], wb.workspace);
    assert.match(listed.stdout, /WEATHER_API_KEY/);
  });

  it('defines the other secret through the language server quick fix, asking the value first', async () => {
    requireActive();
    const { diagnostics } = await wb.op<{ diagnostics: Diag[] }>('diagnostics', { path: appFile, code: 'capsule/missing-secret' });
    const d = diagnostics.find((x) => x.code === 'capsule/missing-secret' && x.message.includes('TRANSLATE_KEY'));
    assert.ok(d, 'TRANSLATE_KEY is still missing');
    const { actions } = await wb.op<{ actions: Array<{ title: string; command: string | null }> }>('codeActions', { path: appFile, line: d.line, character: d.character, endLine: d.endLine, endCharacter: d.endCharacter });
    const fix = actions.find((a) => a.command === 'capsule.defineSecret' && /TRANSLATE_KEY.*store/.test(a.title));
    assert.ok(fix, `a quick fix that defines the secret is offered; got ${JSON.stringify(actions)}`);
    await wb.op('applyCodeAction', { path: appFile, line: d.line, character: d.character, endLine: d.endLine, endCharacter: d.endCharacter, title: fix.title, answers: ['tr-secret-value'] });
    await wb.op('diagnostics', { path: appFile, code: 'capsule/missing-secret', match: 'TRANSLATE_KEY', present: false });
    const asked = await wb.op<Array<{ title: string; password?: boolean }>>('asked');
    assert.equal(asked.find((a) => a.title.includes('value of TRANSLATE_KEY'))?.password, true, 'the quick fix asked the value without echo');
  });

  it('creates a missing channel through the quick fix, asking its credentials without echo', async () => {
    requireActive();
    const supportFile = join(wb.workspace, 'support.py');
    await wb.op('open', { path: supportFile });
    const { diagnostics } = await wb.op<{ diagnostics: Diag[] }>('diagnostics', { path: supportFile, code: 'capsule/unknown-channel' });
    const d = diagnostics.find((x) => x.code === 'capsule/unknown-channel')!;
    const at = { path: supportFile, line: d.line, character: d.character, endLine: d.endLine, endCharacter: d.endCharacter };
    const { actions } = await wb.op<{ actions: Array<{ title: string; command: string | null }> }>('codeActions', at);
    const fix = actions.find((a) => a.command === 'capsule.createChannel' && /Telegram/.test(a.title));
    assert.ok(fix, `a quick fix creates a Telegram channel; got ${JSON.stringify(actions.map((a) => a.title))}`);
    // The bot token, then the optional secret_token left empty.
    await wb.op('applyCodeAction', { ...at, title: fix.title, answers: ['123456:telegram-token-value', ''] });
    await wb.op('diagnostics', { path: supportFile, code: 'capsule/unknown-channel', present: false });
    const asked = await wb.op<Array<{ title: string; password?: boolean }>>('asked');
    assert.equal(asked.find((a) => a.title.includes('bot_token'))?.password, true, 'the bot token is asked without echo');
    // The palette command asks everything: name, type (quick pick), then each credential.
    await wb.op('command', { id: 'capsule.channel.create', answers: ['alerts', 'slack', 'xoxb-slack-token-value', 'slack-signing-value'] });
    const channels = JSON.parse((await cli(['channel', 'list', '--json'], wb.workspace)).stdout) as Array<{ name: string; type: string }>;
    assert.deepEqual(channels.map((c) => [c.name, c.type]), [['alerts', 'slack'], ['support-tg', 'telegram']]);
    const view = await wb.op<Record<string, string[]>>('view');
    assert.ok(view.channels!.some((c) => c.startsWith('support-tg')), `the view lists the channel: ${JSON.stringify(view.channels)}`);
    await wb.op('open', { path: appFile });
  });

  it('runs the app locally and a chat message gets its reply', async () => {
    requireActive();
    const t0 = Date.now();
    const run = await wb.op<{ result: { url: string; port: number; entry: string } }>('command', { id: 'capsule.runApp', args: [appFile, 'app'] }, 60_000);
    assert.match(run.result.url, /^http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(run.result.entry, 'app.py:app');
    await waitFor(
      'the app to be running in the emulator',
      async () => {
        const view = await wb.op<Record<string, string[]>>('view');
        return view.apps!.some((a) => a.includes('running')) ? view : undefined;
      },
      45_000,
      500,
    );
    figures.runToAppRunningMs = Date.now() - t0;
    const view = await wb.op<Record<string, string[]>>('view');
    assert.ok(view.personas!.some((p) => p.startsWith('Dev')), `the default persona is listed: ${JSON.stringify(view.personas)}`);
    const status = await wb.op<{ text: string }>('status');
    assert.match(status.text, new RegExp(`:${run.result.port}`));
    const chat = await cli(['chat', '--json', 'hello'], wb.workspace);
    assert.equal(chat.status, 0, `chat failed: ${chat.stderr}`);
    const reply = JSON.parse(chat.stdout) as { reply: string };
    assert.equal(reply.reply, 'echo: hello (weather key set)');
  });

  it('a save that breaks the app turns the status bar into "previous version — reload failed" until a good save', async () => {
    requireActive();
    const good = readFileSync(appFile, 'utf8');
    writeFileSync(appFile, good + '\ndef broken(:\n');
    try {
      const failed = await waitFor(
        'the status bar to show the failed reload',
        async () => {
          const s = await wb.op<{ text: string; tooltip: string | null }>('status');
          return /previous version — reload failed/.test(s.text) ? s : undefined;
        },
        45_000,
        500,
      );
      assert.match(failed.tooltip ?? '', /running the previous version — reload failed: SyntaxError/);
    } finally {
      writeFileSync(appFile, good);
    }
    await waitFor(
      'the status bar to clear after the good save',
      async () => {
        const s = await wb.op<{ text: string }>('status');
        return /^\$\(broadcast\) Capsule :\d+/.test(s.text) ? s : undefined;
      },
      45_000,
      500,
    );
  });

  it('Open chat signs the browser in to the web chat, where a message gets its reply', async () => {
    requireActive();
    // The command opens this URL with vscode.env.openExternal. code-server rewrites loopback URLs
    // to its own port proxy and drops the path, so the test opens the URL the command produced
    // directly, as the system browser does under desktop VS Code.
    const { result: url } = await wb.op<{ result: string }>('command', { id: 'capsule.openChat', args: [appFile, 'app'] });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/login\?code=[^&]+&next=%2Fchat$/);
    const chat = await wb.browser.newPage();
    try {
      await chat.goto(url);
      await chat.waitForURL(/\/chat$/, { timeout: 20_000 });
      const input = chat.getByRole('textbox', { name: 'Message' });
      await input.fill('from the browser');
      await input.press('Enter');
      await chat
        .getByRole('log', { name: 'Messages' })
        .getByText('echo: from the browser (weather key set)')
        .waitFor({ timeout: 30_000 })
        .catch(async (e: Error) => {
          // Say what the page showed instead, so a failure here explains itself.
          const shown = await chat.locator('body').innerText().catch(() => '(page text unavailable)');
          throw new Error(`${e.message}\n--- chat page (${chat.url()}) ---\n${shown.slice(0, 2000)}`);
        });
    } finally {
      await chat.close();
    }
  });

  it('shows a pending prompt (notification, view with countdown) and answers it with Connect', async () => {
    requireActive();
    const chat = cli(['chat', '--json', '--timeout', '90', 'jira'], wb.workspace, 100_000);
    const prompts = await waitFor(
      'the jira prompt to be pending',
      async () => {
        const list = await wb.op<Array<{ id: string; type: string }>>('prompts');
        return list.length ? list : undefined;
      },
      30_000,
      300,
    );
    assert.equal(prompts[0]!.type, 'jira');
    const view = await wb.op<Record<string, string[]>>('view');
    assert.match(view.prompts!.join('\n'), /jira .* \d+ s left/);
    await wb.op('command', { id: 'workbench.view.extension.capsule' });
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'connect jira' });
    await toast.first().waitFor({ timeout: 15_000 });
    assert.ok(await toast.first().locator('a.monaco-button', { hasText: 'Connect' }).isVisible(), 'the notification offers Connect');
    assert.ok(await toast.first().locator('a.monaco-button', { hasText: 'Deny' }).isVisible(), 'the notification offers Deny');
    await wb.page.locator('.monaco-list-row', { hasText: 'jira for' }).first().waitFor({ timeout: 10_000 });
    await wb.screenshot('prompt');
    await wb.op('command', { id: 'capsule.prompt.connect', args: [prompts[0]!.id], answers: ['https://jira.example.test', 'jira-token-value'] });
    const done = await chat;
    assert.equal(done.status, 0, `chat failed: ${done.stderr}`);
    // The reply holds the prompt card's text, then the handler's answer after the connection (the
    // custom form's fields are secrets, masked like any secret value).
    assert.match((JSON.parse(done.stdout) as { reply: string }).reply, /Jira at \[secret\]$/);
    assert.deepEqual(await wb.op('prompts'), []);
  });

  it('Deny on the prompt notification declines it: the handler gets IntegrationDeclined', async () => {
    requireActive();
    // Another simulated user, who has not connected Jira yet, so the handler prompts again.
    const chat = cli(['chat', '--json', '--user', 'Alice', '--timeout', '90', 'jira'], wb.workspace, 100_000);
    const [prompt] = await waitFor('a prompt for the second user', async () => {
      const list = await wb.op<Array<{ user: string }>>('prompts');
      return list.length ? list : undefined;
    }, 30_000, 300);
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: `${prompt!.user} is asked to connect jira` });
    await toast.first().waitFor({ timeout: 15_000 });
    await toast.first().locator('a.monaco-button', { hasText: 'Deny' }).click();
    const done = await chat;
    assert.notEqual(done.status, 0, 'the handler failed');
    assert.match(done.stderr + done.stdout, /IntegrationDeclined|declined/i);
    await waitFor('the prompt to leave the view', async () => ((await wb.op<unknown[]>('prompts')).length === 0 ? true : undefined), 10_000, 300);
  });

  it('imports a .env file into the store and resets the local state', async () => {
    requireActive();
    const envFile = join(wb.workspace, 'extra.env');
    writeFileSync(envFile, 'IMPORTED_TOKEN=imported-value-never-shown\n');
    await wb.op('command', { id: 'capsule.secret.importEnv', args: [{ $file: envFile }] });
    const names = (JSON.parse((await cli(['secret', 'list', '--json'], wb.workspace)).stdout) as Array<{ name: string }>).map((r) => r.name);
    assert.ok(names.includes('IMPORTED_TOKEN'), `imported: ${names.join(', ')}`);
    const view = await wb.op<Record<string, string[]>>('view');
    assert.ok(view.secrets!.some((r) => r.startsWith('IMPORTED_TOKEN')));
    await wb.op('command', { id: 'capsule.state.reset', answers: ['Sessions and state', 'Reset'] });
    const exported = JSON.parse((await cli(['export', '-'], wb.workspace)).stdout) as { data: { sessions: object; secrets: object } };
    assert.deepEqual(Object.keys(exported.data.sessions), [], 'sessions are gone');
    assert.ok(Object.keys(exported.data.secrets).includes('IMPORTED_TOKEN'), 'secrets are kept');
  });

  it('debugging without the Python extension stops with a message saying what to install', async () => {
    requireActive();
    const r = await wb.op<{ result: boolean }>('command', { id: 'capsule.debugApp', args: [appFile, 'app'] });
    assert.equal(r.result, false, 'no debug session starts');
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'needs the Python extension' });
    await toast.first().waitFor({ timeout: 15_000 });
  });

  it('resolves Debug to a Python attach to the app the emulator runs under debugpy: an address, no environment', async () => {
    requireActive();
    // debugpy comes from the project's interpreter here (no Python Debugger extension to ship it).
    await wb.op('setConfiguration', { section: 'capsule', key: 'python.interpreter', value: VENV_PYTHON });
    await wb.op('command', { id: 'capsule.emulator.stop' });
    const config = await wb.op<Record<string, unknown> & { type: string; request: string; connect: { host: string; port: number } }>('debugConfiguration', { entry: 'app.py:app' }, 60_000);
    assert.equal(config.type, 'debugpy');
    assert.equal(config.request, 'attach');
    assert.equal(config.connect.host, '127.0.0.1');
    assert.ok(Number.isInteger(config.connect.port) && config.connect.port > 0);
    assert.equal(config.redirectOutput, false, "the app's output stays with the emulator, which scrubs it");
    for (const key of ['env', 'python', 'module', 'args']) assert.ok(!(key in config), `no ${key} in the configuration`);
    assert.ok(!JSON.stringify(config).includes(SECRET_VALUE), 'no secret value in the configuration');
    // Nobody attached: the app as it was keeps answering.
    const reply = await replyOnceRunning('the app to answer while a debug launch waits for its debugger', 'waiting', wb.workspace);
    assert.equal(reply, 'echo: waiting (weather key set)');
  });

  it('Debug runs a real debug session: VS Code attaches to debugpy in the app process, and the emulator takes the app back after it', async () => {
    requireActive();
    // Install the stand-in for ms-python.debugpy (it hands VS Code the debugpy adapter's address,
    // as the real extension does for an attach) the way a user installs a .vsix, without reloading.
    const vsix = packageFolder(join(__dirname, 'fixtures', 'fake-debugpy'), wb.root, 'fake-debugpy');
    await wb.op('command', { id: 'workbench.extensions.installExtension', args: [{ $file: vsix }] }, 60_000);
    await waitFor('the Python debugger stand-in to be available', () => wb.op<boolean>('hasExtension', { id: 'ms-python.debugpy' }), 30_000, 300);
    const started = await wb.op<{ result: boolean }>('command', { id: 'capsule.debugApp', args: [appFile, 'app'] }, 60_000);
    assert.equal(started.result, true, 'the capsule debug session starts');
    const session = await waitFor('a debugpy session for the app', async () => {
      const s = await wb.op<{ type: string; name: string; capsuleEntry: string } | null>('debugSession');
      return s ?? undefined;
    }, 20_000, 200);
    assert.equal(session.type, 'debugpy', 'the capsule configuration resolved to a Python debug configuration');
    assert.equal(session.capsuleEntry, 'app.py:app');
    const reply = await replyOnceRunning('the debugged app to answer', 'under the debugger', wb.workspace);
    assert.equal(reply, 'echo: under the debugger (weather key set)');
    await wb.op('command', { id: 'workbench.action.debug.stop' });
    await waitFor('the debug session to end', async () => ((await wb.op('debugSession')) === null ? true : undefined), 20_000, 200);
    const after = await replyOnceRunning('the emulator to run the app again itself', 'after debugging', wb.workspace);
    assert.equal(after, 'echo: after debugging (weather key set)');
    await wb.op('setConfiguration', { section: 'capsule', key: 'python.interpreter', value: 'python3' });
  });

  it("runs the app with the Python extension's selected interpreter when the setting is empty", async () => {
    requireActive();
    const vsix = packageFolder(join(__dirname, 'fixtures', 'fake-python'), wb.root, 'fake-python');
    await wb.op('command', { id: 'workbench.extensions.installExtension', args: [{ $file: vsix }] }, 60_000);
    await waitFor('the Python extension double to be available', () => wb.op<boolean>('hasExtension', { id: 'ms-python.python' }), 30_000, 300);
    await wb.op('setConfiguration', { section: 'capsule', key: 'python.interpreter', value: '' });
    await wb.op('command', { id: 'capsule.emulator.stop' });
    await wb.op('command', { id: 'capsule.runApp', args: [appFile, 'app'] }, 60_000);
    const emu = await wb.op<{ state: string }>('emulator');
    assert.equal(emu.state, 'running');
    const reply = await replyOnceRunning('the app to answer after the restart', 'interpreter', wb.workspace);
    assert.equal(reply, 'echo: interpreter (weather key set)');
    const log = readFileSync(filesUnder(join(wb.root, 'user-data', 'logs')).find((f) => f.endsWith('Capsule.log'))!, 'utf8');
    assert.match(log, /Python interpreter: \/\S*python3\S* \(from the Python extension\)/);
  });

  it('keeps secret values out of everything the extension wrote', async () => {
    requireActive();
    await wb.op('command', { id: 'capsule.output.show' });
    // VS Code persists every output channel under the user data's logs folder.
    const logs = filesUnder(join(wb.root, 'user-data', 'logs')).filter((f) => /output_logging|capsule-local/.test(f));
    assert.ok(logs.some((f) => f.endsWith('Capsule.log')), `the Capsule output channel is logged: ${logs.join(', ')}`);
    const capsuleLog = readFileSync(logs.find((f) => f.endsWith('Capsule.log'))!, 'utf8');
    assert.match(capsuleLog, /emulator/, 'the output channel carries the emulator log');
    assert.match(capsuleLog, /helper handled 'hello'/, "the output channel carries the app's own output");
    for (const f of [...logs, join(wb.root, 'driver.json')]) {
      const text = readFileSync(f, 'utf8');
      assert.ok(!text.includes(SECRET_VALUE) && !text.includes('tr-secret-value') && !text.includes('jira-token-value') && !text.includes('telegram-token-value') && !text.includes('imported-value-never-shown') && !text.includes('slack-token-value') && !text.includes('slack-signing-value'), `${f} holds no secret value`);
    }
    // The screenshot: the Capsule view with the running app, and the Capsule output channel.
    await wb.op('command', { id: 'notifications.clearAll' });
    await wb.op('command', { id: 'workbench.view.extension.capsule' });
    await wb.op('command', { id: 'capsule.output.show' });
    await wb.page.locator('.monaco-list-row', { hasText: 'running' }).first().waitFor({ timeout: 15_000 });
    await wb.page.locator('.panel .view-lines', { hasText: 'helper handled' }).first().waitFor({ timeout: 15_000 });
    await wb.screenshot('view');
  });
});
