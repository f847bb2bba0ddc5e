// The cpsl.ui widget types (the `type` of each node of `ui.py`'s `to_dict()`), the class each
// comes from, and which of them the emulator's page view renders (media/pages.js). One home for
// that list: serve's start line (runner/unemulated.ts) names the ones an app uses that are not
// rendered, and the page view gets the same list from /api/pages/<app>, so the two never disagree.

/** `_type` → the SDK class that serializes to it (ui.py). */
export const WIDGET_CLASSES: Readonly<Record<string, string>> = Object.freeze({
  page: 'Page', row: 'Row', column: 'Column', card: 'Card', metric: 'Metric', table: 'Table',
  table_group: 'TableGroup', table_browser: 'TableBrowser', chart: 'Chart', text: 'Text',
  divider: 'Divider', image: 'Image', image_gallery: 'ImageGallery', video: 'Video',
  video_gallery: 'VideoGallery', action_card: 'ActionCard', button: 'Button',
  gallery_card: 'GalleryCard', toggle: 'Toggle', text_input: 'TextInput',
  number_input: 'NumberInput', select: 'Select', task_board: 'TaskBoard',
  file_browser: 'FileBrowser', chat_panel: 'ChatPanel', workflow_shell: 'WorkflowShell',
  form_section: 'FormSection', text_area: 'TextArea', file_input: 'FileInput',
  image_input: 'ImageInput', url_input: 'UrlInput', url_list_input: 'UrlListInput',
  checkbox_group: 'CheckboxGroup', submit_button: 'SubmitButton', action_bar: 'ActionBar',
  run_status: 'RunStatus', run_list: 'RunList', empty_state: 'EmptyState',
});

/**
 * What the page view renders. A Metric with `data=` and no `value=` is drawn when `data` names one
 * of the app's data sources (`@app.data`: its answer, or the answer's `field`, is the value, as
 * the published examples use it); bound to a collection, the platform aggregates it in a way the
 * SDK does not specify, so that one counts as not rendered.
 */
export const RENDERED_WIDGETS: readonly string[] = Object.freeze([
  'page', 'row', 'column', 'card', 'divider', 'text', 'metric', 'image', 'empty_state',
  'button', 'action_card', 'gallery_card', 'table', 'toggle', 'text_input', 'number_input',
  'select', 'image_gallery', 'video', 'video_gallery', 'workflow_shell', 'form_section',
  'action_bar', 'text_area', 'url_input', 'url_list_input', 'checkbox_group', 'submit_button',
  'run_status', 'chat_panel', 'chart', 'task_board', 'file_browser', 'file_input', 'image_input',
  'table_browser', 'table_group', 'run_list',
]);

/**
 * Where a tree is drawn: an app page or the home body, a workflow's screen (its form's fields and
 * buttons are drawn there only), the chat page (its one ChatPanel is the web chat, embedded) or
 * the onboarding page.
 */
export type Surface = 'page' | 'workflow' | 'chat' | 'onboarding';

/**
 * A workflow form's fields and buttons, and its runs: drawn only on the workflow's screen, which
 * submits them (a FileInput's or ImageInput's file is not sent: media/pages-files.js says why).
 */
const FORM_WIDGETS: readonly string[] = ['workflow_shell', 'form_section', 'action_bar', 'text_area', 'url_input', 'url_list_input', 'checkbox_group', 'submit_button', 'run_status', 'file_input', 'image_input', 'run_list'];

/** Workflow form fields that are drawn but whose value Capsule Local does not send (the SDK does not say what it is). */
export const UNSENT_FIELDS: readonly string[] = ['file_input', 'image_input'];

/** Inputs drawn when bound to a setting (`setting=`); with `name=` they are workflow form fields. */
const SETTING_INPUTS: readonly string[] = ['toggle', 'text_input', 'number_input', 'select'];

/** Caps on what is walked and drawn: a huge or deeply nested tree stops there, said in place. */
export const PAGE_LIMITS = Object.freeze({ widgets: 2000, depth: 40, textChars: 20_000, cellChars: 300, rowsPerPage: 200, chartPoints: 500, boardTasks: 200 });

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** "ui.Chart" for a known type, "ui widget type "x"" for one the SDK does not have. */
export function widgetName(type: unknown): string {
  const t = typeof type === 'string' ? type : '?';
  return own(WIDGET_CLASSES, t) ? `ui.${WIDGET_CLASSES[t]}` : `ui widget type "${t.slice(0, 40)}"`;
}

/** Whether the page view draws this node itself (otherwise it shows a note naming it). */
export function isRendered(node: Record<string, unknown>, dataSources: ReadonlySet<string> = new Set(), surface: Surface = 'page'): boolean {
  const t = node.type;
  const inForm = surface === 'workflow';
  if (t === 'chat_panel') return surface === 'chat';
  if (typeof t !== 'string' || !RENDERED_WIDGETS.includes(t)) return false;
  if (t === 'metric' && node.data !== undefined && node.value === undefined) return typeof node.data === 'string' && dataSources.has(node.data);
  if (SETTING_INPUTS.includes(t)) return (typeof node.setting === 'string' && node.setting !== '') || (inForm && typeof node.name === 'string' && node.name !== '');
  if (FORM_WIDGETS.includes(t)) return inForm;
  return true;
}

/** The names of the app's data sources (`@app.data`), from its declarations. */
export function dataSourceNames(declarations: Record<string, unknown> | undefined): Set<string> {
  const list = Array.isArray(declarations?.data_sources) ? declarations.data_sources : [];
  return new Set(list.flatMap((d) => (typeof record(d)?.name === 'string' ? [record(d)!.name as string] : [])));
}

/** The widgets of a tree that are not rendered, by name, in the order first met (capped walk). */
export function unrenderedIn(tree: unknown, dataSources: ReadonlySet<string> = new Set(), surface: Surface = 'page'): string[] {
  const inForm = surface === 'workflow';
  const found = new Set<string>();
  let seen = 0;
  const walk = (v: unknown, depth: number): void => {
    const node = record(v);
    if (!node || depth > PAGE_LIMITS.depth || ++seen > PAGE_LIMITS.widgets) return;
    if (!isRendered(node, dataSources, surface)) found.add(node.type === 'metric' ? 'ui.Metric(data=<a collection>)' : SETTING_INPUTS.includes(node.type as string) && !inForm ? `${widgetName(node.type)}(name=...)` : widgetName(node.type));
    else for (const c of Array.isArray(node.children) ? node.children : []) walk(c, depth + 1);
  };
  walk(tree, 0);
  return [...found];
}

/** The workflow form fields of a tree that are drawn but whose value is not sent (UNSENT_FIELDS), by name, in the order first met. */
export function unsentIn(tree: unknown): string[] {
  const found = new Set<string>();
  let seen = 0;
  const walk = (v: unknown, depth: number): void => {
    const node = record(v);
    if (!node || depth > PAGE_LIMITS.depth || ++seen > PAGE_LIMITS.widgets) return;
    if (typeof node.type === 'string' && UNSENT_FIELDS.includes(node.type)) found.add(widgetName(node.type));
    for (const c of Array.isArray(node.children) ? node.children : []) walk(c, depth + 1);
  };
  walk(tree, 0);
  return [...found];
}

export interface DeclaredPage {
  name: string;
  route: string;
  type: 'dsl' | 'react' | string;
  widget_tree?: unknown;
  component?: string;
  /** A React page's npm packages (`packages=`). */
  packages?: string[];
  icon?: string;
  access?: string;
  hidden?: boolean;
}

/** The app's pages (`@app.page`, `add_page`) from its declarations, odd entries skipped. */
export function declaredPages(declarations: Record<string, unknown> | undefined): DeclaredPage[] {
  const list = Array.isArray(declarations?.pages) ? declarations.pages : [];
  return list.flatMap((p) => {
    const r = record(p);
    if (!r || typeof r.name !== 'string' || typeof r.route !== 'string') return [];
    return [{ name: r.name, route: r.route, type: typeof r.type === 'string' ? r.type : '?', widget_tree: r.widget_tree, component: typeof r.component === 'string' ? r.component : undefined, packages: strings(r.packages), icon: typeof r.icon === 'string' ? r.icon : undefined, access: typeof r.access === 'string' ? r.access : undefined, hidden: r.hidden === true || undefined }];
  });
}

/** The home body's widget tree (`@app.home_body()`), if the app declares one. */
export function homeTree(declarations: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return record(record(declarations?.home)?.widget_tree);
}

/** Where the page view shows a page (the home body at the app's own path). */
export function pagePath(app: string, route?: string): string {
  // A route is slugs joined by "/" (app.py `_normalize_page_route`): each part is encoded alone.
  return `/pages/${encodeURIComponent(app)}${route === undefined ? '' : `/${route.split('/').map(encodeURIComponent).join('/')}`}`;
}

export interface DeclaredWorkflow {
  name: string;
  description?: string;
  widget_tree?: unknown;
}

/** The app's workflows (`app.workflow`) from its declarations, odd entries skipped. */
export function declaredWorkflows(declarations: Record<string, unknown> | undefined): DeclaredWorkflow[] {
  const list = Array.isArray(declarations?.workflows) ? declarations.workflows : [];
  return list.flatMap((w) => {
    const r = record(w);
    if (!r || typeof r.name !== 'string' || !r.name) return [];
    return [{ name: r.name, description: typeof r.description === 'string' ? r.description : undefined, widget_tree: r.widget_tree }];
  });
}

/**
 * Where the page view shows a workflow's screen (its `@wf.ui()` launcher). An app's page routes
 * are slugs of [a-z0-9-] (app.py `_normalize_page_route`; `workflow/x` is allowed), which never
 * start with `_`, so no page of the app can be there.
 */
export function workflowPath(app: string, workflow: string): string {
  return `/pages/${encodeURIComponent(app)}/_workflow/${encodeURIComponent(workflow)}`;
}

/** The chat page (`@app.chat_page(...)`): its settings and widget tree, if the app declares one. */
export interface DeclaredChatPage {
  mode: string;
  scope: string;
  thread_key: string;
  sidebar_label: string;
  widget_tree: Record<string, unknown>;
}

export function declaredChatPage(declarations: Record<string, unknown> | undefined): DeclaredChatPage | undefined {
  const c = record(declarations?.chat);
  const tree = record(c?.widget_tree);
  if (!c || !tree) return undefined;
  const s = (v: unknown, d: string): string => (typeof v === 'string' && v ? v : d);
  return { mode: s(c.mode, 'multi'), scope: s(c.scope, 'owner'), thread_key: s(c.thread_key, 'chat_page:default'), sidebar_label: s(c.sidebar_label, 'Chat'), widget_tree: tree };
}

/** The onboarding surface (`@app.onboarding()`, or `add_onboarding` for a React one), if declared. */
export interface DeclaredOnboarding {
  type: string;
  widget_tree?: Record<string, unknown>;
  component?: string;
  packages?: string[];
  redirect?: string;
}

export function declaredOnboarding(declarations: Record<string, unknown> | undefined): DeclaredOnboarding | undefined {
  const o = record(declarations?.onboarding);
  if (!o) return undefined;
  return {
    type: typeof o.type === 'string' ? o.type : '?',
    widget_tree: record(o.widget_tree),
    component: typeof o.component === 'string' ? o.component : undefined,
    packages: strings(o.packages),
    redirect: typeof o.redirect === 'string' && o.redirect ? o.redirect : undefined,
  };
}

/**
 * Where the page view shows the chat page. `chat` is one of the SDK's reserved page routes
 * (`_RESERVED_PAGE_ROUTES`): `@app.page(route="chat")` raises and a page named "Chat" gets the
 * route `chat-page`, so no page of the app can be there.
 */
export function chatPagePath(app: string): string {
  return `/pages/${encodeURIComponent(app)}/chat`;
}

/** The onboarding page's last path segment (see onboardingPath). */
export const ONBOARDING_SEGMENT = '_onboarding';

/**
 * Where the page view shows the onboarding page. `onboarding` is not a reserved route: an
 * `@app.page("Onboarding")` is at `onboarding`, and any route of several parts (`chat/x`) is
 * allowed too, so neither is free. A page route is made of slugs of `[a-z0-9-]` (app.py
 * `_normalize_page_route`), which never begin with `_`: `_onboarding` cannot be an app page's.
 */
export function onboardingPath(app: string): string {
  return `/pages/${encodeURIComponent(app)}/${ONBOARDING_SEGMENT}`;
}
