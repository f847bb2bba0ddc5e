// A minimal in-process Hub for the channel protocol tests: a real express server on an ephemeral
// port with the public and protected routers, an in-memory store, and a scripted app whose turns
// emit whatever the test asks for. The browser tests use the real emulator instead.
import express, { Router } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AppInfo, Hub, InboundInput, OutboundEvent, PendingPrompt, Turn } from '../../emulator/hub';
import { emptyStore, pushEvent, type StoreData, type StoredEvent } from '../../emulator/store';

export type Script = (input: InboundInput) => Array<Omit<OutboundEvent, 'requestId'>>;

export interface FakeHub extends Hub {
  dispatched: InboundInput[];
  close(): Promise<void>;
  /** What the scripted app answers (default: a reply echoing the text). */
  script: Script;
  /** Sends an event to onOutbound listeners as the gateway does for app output outside a turn. */
  outside(e: OutboundEvent, ctx: { app: string; sessionId: string; channelType: string }): void;
}

export async function startFakeHub(init?: (d: StoreData) => void): Promise<FakeHub> {
  const data = emptyStore();
  init?.(data);
  const listeners = new Set<(e: StoredEvent) => void>();
  const publicRouter = Router();
  const protectedRouter = Router();
  const app = express();
  app.use(publicRouter);
  app.use(protectedRouter);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const sessionsByKey = new Map<string, string>();
  const outboundListeners = new Set<Parameters<NonNullable<Hub['onOutbound']>>[0]>();
  let clockOffset = 0;

  const hub: FakeHub = {
    url: `http://127.0.0.1:${port}`,
    dispatched: [],
    script: (input) => [{ kind: 'reply', text: `echo: ${input.text}` }],
    clock: { now: () => Date.now() + clockOffset, advance: (ms) => void (clockOffset += ms) },
    events: {
      emit(e) {
        const stored = pushEvent(data, e);
        for (const l of listeners) l(stored);
      },
      subscribe(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    prompts: {
      list: () => [] as PendingPrompt[],
      get: () => undefined,
      answer: () => undefined,
      on: () => undefined,
    },
    read: () => data,
    update: async (m) => m(data),
    apps: (): AppInfo[] => [
      { name: 'demo', entry: 'app.py:app', integrations: [], channels: [], secrets: [], dataSources: [], endpoints: [], status: 'running' },
    ],
    publicRouter,
    protectedRouter,
    onOutbound(l) {
      outboundListeners.add(l);
      return () => outboundListeners.delete(l);
    },
    outside(e, ctx) {
      for (const l of outboundListeners) l(e, { ...ctx, inTurn: false });
    },
    async dispatch(input: InboundInput): Promise<Turn> {
      hub.dispatched.push(input);
      const key = input.sessionKey ?? '';
      let sessionId = input.sessionId ?? sessionsByKey.get(key);
      if (!sessionId) {
        sessionId = `ses_${randomBytes(4).toString('hex')}`;
        if (key) sessionsByKey.set(key, sessionId);
      }
      const requestId = `req_${randomBytes(4).toString('hex')}`;
      const events: OutboundEvent[] = [];
      const subs = new Set<(e: OutboundEvent) => void>();
      let settle!: (v: { reply: string; blocks: unknown[]; error?: string }) => void;
      const finished = new Promise<{ reply: string; blocks: unknown[]; error?: string }>((r) => (settle = r));
      const planned = hub.script(input).map((e) => ({ ...e, requestId }) as OutboundEvent);
      if (!planned.some((e) => e.kind === 'done')) planned.push({ kind: 'done', requestId });
      // Emitted asynchronously, one per tick, like a runner answering over HTTP.
      void (async () => {
        for (const e of planned) {
          await new Promise((r) => setTimeout(r, 2));
          events.push(e);
          for (const s of subs) s(e);
        }
        const reply = events.filter((e) => e.kind === 'reply' || e.kind === 'delta').map((e) => (e as { text: string }).text).join('');
        settle({ reply, blocks: events.filter((e) => e.kind === 'block'), error: (events.find((e) => e.kind === 'done') as { error?: string }).error });
      })();
      return {
        sessionId,
        requestId,
        finished,
        subscribe(l) {
          for (const e of events) l(e);
          subs.add(l);
          return () => subs.delete(l);
        },
      };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  return hub;
}
