// The gateway's front door. Order matters: Host check (DNS rebinding), Origin check (cross-site
// requests), then the session token for everything but the public router and the runner's RPC
// (which has its own per-run token). Body parsers are size-limited and turn bad input into a 4xx
// with a clear message; nothing here ever throws past the error handler.
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SIGN_IN_HINT, sendError, wantsHtml, errorPageHtml } from './error-page';
import { LIMITS } from '../limits';

export const BODY_LIMIT_BYTES = LIMITS.bodyBytes;
export const BODY_LIMIT = BODY_LIMIT_BYTES;
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

export function isLoopbackHost(host: string | undefined): boolean {
  return !!host && LOOPBACK_HOST.test(host);
}

export const hostCheck: RequestHandler = (req, res, next) => {
  if (isLoopbackHost(req.headers.host)) return next();
  sendError(req, res, 403, `refused: Host "${req.headers.host ?? ''}" is not a loopback name (use 127.0.0.1 or localhost)`, { title: 'Refused' });
};

/**
 * Browsers send Origin on cross-site requests; only pages of a loopback origin may call in.
 * `Origin: null` comes from an opaque origin (a sandboxed frame, a file:// page, a data: URL, a
 * redirect through another site): a foreign origin like any other. (Our own pages send their
 * referrer to themselves, so their form posts carry their real origin.)
 */
export function originAllowed(origin: string | undefined): boolean {
  if (origin === undefined || origin === '') return true;
  try {
    return isLoopbackHost(new URL(origin).host);
  } catch {
    return false; // an unparsable Origin is refused
  }
}

export const originCheck: RequestHandler = (req, res, next) => {
  if (originAllowed(req.headers.origin)) return next();
  sendError(req, res, 403, `refused: requests from origin ${req.headers.origin} are not allowed`, { title: 'Refused' });
};

export function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export class SessionAuth {
  /** `token`: the workspace's kept token (session-token.ts); a fresh one when none is given. */
  constructor(readonly token: string = randomBytes(24).toString('base64url')) {}
  private readonly codes = new Map<string, number>();
  /** Cookies are per host, not per port: the name carries the port so two emulators coexist. */
  cookieName = 'capsule_session';

  setPort(port: number): void {
    this.cookieName = `capsule_session_${port}`;
  }

  /** A one-time login code, valid for 10 minutes. */
  newCode(): string {
    const code = randomBytes(18).toString('base64url');
    this.codes.set(code, Date.now() + 10 * 60_000);
    return code;
  }

  login: RequestHandler = (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const until = this.codes.get(code);
    this.codes.delete(code);
    const next = typeof req.query.next === 'string' && /^\/(?!\/)[^\\]*$/.test(req.query.next) ? req.query.next : '/chat';
    if (!until || until < Date.now()) {
      // A used link opened again in the browser it signed in (a bookmark, a reload) just goes on.
      if (this.allows(req)) return res.redirect(303, next);
      sendError(req, res, 401, 'This sign-in link was already used or has expired.', { title: 'Sign-in link used or expired', hint: SIGN_IN_HINT });
      return;
    }
    res.setHeader('Set-Cookie', `${this.cookieName}=${encodeURIComponent(this.token)}; HttpOnly; SameSite=Strict; Path=/`);
    res.redirect(303, next);
  };

  /** Whether the request carries the session token (bearer or cookie). */
  allows(req: IncomingMessage): boolean {
    return sameToken(bearerOf(req), this.token) || sameToken(cookieOf(req, this.cookieName), this.token);
  }

  require: RequestHandler = (req, res, next) => {
    if (this.allows(req)) return next();
    if (req.method === 'GET' && wantsHtml(req)) {
      res.status(401).type('html').send(errorPageHtml('You are signed out of this emulator', 'This browser has no valid session for the Capsule Local emulator on this port.', SIGN_IN_HINT));
      return;
    }
    res.status(401).json({ error: 'missing or wrong session token: send Authorization: Bearer <token> (from .capsule/emulator.json) or sign in through a link from capsule-local open' });
  };
}

function rawSaver(req: Request, _res: Response, buf: Buffer): void {
  (req as Request & { rawBody?: Buffer }).rawBody = buf;
}

/** JSON and form bodies, size-limited; `req.rawBody` keeps the bytes (webhook signatures need them). */
export function bodyParsers(limit: number = BODY_LIMIT): RequestHandler[] {
  return [express.json({ limit, verify: rawSaver }), express.urlencoded({ extended: false, limit, verify: rawSaver })];
}

/** The status and message an error becomes (body parser errors, HttpErrors, anything else: 500). */
export function errorAnswer(err: unknown): { status: number; body: { error: string } } {
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; limit?: number };
  let status = e.status ?? e.statusCode ?? 500;
  let message: string;
  if (e.type === 'entity.too.large') {
    status = 413;
    message = `request body too large: the limit is ${Math.round((typeof e.limit === 'number' ? e.limit : BODY_LIMIT) / 1024)} KiB`;
  } else if (e.type === 'entity.parse.failed') {
    status = 400;
    message = `malformed JSON in the request body: ${e.message ?? 'parse error'}`;
  } else if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    status = 415;
    message = e.message ?? 'unsupported body encoding';
  } else if (status >= 400 && status < 500) {
    message = e.message ?? 'bad request';
  } else {
    status = 500;
    message = `internal error: ${e.message ?? String(err)}`;
  }
  return { status, body: { error: message } };
}

export const errorHandler: ErrorRequestHandler = (err: unknown, req: Request, res: Response, _next: NextFunction) => {
  if (res.headersSent) {
    res.end();
    return;
  }
  const { status, body } = errorAnswer(err);
  sendError(req, res, status, body.error);
};
