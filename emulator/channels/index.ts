// The channels module: the built-in web chat, the named channels' webhooks, their simulators and
// the shared page assets. Registered through emulator/modules.ts.
import type { Hub } from '../hub';
import { registerBackgroundDelivery } from './background';
import { registerSimulators } from './simulator';
import { registerMedia } from './static';
import { registerWebChat } from './webchat';
import { registerWebhooks } from './webhooks';

export function registerChannels(hub: Hub): void {
  registerMedia(hub.protectedRouter);
  registerWebhooks(hub);
  registerBackgroundDelivery(hub);
  registerWebChat(hub);
  registerSimulators(hub);
}
