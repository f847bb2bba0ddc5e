// What an external channel (Telegram, Slack, WhatsApp) shows for a block: the SDK sends a text
// fallback for the block types listed in the catalog and nothing for the others, since those
// platforms cannot render cards.
import { catalog } from '../../catalog/catalog';

/** Text the platform would deliver for a block on an external channel, or undefined for none. */
export function externalFallback(block: { type: string; payload?: unknown }): string | undefined {
  const template = catalog.externalBlockFallbacks[block.type];
  if (template === undefined) return undefined;
  const payload = (block.payload && typeof block.payload === 'object' ? block.payload : {}) as Record<string, unknown>;
  return template.replace(/\{(\w+)\}/g, (_m, key: string) => {
    const v = payload[key];
    return v === undefined || v === null ? '' : String(v);
  });
}

/** Whether the channel type is external (not web chat or API), as the SDK decides. */
export function isExternalChannel(type: string): boolean {
  return !['', 'chat', 'api'].includes(type);
}
