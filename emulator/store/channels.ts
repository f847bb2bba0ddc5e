// Named channels (`capsule-local channel create`), checked against the catalog's channel types and
// credential keys. Shared by the CLI, the emulator and the language server's quick fix.
import { randomBytes } from 'node:crypto';
import { catalog, nearest, type ChannelTypeInfo } from '../../catalog/catalog';
import type { StoreData, StoredChannel } from './schema';
import { channelNameProblem } from './names';
import { dict } from './dict';

export type NamedChannelType = StoredChannel['type'];

/** Channel types that can be created by name (the external ones with credentials). */
export function namedChannelTypes(): ChannelTypeInfo[] {
  return [...catalog.channels.values()].filter((c) => c.external && c.credentials);
}

/** Path of the channel's inbound webhook on the emulator, e.g. `/webhooks/telegram/<webhookId>`. */
export function channelWebhookPath(channel: Pick<StoredChannel, 'type' | 'webhookId'>): string {
  return `/webhooks/${channel.type}/${channel.webhookId}`;
}

export interface ChannelInput {
  name: string;
  type: string;
  credentials: Record<string, string>;
}

/** Everything wrong with a channel definition, each with what to type instead. Empty when valid. */
export function channelProblems(input: ChannelInput, data?: StoreData): string[] {
  const problems: string[] = [];
  const nameProblem = channelNameProblem(input.name);
  if (nameProblem) problems.push(nameProblem);
  const types = namedChannelTypes();
  const info = types.find((t) => t.type === input.type);
  if (!info) {
    const guess = nearest(input.type, types.map((t) => t.type));
    problems.push(
      `unknown channel type "${input.type}": use one of ${types.map((t) => t.type).join(', ')}` +
        (guess ? ` (did you mean --type ${guess}?)` : ''),
    );
    return problems;
  }
  const keys = info.credentials ?? {};
  for (const [key, value] of Object.entries(input.credentials)) {
    if (!(key in keys)) {
      const guess = nearest(key, Object.keys(keys));
      problems.push(
        `${info.title} channels have no credential "${key}"` +
          (guess ? ` (did you mean -c ${guess}=...?)` : '') +
          `; known keys: ${Object.keys(keys).join(', ')}`,
      );
    } else if (value === '') {
      problems.push(`credential ${key} is empty: give it a value, e.g. -c ${key}=...`);
    }
  }
  const missing = Object.entries(keys)
    .filter(([k, v]) => v.required && !(k in input.credentials))
    .map(([k]) => k);
  if (missing.length) {
    problems.push(
      `${info.title} channels need ${missing.join(' and ')}: add ${missing.map((k) => `-c ${k}=...`).join(' ')}` +
        ` (${missing.map((k) => `${k}: ${keys[k]!.doc}`).join('; ')})`,
    );
  }
  const existing = data?.channels[input.name];
  if (existing) {
    problems.push(
      `channel "${input.name}" already exists (${existing.type}, id ${existing.id}); ` +
        `remove it first with \`capsule-local channel rm ${input.name}\``,
    );
  }
  return problems;
}

/** Builds the stored record (ids generated here, outside any mutator). Validate first. */
export function newChannel(input: ChannelInput, now = new Date()): StoredChannel {
  return {
    id: `ch_${randomBytes(8).toString('hex')}`,
    webhookId: randomBytes(12).toString('hex'),
    type: input.type as NamedChannelType,
    credentials: dict(input.credentials),
    createdAt: now.toISOString(),
  };
}

/**
 * The credential that authenticates the channel's webhook requests (Slack's signing_secret,
 * Telegram's secret_token, WhatsApp's app_secret), or undefined when the channel has none set:
 * then anyone who knows the webhook URL can post to it.
 */
export function webhookAuthKey(channel: Pick<StoredChannel, 'type' | 'credentials'>): string | undefined {
  const key = catalog.channels.get(channel.type)?.webhookAuth;
  return key && channel.credentials[key] ? key : undefined;
}

/** The credential a channel type would use to authenticate its webhooks (for advice). */
export function webhookAuthKeyOf(type: string): string | undefined {
  return catalog.channels.get(type)?.webhookAuth;
}

/** Whether a credential key holds a secret (masked in listings, left out of exports). */
export function isSecretCredential(type: string, key: string): boolean {
  // Unknown keys are treated as secret: masking too much is the safe mistake.
  return catalog.channels.get(type)?.credentials?.[key]?.secret ?? true;
}

export function maskCredential(type: string, key: string, value: string): string {
  if (!isSecretCredential(type, key)) return value;
  return value.length >= 16 ? `${'*'.repeat(8)}${value.slice(-4)}` : '*'.repeat(8);
}
