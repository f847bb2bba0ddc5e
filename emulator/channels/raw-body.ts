// Webhook signatures cover the exact bytes the platform sent, so webhook routes read the raw body
// themselves, size-limited, instead of relying on a JSON parser.
import type { Request } from 'express';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readRawBody(req: Request, limit = WEBHOOK_BODY_LIMIT): Promise<Buffer> {
  const r = req as Request & { rawBody?: unknown };
  // A body parser mounted earlier may have kept the bytes (express.json's `verify` hook) or read
  // them as a Buffer (express.raw).
  if (Buffer.isBuffer(r.rawBody)) return r.rawBody;
  if (Buffer.isBuffer(r.body)) return r.body;
  if (!req.readable) {
    throw new BodyError(500, 'the request body was consumed before the webhook route; webhooks need the raw bytes to check signatures');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyError(413, `request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new BodyError(400, `malformed JSON: ${(e as Error).message}`);
  }
}
