// The emulator's optional modules. The gateway calls each entry here once, in order, after it
// listens (so `hub.url` is set) and before it writes the discovery file; a module mounts its
// routes on `hub.protectedRouter` / `hub.publicRouter` and subscribes to hub events. Each module
// adds its own one line below.
import type { Hub } from './hub';
import { registerChannels } from './channels';
import { registerDashboard } from './dashboard';
import { register as registerIntegrations } from './integrations';
import { registerPages } from './pages';

export type EmulatorModule = {
  name: string;
  register(hub: Hub): void | Promise<void>;
};

export const modules: EmulatorModule[] = [
  { name: 'channels', register: (hub) => (registerChannels(hub), registerDashboard(hub)) },
  { name: 'integrations', register: (hub) => void registerIntegrations(hub) },
  { name: 'pages', register: registerPages },
];
