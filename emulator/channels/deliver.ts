// Turns what the app sent for one inbound message into the platform API calls the real gateway
// would make on an external channel: streamed text is delivered once complete (these platforms
// have no streaming), notify is delivered as a message, and blocks become their text fallback.
import type { OutboundEvent, Turn } from '../hub';
import { externalFallback } from './fallbacks';
import type { NewOutbox } from './outbox';
import type { OutboundRequest } from './types';

export interface DeliveryTarget {
  /** Builds the platform call that sends `text` to the conversation. */
  format(text: string): OutboundRequest;
  /** Fields common to every record of this conversation (channel, type, conversation, user...). */
  base: Omit<NewOutbox, keyof OutboundRequest | 'source' | 'blockType' | 'sessionId'>;
  record(rec: NewOutbox): void;
}

/** Follows a turn until it is done; resolves with the number of messages recorded. */
export function deliverTurn(turn: Turn, target: DeliveryTarget): Promise<number> {
  return new Promise((resolve) => {
    let streamed = '';
    let count = 0;
    // The SDK sends a block's text fallback through notify; the local runtime may do so too.
    // A text already delivered in this turn as a fallback (or notify) is not delivered twice.
    const fallbacksSent = new Set<string>();
    const notifiesSent = new Set<string>();
    const send = (text: string, source: NewOutbox['source'], blockType?: string) => {
      if (!text) return;
      target.record({ ...target.base, ...target.format(text), source, blockType, sessionId: turn.sessionId });
      count++;
    };
    const flush = () => {
      if (streamed) send(streamed, 'stream');
      streamed = '';
    };
    let finished = false;
    let unsubscribe: (() => void) | undefined;
    const onEvent = (e: OutboundEvent) => {
      if (finished) return;
      if (e.kind !== 'delta') flush();
      switch (e.kind) {
        case 'delta':
          streamed += e.text;
          break;
        case 'reply':
          send(e.text, 'reply');
          break;
        case 'notify':
          if (fallbacksSent.has(e.text)) break;
          notifiesSent.add(e.text);
          send(e.text, 'notify');
          break;
        case 'block': {
          const text = externalFallback(e.block);
          if (text === undefined || notifiesSent.has(text)) break;
          fallbacksSent.add(text);
          send(text, 'block', e.block.type);
          break;
        }
        case 'done':
          if (e.error) send(e.error.startsWith('Runner error') ? e.error : `Runner error: ${e.error}`, 'error');
          finished = true;
          unsubscribe?.();
          resolve(count);
          break;
      }
    };
    unsubscribe = turn.subscribe(onEvent);
    if (finished) unsubscribe();
    // A turn that ends without a `done` event (runner gone) still releases the delivery.
    void turn.finished.then(
      () => onEvent({ kind: 'done', requestId: turn.requestId }),
      (err: unknown) => onEvent({ kind: 'done', requestId: turn.requestId, error: String(err) }),
    );
  });
}
