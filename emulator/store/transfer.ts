// Export, import and reset of a store. Exports leave out every secret value unless asked: store
// secrets keep their names with `"value": null`, channel credentials marked secret in the catalog
// become null, and connected integrations lose their tokens and form fields (also null).
import { SCHEMA_VERSION, emptyStore, type StoreData, type StoredChannel, type StoredIntegration, type StoredSecret, type StoredSession } from './schema';
import { dict, toDicts } from './dict';
import { upgrade, validateStoreShape } from './migrate';
import { isSecretCredential } from './channels';
import { StoreError } from './errors';
import { jsonErrorPlace } from './load';

export const EXPORT_FORMAT = 'capsule-local-store-export';
export const EXPORT_FORMAT_VERSION = 1;

export type ExportedSecret = Omit<StoredSecret, 'value'> & { value: string | null };
export type ExportedChannel = Omit<StoredChannel, 'credentials'> & { credentials: Record<string, string | null> };
export type ExportedIntegration = Omit<StoredIntegration, 'accessToken' | 'refreshToken' | 'fields'> & {
  accessToken: string | null;
  refreshToken?: string | null;
  fields: Record<string, string | null>;
};

export interface ExportedData extends Omit<StoreData, 'secrets' | 'channels' | 'integrations'> {
  secrets: Record<string, ExportedSecret>;
  channels: Record<string, ExportedChannel>;
  integrations: Record<string, Record<string, ExportedIntegration>>;
}

export interface StoreExport {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  exportedAt: string;
  schemaVersion: number;
  includesSecrets: boolean;
  data: ExportedData;
}

export function buildExport(data: StoreData, options: { includeSecrets?: boolean; now?: Date } = {}): StoreExport {
  const include = options.includeSecrets === true;
  const copy = structuredClone(data) as unknown as ExportedData;
  if (!include) {
    for (const s of Object.values(copy.secrets)) s.value = null;
    for (const c of Object.values(copy.channels)) {
      for (const key of Object.keys(c.credentials)) if (isSecretCredential(c.type, key)) c.credentials[key] = null;
    }
    for (const byType of Object.values(copy.integrations)) {
      for (const i of Object.values(byType)) {
        i.accessToken = null;
        if (i.refreshToken !== undefined) i.refreshToken = null;
        for (const k of Object.keys(i.fields)) i.fields[k] = null;
      }
    }
  }
  return {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: (options.now ?? new Date()).toISOString(),
    schemaVersion: SCHEMA_VERSION,
    includesSecrets: include,
    data: copy,
  };
}

/** Parses and checks an export file's text; brings older schema versions up to date. */
export function parseExport(file: string, text: string): StoreExport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new StoreError('corrupt', file, `${file} is not valid JSON${jsonErrorPlace(text, e)}; nothing was imported`);
  }
  const exp = parsed as Partial<StoreExport>;
  if (typeof exp !== 'object' || exp === null || exp.format !== EXPORT_FORMAT) {
    throw new StoreError(
      'corrupt',
      file,
      `${file} is not a Capsule Local export (expected "format": "${EXPORT_FORMAT}"); nothing was imported. ` +
        'To load secrets from a .env file use `capsule-local secret import FILE`.',
    );
  }
  if (typeof exp.formatVersion !== 'number' || exp.formatVersion > EXPORT_FORMAT_VERSION) {
    throw new StoreError('too-new', file, `${file} was written by a newer Capsule Local (export format ${String(exp.formatVersion)}); update Capsule Local to import it`);
  }
  const raw = { ...(exp.data as object), schemaVersion: exp.schemaVersion };
  const { data } = upgrade(file, raw);
  try {
    validateStoreShape(file, data, true);
  } catch (e) {
    throw e instanceof StoreError ? new StoreError('corrupt', file, `${e.message.replace(/ It was left untouched\..*$/s, '')} Nothing was imported.`) : e;
  }
  return { ...(exp as StoreExport), data: data as unknown as ExportedData };
}

export type ImportMode = 'merge' | 'replace';

export interface ImportReport {
  mode: ImportMode;
  secrets: { imported: string[]; keptLocalValue: string[]; skippedNoValue: string[] };
  channels: { imported: string[]; keptLocalCredentials: string[]; skippedNoCredentials: string[] };
  integrations: { imported: number; skippedNoToken: number };
  personas: number;
  sessions: number;
  kvKeys: number;
  events: number;
}

/**
 * Applies an export to `data` (a store mutator: deterministic, safe to re-run).
 * merge: entries of the export replace local entries with the same key; other local entries stay;
 *        the export's events are appended to the local log.
 * replace: the store becomes the export.
 * Either way, a secret, credential or token the export does not carry (null) keeps the local
 * value when there is one; otherwise that entry is skipped and listed in the report.
 */
export function applyImport(data: StoreData, exp: StoreExport, mode: ImportMode): ImportReport {
  // A copy: the store must not share objects with the export (the mutator may run again).
  const src = structuredClone(exp.data);
  const local = mode === 'replace' ? { ...data } : data;
  const out: StoreData = mode === 'replace' ? { ...emptyStore(), personas: [], eventSeq: data.eventSeq } : data;
  const report: ImportReport = {
    mode,
    secrets: { imported: [], keptLocalValue: [], skippedNoValue: [] },
    channels: { imported: [], keptLocalCredentials: [], skippedNoCredentials: [] },
    integrations: { imported: 0, skippedNoToken: 0 },
    personas: 0,
    sessions: 0,
    kvKeys: 0,
    events: 0,
  };
  const localSecrets = local.secrets;
  const localChannels = local.channels;
  const localIntegrations = local.integrations;

  const secrets: Record<string, StoredSecret> = mode === 'replace' ? dict() : out.secrets;
  for (const [name, s] of Object.entries(src.secrets)) {
    if (s.value !== null) {
      secrets[name] = { ...s, value: s.value };
      report.secrets.imported.push(name);
    } else if (localSecrets[name]) {
      secrets[name] = { ...s, value: localSecrets[name].value };
      report.secrets.keptLocalValue.push(name);
    } else {
      report.secrets.skippedNoValue.push(name);
    }
  }

  const channels: Record<string, StoredChannel> = mode === 'replace' ? dict() : out.channels;
  for (const [name, c] of Object.entries(src.channels)) {
    const mine = localChannels[name];
    const creds: Record<string, string> = dict();
    let complete = true;
    let usedLocal = false;
    for (const [key, value] of Object.entries(c.credentials)) {
      if (value !== null) creds[key] = value;
      else if (mine && mine.type === c.type && mine.credentials[key] !== undefined) {
        creds[key] = mine.credentials[key];
        usedLocal = true;
      } else complete = false;
    }
    if (!complete) {
      report.channels.skippedNoCredentials.push(name);
      if (mine && mode === 'replace') channels[name] = mine;
      continue;
    }
    channels[name] = { ...c, credentials: creds };
    (usedLocal ? report.channels.keptLocalCredentials : report.channels.imported).push(name);
  }

  const integrations: StoreData['integrations'] = mode === 'replace' ? dict() : out.integrations;
  for (const [user, byType] of Object.entries(src.integrations)) {
    for (const [type, i] of Object.entries(byType)) {
      const mine = localIntegrations[user]?.[type];
      const redacted = i.accessToken === null || Object.values(i.fields).some((v) => v === null);
      let stored: StoredIntegration | undefined;
      if (!redacted) stored = { ...i, accessToken: i.accessToken!, fields: i.fields as Record<string, string>, refreshToken: i.refreshToken ?? undefined };
      else if (mine) stored = mine;
      if (!stored) {
        report.integrations.skippedNoToken++;
        continue;
      }
      if (stored.refreshToken === undefined) delete stored.refreshToken;
      (integrations[user] ??= dict())[type] = stored;
      report.integrations.imported++;
    }
  }

  const personas = mode === 'replace' ? [] : out.personas;
  for (const p of src.personas) {
    const at = personas.findIndex((q) => q.id === p.id);
    if (at >= 0) personas[at] = p;
    else personas.push(p);
    report.personas++;
  }
  if (!personas.length) personas.push(...emptyStore().personas);

  const sessions = mode === 'replace' ? dict<StoredSession>() : out.sessions;
  for (const [id, s] of Object.entries(src.sessions)) {
    sessions[id] = s;
    report.sessions++;
  }

  const kv = mode === 'replace' ? dict<Record<string, string>>() : out.kv;
  for (const [scope, entries] of Object.entries(src.kv)) {
    const target = (kv[scope] ??= dict());
    for (const [k, v] of Object.entries(entries)) {
      target[k] = v;
      report.kvKeys++;
    }
  }

  // Events keep their order and get fresh sequence numbers after the local ones.
  const events = mode === 'replace' ? [] : out.events;
  let seq = Math.max(data.eventSeq, 0);
  for (const e of src.events) {
    events.push({ ...e, seq: ++seq });
    report.events++;
  }

  Object.assign(data, { ...out, schemaVersion: SCHEMA_VERSION, secrets, channels, integrations, personas, sessions, kv, events, eventSeq: seq });
  toDicts(data);
  return report;
}

export interface ResetReport {
  all: boolean;
  removed: { sessions: number; personas: number; integrations: number; kvScopes: number; events: number; secrets: number; channels: number };
}

/**
 * Empties the store's runtime state: sessions, key-value state, connected integrations, personas
 * (back to the default one) and the event log. Secrets and channels are configuration and stay,
 * unless `all`.
 */
export function applyReset(data: StoreData, options: { all?: boolean } = {}): ResetReport {
  const all = options.all === true;
  const removed = {
    sessions: Object.keys(data.sessions).length,
    personas: data.personas.length,
    integrations: Object.values(data.integrations).reduce((n, byType) => n + Object.keys(byType).length, 0),
    kvScopes: Object.keys(data.kv).length,
    events: data.events.length,
    secrets: all ? Object.keys(data.secrets).length : 0,
    channels: all ? Object.keys(data.channels).length : 0,
  };
  const fresh = emptyStore();
  Object.assign(data, {
    ...fresh,
    secrets: all ? dict() : data.secrets,
    channels: all ? dict() : data.channels,
    // Keep counting so that event sequence numbers never go backwards for live listeners.
    eventSeq: data.eventSeq,
  });
  toDicts(data);
  return { all, removed };
}

