// The shape of the store in memory: store.json's configuration (secrets, channels, personas,
// integrations) and the app's data the database holds (sessions, kv, events; app-tables.ts). Bump
// SCHEMA_VERSION and add a migration in migrate.ts when the shape changes. Secret values live only in `secrets[*].value`
// and are never copied into events, exports (without --include-secrets) or logs.

import { dict } from './dict';

export const SCHEMA_VERSION = 2;

export interface StoredSecret {
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface StoredChannel {
  id: string;
  webhookId: string;
  type: 'telegram' | 'slack' | 'whatsapp';
  credentials: Record<string, string>;
  createdAt: string;
}

/** A simulated end user. Channel users get channel-scoped ids such as `telegram:12345`. */
export interface Persona {
  id: string;
  name: string;
  email?: string;
  orgId?: string;
}

/** What the platform would hand the app as `IntegrationCredentials`, plus the OAuth bookkeeping. */
export interface StoredIntegration {
  type: string;
  mode: 'oauth' | 'secret' | 'pipedream';
  accessToken: string;
  tokenType: string;
  scopes: string[];
  expiresAt: number; // epoch seconds, 0 = none
  fields: Record<string, string>;
  refreshToken?: string;
  connectedAt: string;
  account?: string;
}

export interface HistoryItem {
  text: string;
  sender: 'user' | 'app' | 'system' | 'block';
  channelType: string;
  timestamp: number; // epoch seconds
  blockJson?: string;
  requestId?: string;
}

export interface StoredSession {
  id: string;
  app: string;
  userId: string;
  channelType: string;
  channelName?: string;
  chatName?: string;
  /** A chat page's thread (`@app.chat_page(mode="single", thread_key=...)`): the key it was created for. */
  threadKey?: string;
  createdAt: string;
  updatedAt: string;
  history: HistoryItem[];
  dataJson: string;
  /** Revision of dataJson for the SDK's compare-and-set (SessionService.SaveSessionData); absent = 0. */
  dataRevision?: number;
}

export interface StoredEvent {
  seq: number;
  at: string;
  kind: string; // inbound, reply, block, notify, secret, prompt, data, endpoint, runner, ...
  app?: string;
  sessionId?: string;
  userId?: string;
  channel?: string;
  summary: string;
  detail?: Record<string, unknown>;
}

export interface StoreData {
  schemaVersion: number;
  secrets: Record<string, StoredSecret>;
  channels: Record<string, StoredChannel>;
  personas: Persona[];
  /** userId → integration type → credentials */
  integrations: Record<string, Record<string, StoredIntegration>>;
  sessions: Record<string, StoredSession>;
  /** scope key (`session:<id>`, `user:<id>`, `owner:<id>`, `app:<app>`) → key → JSON text */
  kv: Record<string, Record<string, string>>;
  events: StoredEvent[];
  eventSeq: number;
}

export function emptyStore(): StoreData {
  return {
    schemaVersion: SCHEMA_VERSION,
    secrets: dict(),
    channels: dict(),
    personas: [{ id: 'user_dev', name: 'Dev', email: 'dev@localhost' }],
    integrations: dict(),
    sessions: dict(),
    kv: dict(),
    events: [],
    eventSeq: 0,
  };
}
