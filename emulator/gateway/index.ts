// `startEmulator`: the local platform gateway. Binds 127.0.0.1 only, builds the Hub, mounts the
// security layers, the runner RPC, the API (its hot route also on a fast lane ahead of express),
// data/endpoint forwarding and the optional modules
// (emulator/modules.ts), writes the discovery file and starts one supervised runner per app.
// `serve` may hand over a socket it bound already (requests held until the routes are mounted)
// and the first app's runner it launched already (adopted by that app's supervisor).
import express from 'express';
import { existsSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Store, StoreError, type StoredEvent } from '../store';
import { AppSupervisor, defaultSupervisorOptions, type PrelaunchedRunner, type SupervisorOptions } from '../runner/supervisor';
import { appIdOf, parseEntry, secretDigest, traceStartup } from '../runner/launch';
import { choosePython } from '../runner/interpreter';
import { withVersionNote } from '../runner/version-note';
import { PlatformServer } from '../platform/server';
import { uploadsRouter } from '../platform/uploads';
import { gatewayCollections } from '../collections/gateway';
import { OnboardingRecords } from '../platform/onboarding';
import { ScheduleClock } from '../platform/schedules';
import { STATUS_NAMES, TaskQueue } from '../platform/task-queue';
import { dataFile } from '../collections/database';
import { GatewayHub } from './hub-impl';
import { SessionAuth, bodyParsers, errorHandler, hostCheck, originCheck } from './security';
import { workspaceToken } from './session-token';
import { sendError } from './error-page';
import { runnerRpcRouter } from './rpc';
import { apiRouter } from './api';
import { forwardRouter } from './forward';
import { PreviewOrigins, previewLinkHandler, withPreviewHosts } from './preview-origin';
import { attachRunnerLink } from './link';
import { FAST_LANE_PATH, withFastLane } from './fast-lane';
import { scrubAnswers } from './scrubber';
import { routeTable, type RouteEntry } from './routes';
import { liveEmulator, removeDiscovery, writeDiscovery } from './discovery';
import { FILE_UPLOAD_PATH } from '../pages/files';

/** POST /api/prompts/<id>/file (api.ts): the file answering a prompt, parsed there as raw bytes. */
const PROMPT_FILE_PATH = /^\/api\/prompts\/[^/]+\/file$/;

export { GatewayHub } from './hub-impl';
export type { PrelaunchedRunner } from '../runner/supervisor';

/** A server listening on 127.0.0.1 whose requests wait until `release` hands them to the app. */
export interface HeldServer {
  server: Server;
  release(handler: RequestListener): void;
}
export { readDiscovery, liveEmulator, type DiscoveryInfo } from './discovery';

export interface EmulatorOptions {
  /** Entry points, e.g. `app.py:app`. */
  entries: string[];
  /** Store folder (default `.capsule` in cwd). */
  storeDir?: string;
  /** 0 = an ephemeral port. */
  port?: number;
  python?: string;
  cwd?: string;
  /** Environment for secret resolution and the runner (default process.env). */
  env?: NodeJS.ProcessEnv;
  supervisor?: Partial<Omit<SupervisorOptions, 'python'>>;
  onLog?: (app: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Every event from the start on (the serve console prints some). */
  onEvent?: (e: StoredEvent) => void;
  /** Serve here instead of binding `port` (closed if the start fails). */
  held?: HeldServer;
  /**
   * The first runner of `entries[0]`, already launched against `held`'s address: adopted instead
   * of a first launch (stopped if the start fails).
   */
  prelaunched?: PrelaunchedRunner;
}

export interface RunningEmulator {
  hub: GatewayHub;
  url: string;
  port: number;
  token: string;
  store: Store;
  /** A one-time login URL that sets the session cookie and redirects to `next`. */
  loginUrl(next?: string): string;
  /** Every route the gateway serves: the fast lane's, then express's in mount order. */
  routes(): RouteEntry[];
  stop(): Promise<void>;
}

export class EmulatorStartError extends Error {}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  let adopted = false;
  try {
    return await start(options, () => (adopted = true));
  } catch (e) {
    if (!adopted) {
      // Handed over but not taken: leave no process or socket behind.
      await options.prelaunched?.runner.stop(500);
      options.held?.server.close();
    }
    throw e;
  }
}

async function start(options: EmulatorOptions, adopted: () => void): Promise<RunningEmulator> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const entries = options.entries.map((e) => parseEntry(e, cwd));
  let store: Store;
  try {
    store = await Store.open(options.storeDir, { watch: true, cwd });
  } catch (e) {
    throw e instanceof StoreError ? new EmulatorStartError(e.message) : e;
  }
  traceStartup('emulator: store open');
  const running = liveEmulator(store.paths.discovery);
  if (running && running.pid !== process.pid) {
    await store.close();
    throw new EmulatorStartError(`an emulator (pid ${running.pid}) already serves this store at ${running.url}; stop it first or use another --store`);
  }

  const hub = new GatewayHub(store, env);
  if (options.onEvent) hub.events.subscribe(options.onEvent);
  const auth = new SessionAuth(workspaceToken(store.paths.sessionToken));
  // Browser previews on origins of their own (`<port>-<app>.preview.localhost`), routed by Host
  // ahead of everything else.
  const previews = new PreviewOrigins(hub, auth.token);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(hostCheck, originCheck);
  app.use('/_runner/rpc', runnerRpcRouter(hub));
  const parsers = bodyParsers();
  // Forwarded data/endpoint calls, files answering a prompt and files uploaded through a page's
  // file browser (a .json file stays bytes) keep their raw bodies; everything else gets JSON/form parsing.
  app.use((req, res, next) => (req.path.startsWith('/apps/') || PROMPT_FILE_PATH.test(req.path) || FILE_UPLOAD_PATH.test(req.path) ? next() : parsers[0]!(req, res, (e?: unknown) => (e ? next(e) : parsers[1]!(req, res, next)))));
  app.use(hub.publicRouter);
  app.get('/login', auth.login);
  // Uploaded files check the session themselves: the URL an app is given carries the file's token.
  app.use(uploadsRouter(hub, auth));
  app.use(auth.require);
  // Every JSON answer behind the token (the API, dashboard, web chat) goes through the scrubber:
  // what was recorded before a value became known is masked on the way out too.
  app.use(scrubAnswers(hub.scrubber));
  app.post('/api/previews', previewLinkHandler(previews));
  app.use(apiRouter(hub, auth));
  app.use(forwardRouter(hub, previews));
  app.use(hub.protectedRouter);
  app.get('/', (_req, res) => res.redirect(303, '/chat'));
  app.use((req, res) => sendError(req, res, 404, `no route ${req.method} ${req.path}`, { title: 'Not found' }));
  app.use(errorHandler);

  // Preview hosts first (nothing else answers them), then the API's hot route (fast-lane.ts),
  // then express.
  const listener = withPreviewHosts(withFastLane(app, hub, auth), previews);

  const held = options.held;
  const server: Server =
    held?.server ??
    (await new Promise((resolveListen, reject) => {
      const failed = (e: NodeJS.ErrnoException): void =>
        reject(e.code === 'EADDRINUSE' ? new EmulatorStartError(`port ${options.port} is in use; pick another with --port (0 = any free port)`) : e);
      const s = createServer(listener);
      s.once('error', failed);
      s.listen(options.port ?? 0, '127.0.0.1', () => resolveListen(s));
    }));
  // Held prompts and streams stay open for minutes; never time a response out.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 30_000;
  // A held server gets its routes once the runners are known (a runner's first call may be waiting).
  if (!held) attachRunnerLink(server, hub);
  const port = (server.address() as AddressInfo).port;
  hub.url = `http://127.0.0.1:${port}`;
  auth.setPort(port);
  previews.emulatorPort = port;


  // The real SDK's runner talks gRPC to the platform gateway (emulator/platform/).
  const collections = gatewayCollections(
    store.paths.dir,
    (appId) => hub.supervisors.find((s) => s.appId === appId)?.info().declarations.collections,
    () => hub.supervisors.map((s) => s.appId),
  );
  hub.collections = collections;
  // Tasks are kept in the collections database: one SQLite file for the app's data.
  const tasks = new TaskQueue(() => collections.get().db, hub.clock, () => existsSync(dataFile(store.paths.dir)), hub.scrubber.text);
  hub.tasks = tasks;
  // A task's status change goes on the app's data-change feed: its id and status, nothing of its payload.
  tasks.onStatus = (appId, id, status) => {
    const sup = hub.supervisors.find((s) => s.appId === appId);
    if (sup) hub.dataChanges.note(sup.name, { task: { id, status: STATUS_NAMES[status] ?? String(status) } });
  };
  hub.onboarding = new OnboardingRecords(() => collections.get().db, () => hub.clock.now(), () => existsSync(dataFile(store.paths.dir)));
  hub.schedules = new ScheduleClock(hub.clock, (e) => hub.events.emit(e));
  const platform = await PlatformServer.start(hub, collections.engine, tasks, options.prelaunched?.platformPort);
  hub.platformAddress = platform.address;
  traceStartup('emulator: platform gateway listening');
  hub.onClose(async () => {
    await platform.close();
    tasks.close();
    hub.onboarding?.close();
    hub.schedules?.close();
    collections.close();
  });
  const given = Object.fromEntries(Object.entries(options.supervisor ?? {}).filter(([, v]) => v !== undefined));
  for (const entry of entries) {
    const appId = appIdOf(entry);
    const choice = withVersionNote(choosePython({ option: options.python, env, appDir: entry.cwd, root: cwd }), entry.cwd);
    traceStartup(`emulator: interpreter chosen for ${entry.spec}`);
    const supOpts: SupervisorOptions = { ...defaultSupervisorOptions, ...given, python: choice.python, runtime: choice.runtime };
    hub.events.emit({
      kind: 'runner',
      summary:
        choice.runtime === 'sdk'
          ? `${entry.spec}: the real SDK, cpsl ${choice.sdkVersion} in ${choice.python} (${choice.source})${choice.note ? `; ${choice.note}` : ''}`
          : `${entry.spec}: ${choice.note}`,
      detail: { event: 'interpreter', runtime: choice.runtime, python: choice.python, source: choice.source, sdk: choice.sdkVersion ?? null },
    });
    const sup = new AppSupervisor(
      entry,
      appId,
      {
        gatewayUrl: () => hub.url,
        platformAddress: () => platform.address,
        filesystemsDir: () => store.paths.filesystems,
        ownerId: () => hub.read().personas[0]?.id ?? 'user_dev',
        secretEnv: (names, _runner, quiet) => {
          const r = hub.secretsImpl.environmentFor(names);
          if (!quiet) for (const s of r.resolved) hub.events.emit({ kind: 'secret', summary: `secret ${s.name} injected from ${s.source}`, detail: { name: s.name, source: s.source, by: 'injection' } });
          return r.env;
        },
        resolvable: (names) => names.filter((n) => hub.secretsImpl.sources(n).length > 0),
        secretDigest: (names) => secretDigest(names, (n) => hub.secretsImpl.resolver.resolve(n)?.value),
        addRunner: (runner, s) => {
          // The token is in the app's environment: an app that prints it must not leak it.
          hub.scrubber.learn(runner.token);
          hub.runners.set(runner.token, { runner, sup: s });
        },
        removeRunner: (runner) => hub.runners.delete(runner.token),
        emit: (e) => hub.events.emit(e),
        log: (appName, runner, stream, line) => hub.logLine(appName, runner, stream, line),
        runnerGone: (runner, reason) => hub.runnerGone(runner, reason),
        inflight: (runner) => hub.inflight(runner),
      },
      supOpts,
    );
    hub.supervisors.push(sup);
  }
  if (options.onLog) hub.logListeners.add(options.onLog);
  // `secret set` (another process) or an edited .env: restart apps whose declared secrets changed.
  store.onChange(() => {
    for (const s of hub.supervisors) s.secretsChanged();
  });
  const envWatch = setInterval(() => {
    for (const s of hub.supervisors) s.secretsChanged();
  }, 1000);
  envWatch.unref();

  // The app imports (the slow part of a start) while the modules register.
  // A head start the gateway cannot serve (another runtime chosen, the promised gRPC port taken in
  // the meantime) is stopped, and the app launched as usual.
  let pre = options.prelaunched;
  if (pre && (pre.runner.runtime !== hub.supervisors[0]?.runtime || (pre.runner.runtime === 'sdk' && platform.address !== `127.0.0.1:${pre.platformPort}`))) {
    await pre.runner.stop(500);
    pre = undefined;
  }
  for (const [i, sup] of hub.supervisors.entries()) await sup.start(i === 0 ? pre : undefined);
  adopted();
  if (held) {
    attachRunnerLink(server, hub);
    held.release(listener);
  }
  traceStartup('emulator: routes mounted, runners started');
  // Loaded only now: the modules' code evaluates while the app's Python process starts.
  const { modules } = await import('../modules');
  for (const m of modules) await m.register(hub);
  traceStartup('emulator: modules registered');
  await writeDiscovery(store.paths.dir, store.paths.discovery, {
    url: hub.url,
    port,
    pid: process.pid,
    token: auth.token,
    apps: entries.map((e) => e.spec),
    startedAt: new Date().toISOString(),
  });
  traceStartup('emulator: discovery file written');

  let stopping: Promise<void> | undefined;
  return {
    hub,
    url: hub.url,
    port,
    token: auth.token,
    store,
    routes: () => [{ method: 'POST', path: FAST_LANE_PATH }, ...routeTable(app)],
    loginUrl: (next = '/chat') => `${hub.url}/login?code=${encodeURIComponent(auth.newCode())}&next=${encodeURIComponent(next)}`,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(envWatch);
        await Promise.all(hub.supervisors.map((s) => s.stop()));
        await hub.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await store.flush().catch(() => undefined);
        await store.close().catch(() => undefined);
        removeDiscovery(store.paths.discovery);
      })()),
  };
}
