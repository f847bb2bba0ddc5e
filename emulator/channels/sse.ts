// Server-sent events for the pages (chat turns, simulators, dashboard): one helper so every
// stream sets the same headers, keeps the connection alive and cleans up when the tab closes.
import type { Request, Response } from 'express';

export interface SseStream {
  send(event: string, data: unknown, id?: number): void;
  close(): void;
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

export function openSse(req: Request, res: Response, heartbeatMs = 15_000): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write(': open\n\n');
  const cleanups: Array<() => void> = [];
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    for (const fn of cleanups.splice(0)) fn();
  };
  // A comment line every few seconds keeps proxies and the browser from timing the stream out.
  const beat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  beat.unref();
  req.on('close', finish);
  return {
    send(event, data, id) {
      if (closed) return;
      res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (!closed) res.end();
      finish();
    },
    onClose(fn) {
      if (closed) fn();
      else cleanups.push(fn);
    },
    get closed() {
      return closed;
    },
  };
}
