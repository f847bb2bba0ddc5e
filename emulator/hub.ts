// The seams between the emulator's modules. The gateway builds one Hub; channels and integrations
// receive it and register their routes on it. Nothing below emulator/ imports from server/ or
// client/.
import type { Router } from 'express';
import type { Asks } from './gateway/asks';
import type { StoreData, StoredIntegration, StoredSession } from './store/schema';
import type { HistoryOutline } from './store/app-tables';

/** A message entering the app from any channel (web chat, API, Telegram, Slack, WhatsApp). */
export interface InboundInput {
  app?: string; // app name; default: the only app served
  channelType: string; // chat | api | telegram | slack | whatsapp
  channelName?: string; // named channel for external channels
  userId: string; // persona id or channel-scoped id (`telegram:123`)
  userEmail?: string;
  /** Continue this session; otherwise a session is found by sessionKey or created. */
  sessionId?: string;
  /** Stable key for external conversations (e.g. `telegram:<channel>:<chat id>`). */
  sessionKey?: string;
  text: string;
  chatName?: string;
  /** A new session's creation-time data (`initial_data_json`: a React page's `useChat(..., {context})`). */
  initialDataJson?: string;
  attachments?: Array<{ filename: string; content_type: string; url: string; size: number }>;
  /**
   * An action instead of a message (`action_name` and `action_payload_json` on the wire; see
   * gateway/actions.ts): `text` is empty, no user message enters the history, and `label` is what
   * the event log says was triggered.
   */
  action?: { name: string; payloadJson: string; label: string };
}

/** What the app sends back for one inbound message, in order. */
export type OutboundEvent =
  | { kind: 'delta'; requestId: string; text: string } // streamed text (SubmitResult done=false)
  | { kind: 'reply'; requestId: string; text: string } // a complete reply() message
  | { kind: 'notify'; requestId: string; text: string; detail?: string; blockJson?: string }
  | { kind: 'block'; requestId: string; block: { id: string; type: string; payload: unknown } }
  | { kind: 'done'; requestId: string; error?: string };

export interface Turn {
  sessionId: string;
  requestId: string;
  /** Resolves when the handler has finished (done), with everything it sent. */
  finished: Promise<{ reply: string; blocks: unknown[]; error?: string }>;
  /** Live events; the listener is called for each in order, also ones already emitted. */
  subscribe(listener: (e: OutboundEvent) => void): () => void;
  /**
   * Called when the app changes the session's data (or a collection) during the turn: the SDK's
   * `session_data_snapshot` and `widget_update` blocks, which the web app reads to refresh the
   * widgets over the session's data and which are not part of the conversation. A listener added
   * after a change is called once at once. (A hub without the real SDK's runner has none.)
   */
  onDataChanged?(listener: () => void): () => void;
}

export interface PendingPrompt {
  id: string;
  app: string;
  userId: string;
  sessionId?: string;
  type: string;
  mode: 'oauth' | 'secret' | 'pipedream';
  reason: string;
  scopes: string[];
  fields: string[];
  createdAt: string;
  deadline: number; // epoch ms on the hub's clock
}

export type PromptAnswer =
  | { allow: true; credential: StoredIntegration }
  | { allow: false };

export interface PromptBroker {
  list(): PendingPrompt[];
  get(id: string): PendingPrompt | undefined;
  /** Resolves the prompt: stores the credential for the user and releases WaitForIntegration. */
  answer(id: string, answer: PromptAnswer): void;
  on(event: 'created' | 'resolved', listener: (p: PendingPrompt) => void): void;
}

/** A clock the dashboard can move forward to fire timeouts and expiries without waiting. */
export interface Clock {
  now(): number; // epoch ms
  /** Throws a RangeError for a move that is not a bounded, non-negative number of ms (gateway/clock.ts). */
  advance(ms: number): void;
}

export interface EventBus {
  /** Appends to the store's event log and notifies live listeners (SSE). Never pass secret values. */
  emit(e: { kind: string; summary: string; app?: string; sessionId?: string; userId?: string; channel?: string; detail?: Record<string, unknown> }): void;
  subscribe(listener: (e: StoreData['events'][number]) => void): () => void;
  /**
   * User or app text as a summary quotes it: scrubbed first, then on one line and clipped to
   * `chars`, so that a cut never leaves the start of a secret value behind.
   */
  preview(text: string, chars: number): string;
}

export interface Hub {
  /** Base URL of the gateway, e.g. http://127.0.0.1:8790 */
  url: string;
  clock: Clock;
  events: EventBus;
  prompts: PromptBroker;
  /** The SDK's approval and file prompts (gateway/asks.ts); absent on a hub without them. */
  asks?: Asks;
  read(): StoreData;
  /** A session list's view of a session's history (count, last, first user message), read without loading it all. */
  outline(session: StoredSession): HistoryOutline;
  update(mutator: (data: StoreData) => void): Promise<void>;
  dispatch(input: InboundInput): Promise<Turn>;
  /**
   * An app's action (`@app.action`, a workflow's `@wf.action`) run in a session, as the web app
   * runs one for a click (gateway/actions.ts): its turn, or an error with an HTTP `status` (an
   * unknown app 404, a reserved name or a payload that is no object 400, the bundled runtime 409).
   * An action name the app does not know ends the turn with the SDK's error. Set by the gateway.
   */
  runAction?(input: { app?: string; name: string; payload: unknown; sessionId: string; userId: string }): Promise<Turn>;
  /** Apps currently served, with their declared integrations (from the runner's registration). */
  apps(): AppInfo[];
  /** Routes that need the session token (pages and APIs). */
  protectedRouter: Router;
  /** Routes a browser is sent to by a third party (OAuth authorize/consent, webhooks). */
  publicRouter: Router;
  /**
   * The workspace's secret resolver (store -> .env -> environment). The integrations module
   * resolves OAuth client ids and secrets through it; set by the gateway.
   */
  secrets?: { resolve(name: string): { value: string; source: string } | undefined };
  /**
   * Set by the integrations module: refreshes the user's expired OAuth tokens (as the platform
   * does) before the gateway hands integrations to the app. The gateway awaits it in GetSession
   * and GetUserIntegrations; it never throws (a failed refresh leaves the stored credential).
   */
  refreshIntegrations?: (userId: string) => Promise<void>;
  /**
   * Every outbound event of every session, in order, including those outside any turn (a notify
   * from a background task, a block shown after the handler returned). `inTurn` says whether a
   * Turn's subscribers see it too. Set by the gateway.
   */
  /** The app's collections (emulator/collections), opened on first use; set by the gateway. */
  collections?: { get(): import('./collections').CollectionsEngine; declared(): Array<{ app: string; name: string; scope: string }> };
  /** The store folder that holds the apps' managed filesystems, one folder per name (store/paths.ts); absent on a hub without a store. */
  filesystemsDir?(): string;
  /**
   * Changes of the app's data outside a turn's own signal too: collections written through
   * DataService, sessions' data saved. Pages follow it to read their data again. Set by the gateway.
   */
  dataChanges?: { subscribe(listener: (c: DataChange) => void): () => void; note(app: string, what: { sessionId?: string; collection?: boolean }): void };
  /** The session's fields: the stored one, or the new one an open turn has not written yet. */
  sessionHead?(sessionId: string): StoredSession | undefined;
  /** Makes the session's open turns visible in the store (before something writes it there). */
  flushSession?(sessionId: string): void;
  onOutbound?(listener: (e: OutboundEvent, ctx: { app: string; sessionId: string; channelType: string; inTurn: boolean }) => void): () => void;
}

/** One notice of the app's data changing (gateway/data-changes.ts), coalesced per app. */
export interface DataChange {
  app: string;
  /** The sessions whose `session.data` changed; null: too many to list (any session). */
  sessions: string[] | null;
  /** Whether a collection (settings and the KV store included) was written. */
  collections: boolean;
  /** The background tasks whose status changed, with their status now (ids and statuses only); null: too many to list (any task). */
  tasks: Array<{ id: string; status: string }> | null;
}

export interface AppInfo {
  name: string;
  /** The app id the gateway gives the app (`local_<folder>`): what its background tasks are kept under. */
  appId?: string;
  entry: string; // app.py:app
  integrations: Array<{ type: string; mode: string; scopes: string[]; fields: string[]; client_id_secret?: string; client_secret_secret?: string }>;
  channels: unknown[];
  secrets: string[];
  dataSources: Array<{ name: string; access: string }>;
  endpoints: Array<{ method: string; path: string; authorized: boolean }>;
  status: 'starting' | 'running' | 'crashed' | 'stopped';
  /** Set while the app runs its previous version because the last reload failed (the error). */
  reloadError?: string;
  /** The real SDK (over the gRPC gateway) or the bundled runtime, and the SDK's version. */
  runtime: 'sdk' | 'bundled';
  sdk?: string;
  /** What else the app declares (pages, collections, settings, workflows, tasks, schedules, theme...), by kind. */
  declarations: Record<string, unknown>;
}
