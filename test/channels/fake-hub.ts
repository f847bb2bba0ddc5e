// A minimal in-process Hub for the channel protocol tests: the shared fake Hub server
// (test/support/fake-hub.ts: express on an ephemeral port, public and protected routers, clock),
// an in-memory store, and a scripted app whose turns emit whatever the test asks for. The browser
// tests use the real emulator instead.
import { randomBytes } from 'node:crypto';
import type { AppInfo, Hub, InboundInput, OutboundEvent, PendingPrompt, Turn } from '../../emulator/hub';
import { emptyStore, pushEvent, type StoreData, type StoredEvent } from '../../emulator/store';
import { outlineOf } from '../../emulator/store/app-tables';
import { demoApp, startHubServer } from '../support/fake-hub';

export type Script = (input: InboundInput) => Array<Omit<OutboundEvent, 'requestId'>>;

export interface FakeHub extends Hub {
  dispatched: InboundInput[];
  close(): Promise<void>;
  /** What the scripted app answers (default: a reply echoing the text). */
  script: Script;
  /** The named channels the scripted app declares (cpsl.Channel(name)); default: those in the store at start. */
  declaredChannels: string[];
  /** The scripted app's status, as the supervisor reports it. */
  appStatus: AppInfo['status'];
  /** Sends an event to onOutbound listeners as the gateway does for app output outside a turn. */
  outside(e: OutboundEvent, ctx: { app: string; sessionId: string; channelType: string }): void;
}

export async function startFakeHub(init?: (d: StoreData) => void): Promise<FakeHub> {
  const data = emptyStore();
  init?.(data);
  const listeners = new Set<(e: StoredEvent) => void>();
  const server = await startHubServer();
  const sessionsByKey = new Map<string, string>();
  const outboundListeners = new Set<Parameters<NonNullable<Hub['onOutbound']>>[0]>();

  const hub: FakeHub = {
    ...server,
    dispatched: [],
    declaredChannels: Object.keys(data.channels),
    appStatus: 'running',
    script: (input) => [{ kind: 'reply', text: `echo: ${input.text}` }],
    events: {
      emit(e) {
        const stored = pushEvent(data, e);
        for (const l of listeners) l(stored);
      },
      subscribe(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      preview: (text: string, chars: number) => text.slice(0, chars),
    },
    prompts: {
      list: () => [] as PendingPrompt[],
      get: () => undefined,
      answer: () => undefined,
      on: () => undefined,
    },
    read: () => data,
    outline: (s) => outlineOf(s.history),
    update: async (m) => m(data),
    apps: (): AppInfo[] => [{ ...demoApp(), status: hub.appStatus, channels: hub.declaredChannels.map((name) => ({ type: '_resource', name })) }],
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
  };
  return hub;
}
