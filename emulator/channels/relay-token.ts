// The emulator's own deliveries (simulators, the dashboard's replay) reach the webhook URLs over
// HTTP like anyone else's. A one-time random token in a header tells the webhook that a request
// came from the relay, so a header such as "replay of #12" is believed only from the emulator:
// anyone can add headers to a captured request, nobody can guess a token.
import { randomBytes } from 'node:crypto';
import type { Hub } from '../hub';

export const RELAY_TOKEN_HEADER = 'x-capsule-relay-token';

const issued = new WeakMap<Hub, Set<string>>();

function tokensOf(hub: Hub): Set<string> {
  let s = issued.get(hub);
  if (!s) issued.set(hub, (s = new Set()));
  return s;
}

/** A token for one delivery; `done` forgets it if the request never reached the webhook. */
export function issueRelayToken(hub: Hub): { token: string; done: () => void } {
  const token = randomBytes(18).toString('base64url');
  const tokens = tokensOf(hub);
  tokens.add(token);
  return { token, done: () => tokens.delete(token) };
}

/** True once for a token the relay issued; false for anything else. */
export function consumeRelayToken(hub: Hub, value: unknown): boolean {
  return typeof value === 'string' && tokensOf(hub).delete(value);
}
