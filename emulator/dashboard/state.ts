// What the dashboard shows, gathered from the hub: apps, sessions, channels, personas, secrets
// (names and where they come from, never values), integrations per user (no tokens) and pending
// prompts.
import type { Hub } from '../hub';
import { channelSummary } from '../channels/simulator';
import type { StoredSession } from '../store/schema';

export function sessionRow(hub: Hub, s: StoredSession) {
  const { messages, last } = hub.outline(s);
  return {
    id: s.id,
    app: s.app,
    userId: s.userId,
    channelType: s.channelType,
    channelName: s.channelName ?? null,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    messages,
    last: last ? `${last.sender}: ${last.text || (last.blockJson ? '(block)' : '')}`.slice(0, 90) : '',
  };
}

export function dashboardState(hub: Hub) {
  const d = hub.read();
  const apps = hub.apps();
  // Secret names: the store's, plus those apps declare; the source of each is where the store or
  // the last resolution event says it came from.
  const lastSource = new Map<string, string>();
  for (const e of d.events) {
    const det = e.detail as { name?: unknown; source?: unknown } | undefined;
    if (e.kind === 'secret' && typeof det?.name === 'string' && typeof det.source === 'string') lastSource.set(det.name, det.source);
  }
  const names = new Set<string>(Object.keys(d.secrets));
  for (const a of apps) for (const s of a.secrets) names.add(s);
  // OAuth client ids and secrets given as secret names (`Secret.from_name("NAME")`) are secrets too.
  const clientOf = new Map<string, string[]>();
  for (const a of apps) {
    for (const i of a.integrations) {
      for (const s of [i.client_id_secret, i.client_secret_secret]) {
        if (!s || !/^[A-Z][A-Z0-9_]*$/.test(s)) continue;
        names.add(s);
        clientOf.set(s, [...(clientOf.get(s) ?? []), `${a.name} (${i.type} client)`]);
      }
    }
  }
  const secrets = [...names].sort().map((name) => {
    // Resolved now (store, .env, environment): a name no source defines has no value to mask.
    const resolved = hub.secrets ? hub.secrets.resolve(name) : d.secrets[name] ? { source: 'store' } : undefined;
    return {
      name,
      source: resolved?.source ?? (d.secrets[name] ? 'store' : (lastSource.get(name) ?? null)),
      updatedAt: d.secrets[name]?.updatedAt ?? null,
      declaredBy: [...apps.filter((a) => a.secrets.includes(name)).map((a) => a.name), ...(clientOf.get(name) ?? [])],
      defined: !!resolved,
      value: resolved ? '••••••••' : null,
      howToDefine: resolved ? null : `capsule-local secret set ${name}`,
    };
  });
  const integrations = Object.entries(d.integrations).map(([userId, byType]) => ({
    userId,
    connections: Object.values(byType).map((c) => ({
      type: c.type,
      mode: c.mode,
      scopes: c.scopes,
      fields: Object.keys(c.fields),
      expiresAt: c.expiresAt,
      connectedAt: c.connectedAt,
      account: c.account ?? null,
    })),
  }));
  return {
    url: hub.url,
    now: hub.clock.now(),
    apps: apps.map((a) => ({ name: a.name, entry: a.entry, status: a.status, reloadError: a.reloadError ?? null, channels: a.channels, secrets: a.secrets, integrations: a.integrations.map((i) => ({ type: i.type, mode: i.mode, scopes: i.scopes })), dataSources: a.dataSources, endpoints: a.endpoints, runtime: a.runtime, sdk: a.sdk ?? null, declarations: a.declarations })),
    sessions: Object.values(d.sessions).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).map((s) => sessionRow(hub, s)),
    channels: Object.keys(d.channels).sort().map((n) => channelSummary(hub, n)),
    personas: d.personas,
    secrets,
    integrations,
    prompts: hub.prompts.list().map((p) => ({ id: p.id, app: p.app, userId: p.userId, type: p.type, mode: p.mode, reason: p.reason, expiresInSeconds: Math.max(0, Math.round((p.deadline - hub.clock.now()) / 1000)) })),
  };
}
