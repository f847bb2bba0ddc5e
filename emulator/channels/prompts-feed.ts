// Integration prompts as the chat page needs them: which pending prompt belongs to a block that a
// turn just showed, and how it ended. The broker only supports adding listeners, so one listener
// per hub fans out to the open chat streams.
import type { Hub, PendingPrompt } from '../hub';

type Listener = (event: 'created' | 'resolved', p: PendingPrompt) => void;

const feeds = new WeakMap<Hub, Set<Listener>>();

export function promptFeed(hub: Hub): { add(l: Listener): () => void } {
  let set = feeds.get(hub);
  if (!set) {
    const listeners = new Set<Listener>();
    set = listeners;
    feeds.set(hub, listeners);
    hub.prompts.on('created', (p) => listeners.forEach((l) => l('created', p)));
    hub.prompts.on('resolved', (p) => listeners.forEach((l) => l('resolved', p)));
  }
  const s = set;
  return {
    add(l) {
      s.add(l);
      return () => s.delete(l);
    },
  };
}

export type PromptOutcome = 'connected' | 'declined' | 'timed out';

/** After a prompt is resolved: connected if the user now holds the integration, else why not. */
export function promptOutcome(hub: Hub, p: PendingPrompt): PromptOutcome {
  if (hub.read().integrations[p.userId]?.[p.type]) return 'connected';
  return hub.clock.now() >= p.deadline ? 'timed out' : 'declined';
}

export function matchesPrompt(p: PendingPrompt, sessionId: string, userId: string, type: string): boolean {
  return p.type === type && (p.sessionId ? p.sessionId === sessionId : p.userId === userId);
}
