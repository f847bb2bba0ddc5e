// `serve`'s head start. The slow part of a start is the app's own import in Python, so the small
// CLI entry (cli/entry.ts) does only what the app's process needs before loading the emulator:
// it reads the serve flags, the store and the .env for the secrets to inject, binds the listening
// socket (the runner is told the gateway's URL), launches the runner, and only then loads the rest
// of the CLI. The emulator (emulator/gateway startEmulator) then adopts the bound server, whose
// requests are held until its routes are mounted, and the launched runner, which it supervises
// like any other (secret-injection events, the relaunch when the declared secrets differ from the
// scanned ones, hot reload, crash restart).
//
// Anything unusual (a flag this parser does not know, a bad entry, an unreadable store, a port in
// use, another emulator on the store) skips the head start: the full CLI then does everything as
// before and reports the problem itself.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { appIdOf, launchSpec, parseEntry, pythonInterpreter, rememberedInterpreter, scanSecretNames, secretDigest, traceStartup } from '../emulator/runner/launch';
import { RunnerProcess } from '../emulator/runner/process';
import type { PrelaunchedRunner } from '../emulator/runner/supervisor';
import type { HeldServer } from '../emulator/gateway';
import { loadStoreSync } from '../emulator/store/load';
import { storePaths, DEFAULT_STORE_DIR } from '../emulator/store/paths';
import { emptyStore } from '../emulator/store/schema';
import { SecretResolver } from '../emulator/store/secret-resolver';
import { pidAlive } from '../emulator/store/process-alive';
import { choosePython } from '../emulator/runner/interpreter';
import { pickPlaintextPort } from '../emulator/platform/plaintext-port';

/** The serve flags the head start understood; `serve` checks them against its own parse. */
export interface EarlyServeFlags {
  entry: string;
  /** Absolute store folder. */
  storeDir: string;
  port: number;
  /** The configured interpreter command (`--python`, CAPSULE_PYTHON or python3). */
  python: string;
  cwd: string;
}

/** A held server that also says how many requests and upgrades wait. */
export interface HoldingServer extends HeldServer {
  pending(): number;
}

export interface EarlyServe {
  flags: EarlyServeFlags;
  held: HoldingServer;
  runner: PrelaunchedRunner;
  /** Not adopted after all: stop the runner and close the socket. */
  discard(): Promise<void>;
}

const HANDOFF = Symbol.for('capsule-local.early-serve');
type WithHandoff = typeof globalThis & { [HANDOFF]?: EarlyServe };

/**
 * The head start, once (the CLI's two bundles share only globalThis). undefined if there was none
 * or it does not match `flags`; a mismatching one is discarded.
 */
export async function takeEarlyServe(flags: EarlyServeFlags): Promise<EarlyServe | undefined> {
  const g = globalThis as WithHandoff;
  const early = g[HANDOFF];
  delete g[HANDOFF];
  if (!early) return undefined;
  const same = (Object.keys(flags) as Array<keyof EarlyServeFlags>).every((k) => early.flags[k] === flags[k]);
  if (same) return early;
  await early.discard();
  return undefined;
}

/** Holds requests (and upgrades) until `release` hands them, and every later one, to the app. */
export function holdRequests(server: Server): HoldingServer {
  const requests: Array<[IncomingMessage, ServerResponse]> = [];
  const upgrades: Array<[IncomingMessage, Duplex, Buffer]> = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => void requests.push([req, res]);
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => void upgrades.push([req, socket, head]);
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  let released = false;
  return {
    server,
    pending: () => (released ? 0 : requests.length + upgrades.length),
    release(handler: RequestListener) {
      if (released) throw new Error('the held requests were released already');
      released = true;
      server.off('request', onRequest);
      server.off('upgrade', onUpgrade);
      server.on('request', handler);
      for (const [req, res] of requests.splice(0)) handler(req, res);
      for (const [req, socket, head] of upgrades.splice(0)) {
        if (server.listenerCount('upgrade') > 0) server.emit('upgrade', req, socket, head);
        else socket.destroy();
      }
    },
  };
}

/** Held-request server on 127.0.0.1 with the gateway's timeouts; rejects like `listen` does. */
export function listenHeld(port: number): Promise<HoldingServer> {
  // Held prompts and streams stay open for minutes; never time a response out.
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 30_000 });
  const held = holdRequests(server);
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen(held);
    });
  });
}

/** `serve` arguments (after the word serve), as commander would read them; undefined if unsure. */
export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): EarlyServeFlags | undefined {
  let entry: string | undefined;
  let port = '8790';
  let store = DEFAULT_STORE_DIR;
  let python: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    if (name === '--port') port = value() ?? '';
    else if (name === '--store') store = value() ?? '';
    else if (name === '--python') python = value();
    else if ((a === '--no-open' || a === '--no-watch') && inline === undefined) continue;
    else if (!a.startsWith('-') && entry === undefined) entry = a;
    else return undefined;
  }
  const n = Number(port);
  if (!entry || !store || python === '' || !/^\d+$/.test(port) || n > 65535) return undefined;
  return { entry, storeDir: resolve(cwd, store), port: n, python: pythonInterpreter(python, env), cwd };
}

/** A free port on 127.0.0.1 the SDK dials without TLS (platform/server.ts: sdkDialsTls). */
function freePlaintextPort(): Promise<number> {
  const held: NetServer[] = [];
  const once = (): Promise<number> =>
    new Promise((resolveBind, reject) => {
      const s = createNetServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        held.push(s);
        resolveBind((s.address() as AddressInfo).port);
      });
    });
  return pickPlaintextPort(once, () => undefined).finally(() => {
    for (const s of held) s.close();
  });
}

/** Whether a live emulator already serves this store (the full CLI reports it). */
function servedElsewhere(discoveryFile: string): boolean {
  try {
    const d = JSON.parse(readFileSync(discoveryFile, 'utf8')) as { pid?: unknown };
    return typeof d.pid === 'number' && d.pid !== process.pid && pidAlive(d.pid);
  } catch {
    return false;
  }
}

/** Starts the app's process early and leaves the handoff for `serve`; quietly does nothing if unsure. */
export async function earlyServe(args: string[]): Promise<void> {
  const env = process.env;
  const flags = parseServeArgs(args, env);
  if (!flags) return;
  let entry: ReturnType<typeof parseEntry>;
  let data: ReturnType<typeof emptyStore>;
  const paths = storePaths(flags.storeDir, flags.cwd);
  try {
    entry = parseEntry(flags.entry, flags.cwd);
    if (servedElsewhere(paths.discovery)) return;
    data = loadStoreSync(paths.file)?.data ?? emptyStore();
  } catch {
    return;
  }
  const choice = choosePython({ option: args.includes('--python') || args.some((a) => a.startsWith('--python=')) ? flags.python : undefined, env, appDir: entry.cwd, root: flags.cwd });
  // The real SDK's runner is told the platform gateway's address now; the emulator's gRPC server
  // binds that port once loaded (the runner dials it only after its Declare call is answered, which
  // the held server does once the gateway is up). If the port is taken meanwhile, the emulator
  // stops this runner and launches another.
  let platformPort: number | undefined;
  if (choice.runtime === 'sdk') {
    try {
      platformPort = await freePlaintextPort();
    } catch {
      return;
    }
  }
  traceStartup('serve: store read');
  let held: HoldingServer;
  try {
    held = await listenHeld(flags.port);
  } catch {
    return;
  }
  const port = (held.server.address() as AddressInfo).port;
  traceStartup(`serve: listening on 127.0.0.1:${port}`);

  // The supervisor's first launch, done here: same names, same sources, same environment.
  const resolver = new SecretResolver({ data: () => data, envFile: paths.envFile, env });
  const injected = scanSecretNames(entry.file).filter((n) => resolver.sources(n).length > 0);
  const chosen = choice.runtime === 'sdk' ? choice.python : flags.python;
  const remembered = rememberedInterpreter(chosen, entry.cwd, env);
  const python = remembered ?? chosen;
  const runner = new RunnerProcess(1, 'v1', injected, false, choice.runtime);
  runner.secretDigest = secretDigest(injected, (n) => resolver.resolve(n)?.value);
  const lines: Array<['stdout' | 'stderr', string]> = [];
  let sink: ((stream: 'stdout' | 'stderr', line: string) => void) | undefined;
  try {
    runner.launch(
      launchSpec({
        entry,
        python,
        runtime: choice.runtime,
        gatewayUrl: `http://127.0.0.1:${port}`,
        platformAddress: platformPort === undefined ? '' : `127.0.0.1:${platformPort}`,
        token: runner.token,
        appId: appIdOf(entry),
        ownerId: data.personas[0]?.id ?? 'user_dev',
        versionId: runner.versionId,
        secrets: resolver.environmentFor(injected).env,
        baseEnv: env,
        filesystemsDir: paths.filesystems,
      }),
      (stream, line) => {
        if (sink) sink(stream, line);
        else if (lines.length < 10_000) lines.push([stream, line]);
      },
    );
  } catch {
    held.server.close();
    return;
  }
  traceStartup(`serve: runner launched (${choice.runtime === 'sdk' ? 'real SDK, ' : ''}${remembered ? 'remembered interpreter' : chosen})`);
  // Until the emulator adopts it, the process is ours: never leave it behind.
  let adopted = false;
  const killIfOrphan = (): void => {
    if (!adopted) runner.kill();
  };
  process.once('exit', killIfOrphan);

  const handoff: EarlyServe = {
    flags,
    held,
    runner: {
      runner,
      python,
      speculative: !!remembered,
      platformPort,
      pipeLog(s) {
        adopted = true;
        process.off('exit', killIfOrphan);
        sink = s;
        for (const [stream, line] of lines.splice(0)) s(stream, line);
      },
    },
    async discard() {
      process.off('exit', killIfOrphan);
      await runner.stop(500);
      await new Promise<void>((r) => held.server.close(() => r()));
    },
  };
  (globalThis as WithHandoff)[HANDOFF] = handoff;
}
