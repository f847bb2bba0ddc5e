// `POST /api/chat` served without express's router. Every message of a chat client comes through
// it, and express's layers (the router, the body parser) cost about as much again as the rest of
// the gateway's work on a message. The lane takes only requests that pass the same checks as the
// express side (security.ts: loopback Host, Origin, session token) and whose body it can read as
// express would (JSON, UTF-8, within the size limit); anything else goes to express, untouched.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { GatewayHub } from './hub-impl';
import { chatAnswer } from './api';
import { BODY_LIMIT_BYTES, errorAnswer, isLoopbackHost, originAllowed, type SessionAuth } from './security';

export const FAST_LANE_PATH = '/api/chat';
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export function withFastLane(app: RequestListener, hub: GatewayHub, auth: SessionAuth): RequestListener {
  return (req, res) => {
    if (!takes(req, auth)) return app(req, res);
    readJson(req, BODY_LIMIT_BYTES)
      .then((body) => chatAnswer(hub, body))
      .then(
        (answer) => sendJson(res, answer.status, answer.body),
        (e: unknown) => {
          const { status, body } = errorAnswer(e);
          sendJson(res, status, body);
        },
      );
  };
}

function takes(req: IncomingMessage, auth: SessionAuth): boolean {
  if (req.method !== 'POST' || req.url !== FAST_LANE_PATH) return false;
  const h = req.headers;
  if (!JSON_TYPE.test(h['content-type'] ?? '')) return false;
  const encoding = h['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  if (h['content-length'] !== undefined && !(Number(h['content-length']) <= BODY_LIMIT_BYTES)) return false;
  return isLoopbackHost(h.host) && originAllowed(h.origin) && auth.allows(req);
}

/** The body as JSON, with the body parser's errors (an empty body is `{}`, as there). */
function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume(); // the rest is read and dropped; the answer says why
      reject(Object.assign(new Error('request entity too large'), { type: 'entity.too.large', limit }));
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      if (size > limit) return;
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      if (!text.trim()) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(Object.assign(new Error((e as Error).message), { type: 'entity.parse.failed' }));
      }
    });
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
