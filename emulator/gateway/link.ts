// The runner link: one persistent loopback connection per runner that carries inbound messages
// and the runner's RPCs as newline-delimited JSON frames, instead of one HTTP exchange each
// (PROTOCOL.md, "Runner link").
//
//   runner → gateway: GET /_runner/link, Connection: Upgrade, Upgrade: capsule-runner-link/1,
//                     Authorization: Bearer <CAPSULE_RUNNER_TOKEN>
//   gateway → runner: 101 Switching Protocols (or 4xx with {"error"} and close)
//   then, one JSON object per line:
//     gateway → runner  {"t":"inbound","message":{...}}
//                       {"t":"result","id":N,"result":{...}} | {"t":"result","id":N,"status":4xx/5xx,"error":"..."}
//                       {"t":"error","status":4xx,"error":"..."}   (a frame without an id could not be used)
//     runner → gateway  {"t":"call","id":N,"method":"SubmitResult","body":{...}}
//                       {"t":"error","error":"..."}                (a gateway frame the runner could not use)
//
// Calls go through the same method table as `POST /_runner/rpc/<Method>` (rpc.ts). A link that
// closes cancels the prompts its calls hold; turns of a runner that died end through the
// supervisor's exit detection, as with HTTP.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HistoryHeld, RunnerLinkPort, RunnerProcess } from '../runner/process';
import type { AppSupervisor } from '../runner/supervisor';
import type { GatewayHub } from './hub-impl';
import { MAX_RUNNER_CALL_BYTES, callRunnerMethod, goneController, runnerFor, type RunnerCaller } from './rpc';
import { traceCall } from './turn-trace';
import { bearerOf, isLoopbackHost, originAllowed } from './security';
import { isUnderPreviewDomain } from './preview-origin';

export const LINK_PATH = '/_runner/link';
export const LINK_PROTOCOL = 'capsule-runner-link/1';
/** Complaints about malformed frames logged per link; later ones are answered but not logged. */
const MAX_LOGGED_COMPLAINTS = 20;

export function attachRunnerLink(server: Server, hub: GatewayHub): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    try {
      accept(hub, req, socket as Socket, head);
    } catch (e) {
      refuse(socket, 500, `internal error: ${(e as Error).message}`);
    }
  });
}

function accept(hub: GatewayHub, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const path = (req.url ?? '').split('?', 1)[0];
  // A preview's page opening a websocket (a dev server's hot reload): the SDK's preview proxy
  // forwards plain requests only, so there is nothing to connect it to.
  if (isUnderPreviewDomain(req.headers.host)) return refuse(socket, 501, "websockets are not forwarded to previews: the SDK's preview proxy (/_capsule/preview) forwards plain HTTP requests only");
  if (path !== LINK_PATH) return refuse(socket, 404, `no upgrade at ${path}; runners open their link at ${LINK_PATH}`);
  const protocol = String(req.headers.upgrade ?? '').trim().toLowerCase();
  if (protocol !== LINK_PROTOCOL) return refuse(socket, 400, `unsupported upgrade "${protocol.slice(0, 60)}": ${LINK_PATH} speaks ${LINK_PROTOCOL}`);
  if (req.method !== 'GET') return refuse(socket, 405, `the runner link is opened with GET ${LINK_PATH}`);
  // Same rules as the HTTP side: loopback only, no browser pages of other origins.
  if (!isLoopbackHost(req.headers.host)) return refuse(socket, 403, `refused: Host "${req.headers.host ?? ''}" is not a loopback name (use 127.0.0.1 or localhost)`);
  if (!originAllowed(req.headers.origin)) return refuse(socket, 403, `refused: requests from origin ${req.headers.origin} are not allowed`);
  if (!loopbackAddress(socket.remoteAddress)) return refuse(socket, 403, 'refused: the runner link is for processes on this machine only');
  const owner = runnerFor(hub, bearerOf(req));
  if (!owner) return refuse(socket, 401, 'wrong or missing runner token');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${LINK_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`);
  const previous = owner.runner.link;
  const link = new RunnerLink(hub, socket, owner);
  previous?.close('replaced by a new link of the same runner');
  owner.runner.link = link;
  hub.links.add(link);
  if (head.length) link.receive(head);
}

function refuse(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function loopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The `"id":N` of a frame that could not be parsed (it is near the start of a well-formed one). */
function idIn(text: string): number | undefined {
  const m = /"id"\s*:\s*(\d{1,15})\b/.exec(text.slice(0, 4096));
  return m ? Number(m[1]) : undefined;
}

/** Sessions whose history this side remembers sending (older ones get their whole tail again). */
const MAX_SESSIONS_REMEMBERED = 10_000;

/** Calls whose answer the runner does not wait on to go on with the handler (see send). */
const LATER_ANSWERS = new Set(['SubmitResult', 'NotifySession']);

export class RunnerLink implements RunnerLinkPort {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Inside a frame over the size limit: everything up to its newline is dropped. */
  private skipping = false;
  private closed = false;
  private complaints = 0;
  private readonly gone = goneController();
  private readonly caller: RunnerCaller;
  private readonly runner: RunnerProcess;

  constructor(
    private readonly hub: GatewayHub,
    private readonly socket: Socket,
    owner: { runner: RunnerProcess; sup: AppSupervisor },
  ) {
    this.runner = owner.runner;
    this.caller = { ...owner, gone: this.gone.signal };
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.setKeepAlive(true, 20_000);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.close('the runner closed the link'));
    socket.on('close', () => this.closed || this.close('the link closed'));
  }

  get open(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  /**
   * `later`: an answer the runner does not wait on to go on (the acknowledgement of a reply or of
   * the end of a turn) leaves after the work of this turn of the event loop (the store write and
   * the caller's answer), not before it: waking the runner's process costs more than the write.
   */
  send(frame: object, later = false): boolean {
    if (!this.open) return false;
    let line: string;
    try {
      line = JSON.stringify(frame) + '\n';
    } catch {
      return false;
    }
    if (later) {
      this.deferred.push(line);
      if (!this.deferScheduled) {
        this.deferScheduled = true;
        setImmediate(this.sendDeferred);
      }
      return true;
    }
    this.write(line);
    return true;
  }

  /** Per session, what the runner was sent of its history (PROTOCOL.md, "history"). */
  private readonly historyHeld = new Map<string, HistoryHeld>();

  historySent(sessionId: string): HistoryHeld | undefined {
    return this.historyHeld.get(sessionId);
  }

  sendInbound(message: { session_id: string; session?: unknown }): boolean {
    if (!this.send({ t: 'inbound', message })) return false;
    const s = message.session as { created_at?: unknown; history_length?: unknown } | undefined;
    const held = this.historyHeld;
    held.delete(message.session_id); // re-inserted last: the map's order is least recently sent first
    if (s && typeof s.created_at === 'string' && typeof s.history_length === 'number') {
      held.set(message.session_id, { createdAt: s.created_at, length: s.history_length });
      if (held.size > MAX_SESSIONS_REMEMBERED) held.delete(held.keys().next().value!);
    }
    return true;
  }

  private deferred: string[] = [];
  private deferScheduled = false;
  private readonly sendDeferred = (): void => {
    this.deferScheduled = false;
    if (this.deferred.length && this.open) this.write('');
  };

  private write(line: string): void {
    // Frames keep their order: answers held back go out before anything written after them.
    if (this.deferred.length) {
      line = this.deferred.join('') + line;
      this.deferred = [];
    }
    // Frames written in one tick (the answers to a batch of calls) leave in one write.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(line);
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  close(_reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    if (this.runner.link === this) this.runner.link = undefined;
    this.hub.links.delete(this);
    // Held calls (a prompt the app waits on) have nobody left to answer them.
    this.gone.abort();
    this.hub.linkClosed(this);
  }

  /** Bytes from the runner: complete lines are frames. */
  receive(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      let line = piece;
      if (this.partBytes) {
        this.parts.push(piece);
        line = Buffer.concat(this.parts, this.partBytes + piece.length);
        this.parts = [];
        this.partBytes = 0;
      }
      if (line.length > MAX_RUNNER_CALL_BYTES) this.tooLarge(line.subarray(0, 4096).toString('utf8'));
      else this.frame(line);
      if (this.closed) return;
    }
    if (start >= chunk.length || this.skipping) return;
    const rest = chunk.subarray(start);
    this.parts.push(rest);
    this.partBytes += rest.length;
    if (this.partBytes > MAX_RUNNER_CALL_BYTES) {
      const head = this.parts[0]!.subarray(0, 4096).toString('utf8');
      this.parts = [];
      this.partBytes = 0;
      this.skipping = true;
      this.tooLarge(head);
    }
  }

  private tooLarge(head: string): void {
    this.complain(413, `frame too large: a runner call is limited to ${MAX_RUNNER_CALL_BYTES / (1024 * 1024)} MiB`, idIn(head));
  }

  private frame(line: Buffer): void {
    const text = line.toString('utf8');
    if (!/\S/.test(text)) return; // an empty line: nothing to do (without copying the frame)
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message quotes the frame; the reason given stays free of its content.
      return this.complain(400, `malformed frame: not valid JSON (${line.length} bytes)`, idIn(text));
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return this.complain(400, 'malformed frame: not a JSON object');
    const f = parsed as Record<string, unknown>;
    const id = typeof f.id === 'number' || typeof f.id === 'string' ? f.id : undefined;
    if (f.t === 'call' || f.t === 'cast') {
      if (typeof f.id !== 'number' || !Number.isSafeInteger(f.id) || f.id < 0) return this.complain(400, `malformed frame: a ${f.t} needs an "id" (a non-negative integer)`, id);
      if (typeof f.method !== 'string' || !f.method) return this.complain(400, `malformed frame: a ${f.t} needs a "method"`, id);
      const body = f.body ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) return this.complain(400, 'malformed frame: "body" must be a JSON object', id);
      void this.call(f.id, f.method, body as Record<string, unknown>, f.t === 'cast');
      return;
    }
    if (f.t === 'error') {
      // The runner could not use a frame the gateway sent.
      // Scrubbed before it is cut: a value cut in two would no longer match.
      this.log(`the runner reported: ${this.hub.scrubber.text(String(f.error ?? 'an unusable frame')).slice(0, 300)}`);
      return;
    }
    this.complain(400, `malformed frame: unknown frame type ${JSON.stringify(f.t ?? null).slice(0, 40)} (expected "call" or "cast")`, id);
  }

  /** A call's answer goes back; a cast's only when it failed (the runner logs it). */
  private async call(id: number, method: string, body: Record<string, unknown>, cast = false): Promise<void> {
    const traced = traceCall(this.hub, method, body);
    const answer = await callRunnerMethod(this.hub, this.caller, method, body);
    traced?.();
    if (answer.ok && cast) return;
    if (answer.ok) this.send({ t: 'result', id, result: answer.result ?? {} }, LATER_ANSWERS.has(method));
    else this.send({ t: 'result', id, status: answer.status, error: answer.error });
  }

  /** An error frame for a frame the gateway could not use (with its id when it had one), and a log line. */
  private complain(status: number, error: string, id?: number | string): void {
    this.send(id === undefined ? { t: 'error', status, error } : { t: 'result', id, status, error });
    this.log(error);
  }

  private log(reason: string): void {
    if (++this.complaints > MAX_LOGGED_COMPLAINTS) return;
    const app = this.caller.sup.name;
    const more = this.complaints === MAX_LOGGED_COMPLAINTS ? ' (further problems on this link are not logged)' : '';
    this.hub.events.emit({
      kind: 'runner',
      app,
      summary: `runner link of ${app} (runner v${this.runner.version}): ${reason}${more}`,
      detail: { event: 'link-error', version: this.runner.version, reason },
    });
  }
}
