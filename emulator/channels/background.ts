// Messages an app sends to an external session outside any turn (a background task's notify or
// reply after the handler returned) still reach the platform, as on the hosted gateway. The
// conversation is known from the session's last inbound message in this emulator run.
import type { Hub } from '../hub';
import { conversationTargets, formatterFor } from './conversation';
import { externalFallback, isExternalChannel } from './fallbacks';
import { recordOutbound } from './outbox';

export function registerBackgroundDelivery(hub: Hub): void {
  hub.onOutbound?.((e, ctx) => {
    if (ctx.inTurn || !isExternalChannel(ctx.channelType)) return;
    let text: string | undefined;
    let source: 'reply' | 'notify' | 'block' = 'reply';
    if (e.kind === 'reply' || e.kind === 'notify') {
      text = e.text;
      source = e.kind;
    } else if (e.kind === 'block') {
      text = externalFallback(e.block);
      source = 'block';
    }
    if (!text) return;
    const target = conversationTargets(hub).get(ctx.sessionId);
    if (!target) {
      hub.events.emit({
        kind: 'error',
        app: ctx.app,
        sessionId: ctx.sessionId,
        channel: ctx.channelType,
        summary: `a ${e.kind} for ${ctx.channelType} session ${ctx.sessionId} was not delivered: its conversation is unknown since the emulator restarted (a new message from the user restores it)`,
        // The channel by its name, as on the conversation's other events.
        detail: { channelType: ctx.channelType, channelName: hub.read().sessions[ctx.sessionId]?.channelName },
      });
      return;
    }
    const { channel, channelName, msg } = target;
    recordOutbound(hub, {
      ...formatterFor(channel, msg.replyTo)(text),
      channel: channelName,
      channelType: channel.type,
      conversation: msg.conversation,
      userId: msg.userId,
      sessionId: ctx.sessionId,
      app: ctx.app,
      source,
      blockType: e.kind === 'block' ? e.block.type : undefined,
    });
  });
}
