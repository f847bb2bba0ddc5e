// Capsule Local for VS Code: starts the language server for Python files that import cpsl, runs
// and debugs apps in the local emulator, and shows the workspace's local state (apps, channels,
// secrets, personas, pending prompts). Each concern lives in its own small module; this file wires
// them together and registers the commands of package.json's `contributes.commands`.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { entryFor, findApps, IMPORTS_CPSL, workspaceUsesCpsl, type AppRef } from './apps';
import { findTarget, isPageSurface, noPagesMessage, pageTargets, pagesOf, servedApp, servedApps, type PageTarget } from './appPages';
import { CapsuleDebugProvider, bundledDebugpy, pythonDebugType, toPythonDebugConfiguration, type DebugRequest, type DebugTarget } from './debug';
import { Emulator } from './emulator';
import { createLanguageClient } from './languageClient';
import { NodeResolver, installNodeResolver, sqliteProbe } from './node-runtime';
import { bundle, storeDir, toUri, workspaceFolderFor } from './paths';
import { PromptWatcher, type Prompt } from './prompts';
import { pythonInterpreter } from './python';
import { renderStatus } from './statusBar';
import * as store from './storeCommands';
import * as ui from './ui';
import { CapsuleView, type Node } from './view';

export interface CapsuleApi {
  client(): LanguageClient | undefined;
  emulator(folder?: vscode.WorkspaceFolder): Emulator | undefined;
  prompts: PromptWatcher;
  view: CapsuleView;
  status: vscode.StatusBarItem;
  log: vscode.OutputChannel;
  ready: Promise<void>;
  debugConfiguration(entry: string): Promise<vscode.DebugConfiguration>;
}

let languageClient: LanguageClient | undefined;
const emulators = new Map<string, Emulator>();

export async function activate(context: vscode.ExtensionContext): Promise<CapsuleApi> {
  const paths = bundle(context);
  const log = vscode.window.createOutputChannel('Capsule');
  context.subscriptions.push(log);
  // The Node.js the emulator and the CLI run on (Electron cannot load the collections driver).
  installNodeResolver(
    new NodeResolver({
      setting: () => vscode.workspace.getConfiguration('capsule').get<string>('node.path', ''),
      probe: sqliteProbe(paths.sqliteDriver),
      log: (line) => log.appendLine(line),
    }),
  );
  context.subscriptions.push({ dispose: () => installNodeResolver(undefined) });

  const emulatorFor = (folder = workspaceFolderFor()): Emulator | undefined => {
    if (!folder) return undefined;
    const key = folder.uri.toString();
    let emu = emulators.get(key);
    if (!emu) {
      emu = new Emulator(storeDir(folder), log);
      emulators.set(key, emu);
      emu.onDidChange(() => {
        updateStatus();
        void view.refresh();
      });
      context.subscriptions.push(emu);
    }
    return emu;
  };

  const prompts = new PromptWatcher(() => emulatorFor(), log);
  const view = new CapsuleView(paths.cli, () => emulatorFor(), prompts);
  const status = vscode.window.createStatusBarItem('capsule.status', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Capsule emulator';
  const updateStatus = (): void => renderStatus(status, emulatorFor(), prompts.prompts.length);
  prompts.onDidChange(updateStatus);
  context.subscriptions.push(prompts, view, status, vscode.window.registerTreeDataProvider('capsule.view', view));

  const storeCtx: store.StoreContext = {
    cli: paths.cli,
    log,
    changed: () => {
      void view.refresh();
      // The server also watches the store file; asking it directly makes diagnostics follow at once.
      void languageClient?.sendRequest('workspace/executeCommand', { command: 'capsule.refresh', arguments: [] }).catch(() => undefined);
    },
  };

  // Local state changes from anywhere (CLI in a terminal, the emulator, the quick fixes).
  const storeWatcher = vscode.workspace.createFileSystemWatcher('**/{.capsule/store.json,.env}');
  const debounced = debounce(() => void view.refresh(), 300);
  storeWatcher.onDidChange(debounced);
  storeWatcher.onDidCreate(debounced);
  storeWatcher.onDidDelete(debounced);
  context.subscriptions.push(storeWatcher);

  // ---- running apps ----
  const resolveApp = async (uriArg?: unknown, symbolArg?: unknown, title = 'Capsule: which app?'): Promise<AppRef | undefined> => {
    // From the Capsule view: the app's row.
    if (uriArg && typeof uriArg === 'object' && (uriArg as Node).kind === 'app') return (uriArg as Extract<Node, { kind: 'app' }>).app;
    const uri = toUri(uriArg);
    const symbol = typeof symbolArg === 'string' ? symbolArg : undefined;
    if (uri && symbol) {
      const folder = workspaceFolderFor(uri);
      if (!folder) throw new Error(`${uri.fsPath} is not inside an open workspace folder`);
      return { file: uri, symbol, line: 0, folder, entry: entryFor(folder, uri, symbol) };
    }
    let apps = await findApps();
    const active = uri?.toString() ?? vscode.window.activeTextEditor?.document.uri.toString();
    const inFile = apps.filter((a) => a.file.toString() === active);
    if (inFile.length) apps = inFile;
    if (!apps.length) throw new Error('no Capsule app found: define one with app = cpsl.App(name="...") in a Python file');
    if (apps.length === 1) return apps[0];
    const picked = await ui.pick(apps.map((a) => ({ label: a.entry, app: a })), { title });
    return picked?.app;
  };

  const startFor = async (app: AppRef): Promise<Emulator> => {
    const emu = emulatorFor(app.folder)!;
    if (emu.state === 'running' && (emu.entry === app.entry || (!emu.owned && (emu.info?.apps ?? []).includes(app.entry)))) return emu;
    if (emu.state === 'running' && !emu.owned) {
      throw new Error(`an emulator started outside VS Code (pid ${emu.info?.pid}) serves ${emu.info?.apps?.join(', ') || 'another app'} for this workspace; stop it first or use it`);
    }
    const python = await pythonInterpreter(app.file);
    const port = vscode.workspace.getConfiguration('capsule', app.folder.uri).get<number>('emulator.port', 0);
    log.appendLine(`[capsule] Python interpreter: ${python.path} (from ${python.source})`);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Capsule: starting ${app.entry}` },
      () => emu.start({ cli: paths.cli, folder: app.folder.uri.fsPath, store: storeDir(app.folder), entry: app.entry, port, python: python.path, pythonKind: python.kind }),
    );
    return emu;
  };

  const openPage = async (emu: Emulator, next: string): Promise<string> => {
    const url = await emu.loginUrl(next);
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return url;
  };

  const pickAndOpen = async (emu: Emulator, targets: PageTarget[], withApp: boolean): Promise<string | undefined> => {
    const picked = await ui.pick(
      targets.map((t) => ({ label: t.label, description: withApp ? `${t.app} · ${t.description}` : t.description, target: t })),
      { title: 'Capsule: open which page?', matchOnDescription: true },
    );
    return picked ? openPage(emu, picked.target.path) : undefined;
  };

  const debugTarget = async (folder: vscode.WorkspaceFolder, entry: string, request: DebugRequest): Promise<DebugTarget> => {
    const file = vscode.Uri.joinPath(folder.uri, entry.slice(0, entry.lastIndexOf(':')));
    const emu = await startFor({ file, symbol: entry.slice(entry.lastIndexOf(':') + 1), line: 0, folder, entry });
    return emu.json<DebugTarget>('/api/debug', { method: 'POST', body: JSON.stringify({ app: entry, python_path: request.pythonPath, env: request.env }), signal: AbortSignal.timeout(60_000) });
  };
  const debugProvider = new CapsuleDebugProvider({ debugTarget });
  // The debug session ended: the emulator runs the app again without the debugger.
  context.subscriptions.push(
    vscode.debug.onDidTerminateDebugSession((session) => {
      const entry = session.configuration.capsuleEntry as string | undefined;
      if (!entry) return;
      log.appendLine(`[capsule] debug session for ${entry} ended; the emulator runs the app without the debugger`);
      const emu = session.workspaceFolder ? emulatorFor(session.workspaceFolder) : undefined;
      void emu?.json('/api/debug/stop', { method: 'POST', body: JSON.stringify({ app: entry }) }).catch((e: Error) => log.appendLine(`[capsule] ${e.message}`));
    }),
  );
  // Initial: fills a new launch.json; Dynamic: lists each app in the Run and Debug view.
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('capsule', debugProvider),
    vscode.debug.registerDebugConfigurationProvider('capsule', debugProvider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );

  const promptFrom = async (node?: Node | string): Promise<Prompt | undefined> => {
    if (node && typeof node === 'object' && node.kind === 'prompt') return node.prompt;
    if (typeof node === 'string') return prompts.find(node);
    if (!prompts.prompts.length) throw new Error('no pending prompts');
    return (await ui.pick(prompts.prompts.map((p) => ({ label: p.id, description: `${p.app}: ${p.type}`, p })), { title: 'Capsule: which prompt?' }))?.p;
  };

  const commands: Record<string, (...args: any[]) => unknown> = {
    'capsule.runApp': async (uri?: unknown, symbol?: unknown) => {
      const app = await resolveApp(uri, symbol, 'Capsule: run which app?');
      if (!app) return undefined;
      const emu = await startFor(app);
      log.appendLine(`[capsule] ${app.entry} is served at ${emu.info?.url}`);
      void vscode.window.showInformationMessage(`Capsule: ${app.entry} is running at ${emu.info?.url}`, 'Open Chat', 'Open Dashboard').then((c) => {
        if (c === 'Open Chat') void openPage(emu, '/chat');
        if (c === 'Open Dashboard') void openPage(emu, '/dashboard');
      });
      return { url: emu.info?.url, port: emu.info?.port, entry: app.entry };
    },
    'capsule.debugApp': async (uri?: unknown, symbol?: unknown) => {
      const app = await resolveApp(uri, symbol, 'Capsule: debug which app?');
      if (!app) return false;
      return vscode.debug.startDebugging(app.folder, { type: 'capsule', request: 'launch', name: `Capsule: debug ${app.entry}`, entry: app.entry });
    },
    'capsule.openChat': async (uri?: unknown, symbol?: unknown) => {
      const app = await resolveApp(uri, symbol, 'Capsule: chat with which app?');
      if (!app) return undefined;
      return openPage(await startFor(app), '/chat');
    },
    'capsule.openAppPage': async (uri?: unknown, symbol?: unknown, surfaceArg?: unknown) => {
      const surface = isPageSurface(surfaceArg) ? surfaceArg : undefined;
      const running = emulatorFor();
      const fromView = uri && typeof uri === 'object' && (uri as Node).kind === 'app';
      // No app named (the palette, the status-bar menu): the pages of what the emulator serves.
      if (!uri && !surface && running?.state === 'running') {
        let served = (await servedApps(running)).filter((a) => a.status === 'running');
        // None running yet: wait for the one it starts, or say why it does not run.
        if (!served.length) served = [await servedApp(running, running.entry)];
        const all = (await Promise.all(served.map((a) => pagesOf(running, a.name)))).map((p) => ({ p, targets: pageTargets(p) }));
        const targets = all.flatMap((x) => x.targets);
        if (!targets.length) throw new Error(all.map((x) => noPagesMessage(x.p)).join(' '));
        return pickAndOpen(running, targets, all.length > 1);
      }
      const app = await resolveApp(uri, symbol, 'Capsule: open a page of which app?');
      if (!app) return undefined;
      const emu = await startFor(app);
      const served = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Capsule: waiting for ${app.entry}` }, () => servedApp(emu, app.entry));
      const pages = await pagesOf(emu, served.name);
      if (surface && !fromView) {
        const target = findTarget(pages, surface, served.reloadError);
        if ('error' in target) throw new Error(target.error);
        return openPage(emu, target.path);
      }
      const targets = pageTargets(pages);
      if (!targets.length) throw new Error(noPagesMessage(pages));
      return pickAndOpen(emu, targets, false);
    },
    'capsule.emulator.start': async () => commands['capsule.runApp']!(),
    'capsule.emulator.stop': async () => {
      const emu = emulatorFor();
      if (!emu || emu.state === 'stopped') return void vscode.window.setStatusBarMessage('Capsule: the emulator is not running', 3000);
      await emu.stop();
    },
    'capsule.dashboard.open': async () => {
      const emu = emulatorFor();
      if (emu?.state !== 'running') {
        const app = await resolveApp(undefined, undefined, 'Capsule: start the emulator with which app?');
        if (!app) return undefined;
        return openPage(await startFor(app), '/dashboard');
      }
      return openPage(emu, '/dashboard');
    },
    'capsule.secret.set': (node?: Node) => store.setSecret(storeCtx, node?.kind === 'secret' ? node.row.name : undefined),
    'capsule.secret.remove': (node?: Node) => store.removeSecret(storeCtx, node?.kind === 'secret' ? node.row.name : undefined),
    'capsule.secret.importEnv': (uri?: vscode.Uri) => store.importEnv(storeCtx, uri instanceof vscode.Uri ? uri : undefined),
    'capsule.channel.create': async () => {
      // Through the language server when it runs: credentials then travel inside the editor's own
      // connection rather than on a command line. The middleware asks name, type and credentials.
      const folder = workspaceFolderFor();
      if (languageClient?.isRunning() && folder) {
        const result = (await vscode.commands.executeCommand('capsule.createChannel', { folder: folder.uri.toString() })) as { ok?: boolean } | undefined;
        return Boolean(result?.ok);
      }
      return store.createChannel(storeCtx);
    },
    'capsule.channel.remove': (node?: Node) => store.removeChannel(storeCtx, node?.kind === 'channel' ? node.name : undefined),
    'capsule.state.reset': () => store.resetState(storeCtx),
    'capsule.prompt.connect': async (node?: Node | string) => {
      const p = await promptFrom(node);
      return p ? prompts.connect(p) : false;
    },
    'capsule.prompt.deny': async (node?: Node | string) => {
      const p = await promptFrom(node);
      if (p) await prompts.deny(p);
      return Boolean(p);
    },
    'capsule.view.refresh': () => view.refresh(),
    'capsule.output.show': () => log.show(true),
    'capsule.statusMenu': async () => {
      const running = emulatorFor()?.state === 'running';
      const actions = [
        ...(running
          ? [
              { label: '$(comment-discussion) Open Chat', command: 'capsule.openChat' },
              { label: '$(dashboard) Open Dashboard', command: 'capsule.dashboard.open' },
              { label: '$(browser) Open App Page', command: 'capsule.openAppPage' },
              { label: '$(debug-stop) Stop Emulator', command: 'capsule.emulator.stop' },
            ]
          : [{ label: '$(play) Run App Locally', command: 'capsule.runApp' }]),
        { label: '$(debug-alt) Debug App', command: 'capsule.debugApp' },
        { label: '$(key) Set Secret', command: 'capsule.secret.set' },
        { label: '$(output) Show Log', command: 'capsule.output.show' },
      ];
      const picked = await vscode.window.showQuickPick(actions, { title: 'Capsule' });
      if (picked) await vscode.commands.executeCommand(picked.command);
    },
  };
  for (const [id, run] of Object.entries(commands)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await run(...args);
        } catch (e) {
          const message = (e as Error).message;
          log.appendLine(`[capsule] ${id} failed: ${message}`);
          void vscode.window.showErrorMessage(`Capsule: ${message}`);
          // Rethrown so callers (other commands, the tests) see the failure too.
          throw e;
        }
      }),
    );
  }

  // ---- the language server: only for workspaces that use cpsl ----
  const startServer = async (): Promise<void> => {
    if (languageClient) return;
    languageClient = createLanguageClient(paths.server, () => void view.refresh());
    void vscode.commands.executeCommand('setContext', 'capsule.active', true);
    await languageClient.start();
    log.appendLine('[capsule] language server started');
  };
  const ready = (async () => {
    updateStatus();
    if (await workspaceUsesCpsl()) await startServer();
    else {
      // Start as soon as a Python file that imports cpsl is opened.
      const sub = vscode.workspace.onDidOpenTextDocument((d) => {
        if (d.languageId === 'python' && IMPORTS_CPSL.test(d.getText())) {
          sub.dispose();
          void startServer();
        }
      });
      context.subscriptions.push(sub);
    }
    await view.refresh();
  })();
  ready.catch((e: Error) => log.appendLine(`[capsule] start-up failed: ${e.message}`));

  const api: CapsuleApi = {
    client: () => languageClient,
    emulator: emulatorFor,
    prompts,
    view,
    status,
    log,
    ready,
    // What a debug session of `entry` attaches to, whichever Python debug adapter is installed.
    debugConfiguration: async (entry: string) => {
      const folder = workspaceFolderFor();
      if (!folder) throw new Error('no workspace folder');
      const target = await debugTarget(folder, entry, { pythonPath: bundledDebugpy() });
      return toPythonDebugConfiguration({
        config: { type: 'capsule', request: 'launch', name: `Capsule: debug ${entry}`, entry },
        debugType: pythonDebugType() ?? 'debugpy',
        entry,
        target,
      });
    },
  };

  // Test-only: the workbench tests drive the extension from inside the extension host.
  if (process.env.CAPSULE_TEST_DRIVER) {
    const { startTestDriver } = await import('./testDriver');
    context.subscriptions.push(await startTestDriver(process.env.CAPSULE_TEST_DRIVER, api));
  }
  return api;
}

export async function deactivate(): Promise<void> {
  const stops = [...emulators.values()].map((e) => (e.owned ? e.stop() : Promise.resolve()));
  await Promise.allSettled([...stops, languageClient?.stop()]);
  languageClient = undefined;
}

function debounce(fn: () => void, ms: number): () => void {
  let t: NodeJS.Timeout | undefined;
  return () => {
    if (t) clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}
