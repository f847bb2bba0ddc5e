// What an app declares that Capsule Local does not provide yet, said by name when the app starts
// (serve's output and the event log), so that nothing fails silently. One entry per feature:
//   filesystems: the platform mounts each managed filesystem into the app's container; nothing
//     is mounted at those paths here, so the app's reads and writes there fail;
//   pages: the platform's web app renders the app's pages and applies its theme. The emulator
//     renders the cpsl.ui pages, the home body, the workflows' screens, the chat page and the
//     onboarding page (emulator/pages/) except the widget types it does not draw, and the React
//     pages (`add_page`) and a React onboarding (`add_onboarding`) with its React build and
//     @capsule/page kit (pages/react.ts) except the npm packages they declare (`packages=`), which
//     the platform serves; the theme's colours, fonts and radius are applied to both (the page
//     view's content area, useTheme), its branding (logo, tagline, favicon, the link-preview
//     fields) to neither: the platform's sidebar and head show those. The line names what is
//     not, and where the rendered ones are; and a workflow screen's
//     ui.FileInput or ui.ImageInput, which is drawn but whose file is not sent (the SDK does not
//     say what a workflow's input holds for a file).

import { pagePackages } from '../pages/react';
import { chatPagePath, dataSourceNames, declaredChatPage, declaredOnboarding, declaredWorkflows, homeTree, onboardingPath, pagePath, unrenderedIn, unsentIn, workflowPath } from '../pages/widgets';

export interface Unemulated {
  feature: 'filesystems' | 'pages';
  /** The sentence after "<app>: ". */
  summary: string;
  detail: Record<string, unknown>;
}

/** The theme's fields the platform shows in its sidebar and page head, which the emulator has not. */
const BRANDING = ['logo', 'logo_background', 'tagline', 'title', 'description', 'site_name', 'preview_image', 'favicon'];
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

function pages(config: Record<string, unknown>, app: string): Unemulated | undefined {
  const declared = { pages: config.pages, home: config.home };
  const rendered: string[] = [];
  const shown: string[] = [];
  const unsent: string[] = [];
  let unsentCount = 0;
  const dataSources = dataSourceNames(config);
  for (const p of list(config.pages)) {
    const r = record(p);
    const name = str(r?.name);
    if (r?.type === 'dsl' && typeof r.route === 'string') {
      rendered.push(`${name} at ${pagePath(app, r.route)}`);
      const missing = unrenderedIn(r.widget_tree, dataSources);
      if (missing.length) shown.push(`${missing.join(', ')} in ${name}`);
    } else if (r?.type === 'react' && typeof r.route === 'string' && typeof r.component === 'string') {
      // A React page: drawn with the emulator's React and @capsule/page kit (pages/react.ts),
      // except the npm packages the platform serves.
      rendered.push(`${name} at ${pagePath(app, r.route)}`);
      const packages = pagePackages(list(r.packages).filter((x): x is string => typeof x === 'string'));
      if (packages.length) shown.push(`the npm packages ${packages.join(', ')} in ${name} (packages=: served by the platform, not available offline)`);
    } else shown.push(`${name} (/${str(r?.route)})`);
  }
  const home = homeTree(config);
  if (home) {
    rendered.push(`the home body at ${pagePath(app)}`);
    const missing = unrenderedIn(home, dataSources);
    if (missing.length) shown.push(`${missing.join(', ')} in the home body`);
  }
  const chat = declaredChatPage(config);
  if (chat) {
    rendered.push(`the chat page at ${chatPagePath(app)}`);
    const missing = unrenderedIn(chat.widget_tree, dataSources, 'chat');
    if (missing.length) shown.push(`${missing.join(', ')} in the chat page`);
  } else if (record(config.chat)) shown.push('the chat page (no widget tree)');
  const onboarding = declaredOnboarding(config);
  if (onboarding?.type === 'dsl' && onboarding.widget_tree) {
    rendered.push(`the onboarding page at ${onboardingPath(app)}`);
    const missing = unrenderedIn(onboarding.widget_tree, dataSources, 'onboarding');
    if (missing.length) shown.push(`${missing.join(', ')} in the onboarding page`);
  } else if (onboarding?.type === 'react' && onboarding.component) {
    rendered.push(`the onboarding page at ${onboardingPath(app)}`);
    const packages = pagePackages(onboarding.packages);
    if (packages.length) shown.push(`the npm packages ${packages.join(', ')} in the onboarding page (packages=: served by the platform, not available offline)`);
  } else if (onboarding) shown.push('the onboarding page');
  for (const w of declaredWorkflows(config)) {
    rendered.push(`the screen of ${w.name} at ${workflowPath(app, w.name)}`);
    const missing = record(w.widget_tree) ? unrenderedIn(w.widget_tree, dataSources, 'workflow') : [];
    if (missing.length) shown.push(`${missing.join(', ')} in the screen of ${w.name}`);
    const files = record(w.widget_tree) ? unsentIn(w.widget_tree) : [];
    if (files.length) unsent.push(`${files.join(', ')} in the screen of ${w.name}`);
    unsentCount += files.length;
  }
  const theme = record(config.theme);
  const branding = theme ? BRANDING.filter((k) => typeof theme[k] === 'string' && theme[k]) : [];
  if (branding.length) shown.push(`the theme's ${branding.join(', ')} (its colours, fonts and radius are applied)`);
  if (!shown.length && !rendered.length) return undefined;
  const here = rendered.length ? `Capsule Local renders ${rendered.join(', ')} (signed in, linked from the dashboard)` : '';
  const summary = shown.length
    ? `the platform's web app renders ${shown.join(', ')}; Capsule Local does not render ${shown.length > 1 ? 'those' : 'that'} yet: the data behind them (data handlers, collections, settings, actions, workflow messages) works here, through the API, the CLI and the dashboard${here ? `. ${here}` : ''}`
    : here;
  // A file field is drawn, but what a workflow's input holds for a file is not in the SDK: said.
  const files = unsent.length
    ? `; ${unsent.join(', ')} ${unsentCount > 1 ? 'are' : 'is'} drawn, but a chosen file is not sent to the workflow (the SDK does not say what a workflow's input holds for a file)`
    : '';
  return { feature: 'pages', summary: summary + files, detail: { notRendered: shown, rendered, declared, ...(unsent.length ? { filesNotSent: unsent } : {}) } };
}

/** The features the app's Register config declares that are not emulated, in a stable order. */
export function unemulatedFeatures(config: Record<string, unknown> | undefined, app = '?'): Unemulated[] {
  if (!config) return [];
  return [filesystems(config), pages(config, app)].filter((u): u is Unemulated => u !== undefined);
}
