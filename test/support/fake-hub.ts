// What the in-process fake Hubs of the module tests (test/channels/, test/integrations/) share: a
// real express server on an ephemeral loopback port serving the Hub's public and protected
// routers (no session token: the gateway's security is tested against the real emulator), a clock
// the test can advance, and the one app they declare.
import express, { Router } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { AppInfo, Hub } from '../../emulator/hub';

export interface HubServer extends Pick<Hub, 'url' | 'clock' | 'publicRouter' | 'protectedRouter'> {
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:<ephemeral> with empty public and protected routers, ready to be mounted on. */
export async function startHubServer(): Promise<HubServer> {
  const publicRouter = Router();
  const protectedRouter = Router();
  const app = express();
  app.use(publicRouter);
  app.use(protectedRouter);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  let offset = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    clock: { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) },
    publicRouter,
    protectedRouter,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The app `demo` (`app.py:app`), running, declaring `integrations` and nothing else. */
export function demoApp(integrations: AppInfo['integrations'] = []): AppInfo {
  return { name: 'demo', entry: 'app.py:app', integrations, channels: [], secrets: [], dataSources: [], endpoints: [], status: 'running', runtime: 'sdk', declarations: {} };
}
