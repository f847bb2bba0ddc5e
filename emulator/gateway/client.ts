// How the CLI (and anything else outside the emulator process) talks to a running emulator: find
// it through the store's discovery file, then call its API with the session token. Uses node:http
// without timeouts because a chat may wait minutes on an integration prompt.
import { request } from 'node:http';
import { storePaths } from '../store';
import { liveEmulator, readDiscovery, type DiscoveryInfo } from './discovery';

export class EmulatorClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function findEmulator(storeDir: string, cwd = process.cwd()): DiscoveryInfo {
  const paths = storePaths(storeDir, cwd);
  const live = liveEmulator(paths.discovery);
  if (live) return live;
  const stale = readDiscovery(paths.discovery);
  throw new EmulatorClientError(
    stale
      ? `the emulator recorded in ${paths.discovery} (pid ${stale.pid}) is no longer running; start it with \`capsule-local serve FILE.py:SYMBOL\``
      : `no emulator is running for the store ${paths.dir}; start one with \`capsule-local serve FILE.py:SYMBOL\` (or pass --store)`,
  );
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Bytes sent as they are (instead of `body` as JSON), with these headers (e.g. content-type). */
  raw?: { data: Buffer; headers: Record<string, string> };
  /** Called with each line of an NDJSON answer instead of collecting a JSON body. */
  onLine?: (line: Record<string, unknown>) => void;
}

export function callEmulator(info: DiscoveryInfo, path: string, opts: CallOptions = {}): Promise<{ status: number; body: unknown }> {
  const url = new URL(path, info.url);
  const payload = opts.raw ? opts.raw.data : opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  return new Promise((resolveCall, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? (payload ? 'POST' : 'GET'),
        headers: {
          authorization: `Bearer ${info.token}`,
          accept: opts.onLine ? 'application/x-ndjson' : 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...(opts.raw?.headers ?? {}),
        },
        signal: opts.signal,
      },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          if (!opts.onLine || (res.statusCode ?? 500) >= 300) return;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line) opts.onLine(JSON.parse(line) as Record<string, unknown>);
          }
        });
        res.on('end', () => {
          let body: unknown = undefined;
          const rest = buf.trim();
          if (rest) {
            try {
              body = JSON.parse(rest);
            } catch {
              body = { error: rest };
            }
          }
          if (opts.onLine && rest && (res.statusCode ?? 500) < 300) opts.onLine(body as Record<string, unknown>);
          resolveCall({ status: res.statusCode ?? 500, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') reject(e);
      else reject(new EmulatorClientError(`could not reach the emulator at ${info.url}: ${e.message}`));
    });
    req.end(payload);
  });
}

export function errorOf(body: unknown, status: number): string {
  const e = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  return typeof e === 'string' ? e : `the emulator answered ${status}`;
}
