// The runner link: one persistent loopback connection per runner (HTTP upgrade on the gateway's
// port) that carries inbound messages and runner RPCs as frames instead of an HTTP exchange each.
// Not built yet: upgrade requests are refused, and runners keep using the HTTP routes of
// PROTOCOL.md.
import type { Server } from 'node:http';
import type { GatewayHub } from './hub-impl';

export function attachRunnerLink(server: Server, _hub: GatewayHub): void {
  server.on('upgrade', (_req, socket) => {
    socket.end('HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":"the runner link is not available in this build; use the HTTP runner protocol"}');
  });
}
