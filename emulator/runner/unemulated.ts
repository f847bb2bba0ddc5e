// What an app declares that Capsule Local does not provide yet, said by name when the app starts
// (serve's output and the event log), so that nothing fails silently. One entry per feature:
//   filesystems: the platform mounts each managed filesystem into the app's container; nothing
//     is mounted at those paths here, so the app's reads and writes there fail;
//   pages: the platform's web app renders the app's pages (`@app.page`, `add_page`, the home
//     body, the onboarding and chat pages, workflow screens) and applies its theme; the emulator
//     serves the data behind them (data handlers, collections, settings, actions), not the pages.

export interface Unemulated {
  feature: 'filesystems' | 'pages';
  /** The sentence after "<app>: ". */
  summary: string;
  detail: Record<string, unknown>;
}

const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '?');

function filesystems(config: Record<string, unknown>): Unemulated | undefined {
  const declared = record(config.filesystems);
  if (!declared) return undefined;
  const mounts = Object.entries(declared).map(([path, fs]) => `${path} (${str(record(fs)?.name)})`);
  if (!mounts.length) return undefined;
  return {
    feature: 'filesystems',
    summary: `managed filesystems are not mounted in Capsule Local yet: ${mounts.join(', ')}; reading or writing under ${mounts.length > 1 ? 'those paths' : 'that path'} fails here (on Capsule the platform mounts it)`,
    detail: { filesystems: declared },
  };
}

function pages(config: Record<string, unknown>): Unemulated | undefined {
  const shown: string[] = list(config.pages).map((p) => `${str(record(p)?.name)} (/${str(record(p)?.route)})`);
  if (record(config.home)?.widget_tree) shown.push('the home body');
  if (record(config.onboarding)) shown.push('the onboarding page');
  if (record(config.chat)) shown.push('the chat page');
  const workflows = list(config.workflows).map((w) => str(record(w)?.name));
  if (workflows.length) shown.push(`the workflow screens of ${workflows.join(', ')}`);
  if (record(config.theme)) shown.push('the theme');
  if (!shown.length) return undefined;
  return {
    feature: 'pages',
    summary: `the platform's web app renders ${shown.join(', ')}; Capsule Local does not render pages yet: the data behind them (data handlers, collections, settings, actions, workflow messages) works here, through the API, the CLI and the dashboard`,
    detail: { pages: shown },
  };
}

/** The features the app's Register config declares that are not emulated, in a stable order. */
export function unemulatedFeatures(config: Record<string, unknown> | undefined): Unemulated[] {
  if (!config) return [];
  return [filesystems(config), pages(config)].filter((u): u is Unemulated => u !== undefined);
}
