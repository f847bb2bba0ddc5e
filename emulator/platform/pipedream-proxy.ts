// SessionService.PipedreamProxy: `session.pipedream(slug).get(...)` of the real SDK. Pipedream
// Connect's proxy sends the request to the connected app's API with the account's credential; the
// local stand-in does the same with the account the developer connected on the local Connect page
// (integrations/pipedream.ts): the token goes in as `Authorization: Bearer <token>`, a relative
// URL is appended to the account's base URL, and an absolute URL must be on that base URL's
// origin (the token is never sent anywhere else).
//
// What the app gets back, and why:
//   - the upstream's answer, whatever its status: {status_code, headers, body};
//   - the upstream unreachable or too slow: a 502 / 504 answer with a JSON error body, as an HTTP
//     proxy answers, so `raise_for_status()` and status checks see it;
//   - no connected account, a URL off the account's origin, an answer larger than the gateway's
//     message limit: a gRPC error (FAILED_PRECONDITION, PERMISSION_DENIED, RESOURCE_EXHAUSTED)
//     with the reason, which the SDK raises in the handler: these are the app's mistakes, and a
//     status code an app forgets to check would hide them.
// Every call, answered or refused, is one `pipedream` event: method, URL without query values,
// status, duration. The token never appears in an event, an error or an answer header.
import * as grpc from '@grpc/grpc-js';
import type { GatewayHub } from '../gateway/hub-impl';
import type { StoredIntegration } from '../store/schema';
import { LIMITS } from '../limits';
import { GrpcError, type PlatformCaller } from './server';

type Message = Record<string, unknown>;

/** Request headers the proxy sets itself or that belong to one connection, not to the request. */
const DROPPED_REQUEST_HEADERS = new Set(['authorization', 'host', 'content-length', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);
/** Answer headers that no longer describe the body the app gets (fetch decodes gzip and chunks). */
const DROPPED_ANSWER_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);
const METHOD = /^[A-Z]{1,16}$/;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The URL as events show it: query values left out (they may carry keys or personal data). */
export function urlForLog(u: URL): string {
  const names = [...new Set([...u.searchParams.keys()])];
  return `${u.origin}${u.pathname}${names.length ? `?${names.map((n) => `${encodeURIComponent(n)}=…`).join('&')}` : ''}`;
}

/**
 * Where a request goes: a relative URL appended to the base URL (Pipedream Connect's proxy
 * prepends the app's base URL), an absolute one only on the base URL's origin.
 */
export function resolveTarget(baseUrl: string, url: string): { url: URL } | { refused: string; shown: string } | { invalid: string } {
  const base = new URL(baseUrl);
  if (!url) return { invalid: 'the request has no URL' };
  const given = `"${url.split('?')[0]}${url.includes('?') ? '?…' : ''}"`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return { invalid: `${given} is not a valid URL` };
    }
    if (u.origin !== base.origin) return { refused: `it is not on the account's API origin ${base.origin}`, shown: urlForLog(u) };
    if (u.username || u.password) return { refused: 'it carries a user name or password', shown: urlForLog(u) };
    return { url: u };
  }
  if (url.startsWith('//')) return { invalid: `${given} has no scheme: give a path relative to ${baseUrl}, or an absolute URL on ${base.origin}` };
  const joined = new URL(`${baseUrl.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`);
  // "../" could climb out of the base path but never off the origin: the origin is what is checked.
  if (joined.origin !== base.origin) return { refused: `it is not on the account's API origin ${base.origin}`, shown: urlForLog(joined) };
  return { url: joined };
}

function jsonAnswer(status: number, type: string, message: string): Message {
  return {
    status_code: status,
    headers: { 'content-type': 'application/json', 'x-capsule-local-proxy-error': type },
    body: Buffer.from(JSON.stringify({ error: { type, message } })),
  };
}

/** Reads at most `max` bytes of the body; undefined when it is longer (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<Buffer | undefined> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max && !res.headers.get('content-encoding')) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, size);
}

function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}

export async function pipedreamProxy(hub: GatewayHub, req: Message, caller: PlatformCaller): Promise<Message> {
  const type = str(req.integration_type);
  if (!type) throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'integration_type is required');
  const app = caller.sup.name;
  // owner_id is the user's id for a user of no org (the emulator's personas); the email says who in an org.
  const owner = str(req.owner_id);
  const email = str(req.user_email);
  const userId = hub.userIdFrom(hub.read(), owner.startsWith('org:') ? '' : owner, email);
  const who = userId || email || owner || 'this user';
  const method = (str(req.method) || 'GET').toUpperCase();
  const started = performance.now();
  const event = (summary: string, detail: Record<string, unknown>): void =>
    hub.events.emit({ kind: 'pipedream', app, userId: userId || undefined, summary: `${type}: ${summary}`, detail: { type, method, ...detail, durationMs: Math.round(performance.now() - started) } });
  // Messages go to the app and the event log: scrubbed, like every text leaving the emulator.
  const refuse = (code: grpc.status, message: string, detail: Record<string, unknown>): GrpcError => {
    const clean = hub.scrubber.text(message);
    event(`${method} refused: ${clean}`, { refused: true, ...detail });
    return new GrpcError(code, clean);
  };

  if (!METHOD.test(method)) throw refuse(grpc.status.INVALID_ARGUMENT, `"${method}" is not an HTTP method`, {});
  const account: StoredIntegration | undefined = userId ? hub.read().integrations[userId]?.[type] : undefined;
  if (!account) {
    throw refuse(grpc.status.FAILED_PRECONDITION, `${type} is not connected for ${who} in ${app}: no Pipedream account to call the API with. Connect it first: session.require_integration("${type}") prompts the user (the Connect link asks for the API's token and base URL), or use Connect in the integrations panel.`, { connected: false });
  }
  if (account.mode !== 'pipedream') {
    throw refuse(grpc.status.FAILED_PRECONDITION, `${type} of ${who} is connected as ${account.mode === 'oauth' ? 'an OAuth' : 'a secret-form'} integration, not through Pipedream: session.pipedream("${type}") needs app.add_integration(cpsl.Pipedream("${type}")).`, { connected: true });
  }
  const base = account.fields.api_base_url ?? '';
  if (!base) throw refuse(grpc.status.FAILED_PRECONDITION, `the ${type} account of ${who} has no API base URL: connect it again.`, {});
  const target = resolveTarget(base, str(req.url));
  if ('invalid' in target) throw refuse(grpc.status.INVALID_ARGUMENT, `the ${type} proxy cannot send ${method}: ${target.invalid}.`, {});
  if ('refused' in target) throw refuse(grpc.status.PERMISSION_DENIED, `the ${type} proxy refuses ${method} ${target.shown}: ${target.refused}; the account's token is only sent to ${base}.`, { url: target.shown });
  const url = target.url;
  const shown = urlForLog(url);

  const headers = new Headers();
  const given = (req.headers && typeof req.headers === 'object' ? req.headers : {}) as Record<string, unknown>;
  try {
    for (const [k, v] of Object.entries(given)) if (typeof v === 'string' && !DROPPED_REQUEST_HEADERS.has(k.toLowerCase())) headers.set(k, v);
  } catch (e) {
    throw refuse(grpc.status.INVALID_ARGUMENT, `a request header is not valid: ${e instanceof Error ? e.message : String(e)}`, { url: shown });
  }
  headers.set('authorization', `Bearer ${account.accessToken}`);
  const raw = req.body;
  const body = Buffer.isBuffer(raw) ? raw : raw instanceof Uint8Array ? Buffer.from(raw) : Buffer.alloc(0);
  if (body.length && (method === 'GET' || method === 'HEAD')) throw refuse(grpc.status.INVALID_ARGUMENT, `a ${method} request cannot carry a body (${body.length} bytes given)`, { url: shown });

  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body.length ? new Uint8Array(body) : undefined,
      // A redirect goes back to the app: following it could carry the token off the origin.
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(LIMITS.pipedreamTimeoutMs), caller.gone]),
    });
  } catch (e) {
    const timedOut = (e as Error)?.name === 'TimeoutError';
    const why = timedOut ? `did not answer within ${LIMITS.pipedreamTimeoutMs / 1000} s` : `could not be reached (${causeOf(e)})`;
    const message = hub.scrubber.text(`Capsule Local's Pipedream proxy: ${shown} ${why}.`);
    event(`${method} ${shown} failed: ${timedOut ? 'timed out' : 'unreachable'} (answered ${timedOut ? 504 : 502})`, { url: shown, status: timedOut ? 504 : 502, error: timedOut ? 'timeout' : 'unreachable' });
    return jsonAnswer(timedOut ? 504 : 502, timedOut ? 'upstream_timeout' : 'upstream_unreachable', message);
  }
  const answerHeaders: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!DROPPED_ANSWER_HEADERS.has(k)) answerHeaders[k] = v;
  });
  let data: Buffer | undefined;
  try {
    data = await readCapped(res, LIMITS.pipedreamBodyBytes);
  } catch (e) {
    const message = hub.scrubber.text(`Capsule Local's Pipedream proxy: the answer of ${shown} broke off (${causeOf(e)}).`);
    event(`${method} ${shown} failed: the answer broke off (answered 502)`, { url: shown, status: 502, upstreamStatus: res.status, error: 'broken' });
    return jsonAnswer(502, 'upstream_broken', message);
  }
  if (!data) {
    throw refuse(grpc.status.RESOURCE_EXHAUSTED, `the answer of ${shown} (${res.status}) is larger than ${LIMITS.pipedreamBodyBytes} bytes, more than one gateway message carries (16 MiB with its headers): ask the API for less (a page, a range).`, { url: shown, upstreamStatus: res.status });
  }
  event(`${method} ${shown} → ${res.status}`, { url: shown, status: res.status, bytes: data.length });
  return { status_code: res.status, headers: answerHeaders, body: data };
}
