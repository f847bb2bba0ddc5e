// An in-process Hub for the integrations protocol tests: the shared fake Hub server
// (test/support/fake-hub.ts: express on an ephemeral port, public and protected routers without
// the session token, a virtual clock), an in-memory store, a prompt broker that records answers,
// declared apps and a secret resolver over a plain map.
import { randomBytes } from 'node:crypto';
import type { AppInfo, Hub, PendingPrompt, PromptAnswer } from '../../emulator/hub';
import { emptyStore, pushEvent, type StoreData } from '../../emulator/store';
import { register, type IntegrationsService } from '../../emulator/integrations';
import { demoApp, startHubServer } from '../support/fake-hub';

export interface FakeHub extends Hub {
  service: IntegrationsService;
  secretValues: Record<string, string>;
  appList: AppInfo[];
  answers: Array<{ id: string; answer: PromptAnswer }>;
  /** Opens a pending prompt as WaitForIntegration would. */
  openPrompt(p: Partial<PendingPrompt> & { type: string }): PendingPrompt;
  close(): Promise<void>;
}

export const GITHUB_APP: AppInfo['integrations'][number] = {
  type: 'github',
  mode: 'oauth',
  scopes: ['repo', 'read:user', 'gist'],
  fields: [],
  client_id_secret: 'GITHUB_CLIENT_ID',
  client_secret_secret: 'GITHUB_CLIENT_SECRET',
};

export async function startFakeHub(
  integrations: AppInfo['integrations'] = [GITHUB_APP],
  secrets: Record<string, string> = { GITHUB_CLIENT_ID: 'Iv1.local-test', GITHUB_CLIENT_SECRET: 'gh-client-secret-value' },
  /** A store to start from (a copy is used), e.g. to play an emulator restart. */
  initial?: StoreData,
): Promise<FakeHub> {
  const data: StoreData = initial ? (JSON.parse(JSON.stringify(initial)) as StoreData) : emptyStore();
  if (!initial) data.personas.push({ id: 'user_ada', name: 'Ada', email: 'ada@example.com' });
  const server = await startHubServer();
  const pending = new Map<string, PendingPrompt>();

  const hub = {
    ...server,
    secretValues: { ...secrets },
    appList: [demoApp(integrations)],
    answers: [] as FakeHub['answers'],
    events: {
      emit(e: Parameters<Hub['events']['emit']>[0]) {
        pushEvent(data, e);
      },
      subscribe: () => () => undefined,
      preview: (text: string, chars: number) => text.slice(0, chars),
    },
    prompts: {
      list: () => [...pending.values()],
      get: (id: string) => pending.get(id),
      answer(id: string, answer: PromptAnswer) {
        const p = pending.get(id);
        if (!p) throw new Error(`no pending prompt ${id}`);
        pending.delete(id);
        hub.answers.push({ id, answer });
        if (answer.allow) data.integrations[p.userId] = { ...(data.integrations[p.userId] ?? {}), [p.type]: answer.credential };
      },
      on: () => undefined,
    },
    read: () => data,
    update: async (m: (d: StoreData) => void) => m(data),
    apps: () => hub.appList,
    secrets: {
      resolve: (name: string) => (name in hub.secretValues ? { value: hub.secretValues[name]!, source: 'store' } : undefined),
    },
    dispatch: () => Promise.reject(new Error('no app in the fake hub')),
    openPrompt(p: Partial<PendingPrompt> & { type: string }): PendingPrompt {
      const decl = integrations.find((i) => i.type === p.type);
      const prompt: PendingPrompt = {
        id: `prm_${randomBytes(4).toString('hex')}`,
        app: 'demo',
        userId: 'user_dev',
        sessionId: 'ses_1',
        mode: (decl?.mode ?? 'oauth') as PendingPrompt['mode'],
        reason: 'needed',
        scopes: decl?.scopes ?? [],
        fields: decl?.fields ?? [],
        createdAt: new Date().toISOString(),
        deadline: server.clock.now() + 300_000,
        ...p,
      };
      pending.set(prompt.id, prompt);
      return prompt;
    },
  } as unknown as FakeHub;
  hub.service = register(hub);
  return hub;
}

/** GET without following redirects. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers });
}

/** POST a form without following redirects. */
export function postForm(url: string, body: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const x of ([] as string[]).concat(v)) form.append(k, x);
  return fetch(url, { method: 'POST', redirect: 'manual', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
}

export function location(r: Response, base: string): URL {
  const l = r.headers.get('location');
  if (!l) throw new Error(`expected a redirect, got ${r.status}`);
  return new URL(l, base);
}
