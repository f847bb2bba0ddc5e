// A minimal Debug Adapter Protocol client over TCP, as an editor speaks it to debugpy's adapter
// (`python -m debugpy --listen HOST:PORT`): Content-Length framed JSON, requests answered by
// responses, events in between. Enough to attach, set breakpoints and follow stops.
import { connect, type Socket } from 'node:net';

export interface DapMessage {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
}

export class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, (m: DapMessage) => void>();
  private readonly waiters: Array<{ match: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }> = [];
  /** Every event received, in order. */
  readonly events: DapMessage[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  static open(port: number, host = '127.0.0.1'): Promise<DapClient> {
    return new Promise((resolveOpen, reject) => {
      const s = connect(port, host);
      s.once('connect', () => resolveOpen(new DapClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a request; resolves with its response (a failed one rejects with its message). */
  request(command: string, args: Record<string, unknown> = {}): Promise<DapMessage> {
    const seq = this.seq++;
    const body = JSON.stringify({ seq, type: 'request', command, arguments: args });
    return new Promise((resolveResponse, reject) => {
      if (this.closed) return reject(new Error(`the debug adapter closed the connection before "${command}"`));
      this.pending.set(seq, (m) => (m.success ? resolveResponse(m) : reject(new Error(`${command} failed: ${m.message ?? JSON.stringify(m.body)}`))));
      this.socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  /** The first event (already received or still to come) that `match` accepts. */
  event(name: string, match: (m: DapMessage) => boolean = () => true): Promise<DapMessage> {
    const test = (m: DapMessage): boolean => m.event === name && match(m);
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveEvent) => this.waiters.push({ match: test, resolve: resolveEvent }));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(b: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, b]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: *(\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (!Number.isFinite(length) || this.buffer.length < end + 4 + length) return;
      const m = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString()) as DapMessage;
      this.buffer = this.buffer.subarray(end + 4 + length);
      if (m.type === 'response' && m.request_seq !== undefined) {
        this.pending.get(m.request_seq)?.(m);
        this.pending.delete(m.request_seq);
      } else if (m.type === 'event') {
        this.events.push(m);
        for (const w of [...this.waiters]) {
          if (w.match(m)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      }
    }
  }
}

/** Attaches the way an editor does: initialize, attach, breakpoints, configurationDone. */
export async function attachDebugpy(target: { host: string; port: number }, breakpoints: { path: string; lines: number[] }): Promise<{ dap: DapClient; verified: boolean[] }> {
  const dap = await DapClient.open(target.port, target.host);
  await dap.request('initialize', { clientID: 'capsule-test', adapterID: 'debugpy', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  // debugpy answers attach only after configurationDone; `initialized` comes first.
  const attached = dap.request('attach', { justMyCode: true, redirectOutput: false });
  await dap.event('initialized');
  const set = await dap.request('setBreakpoints', { source: { path: breakpoints.path }, breakpoints: breakpoints.lines.map((line) => ({ line })) });
  await dap.request('configurationDone');
  await attached;
  const verified = ((set.body?.breakpoints ?? []) as Array<{ verified: boolean }>).map((b) => b.verified);
  return { dap, verified };
}

