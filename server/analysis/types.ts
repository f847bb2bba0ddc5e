// The contract between the analysis (pure functions over text) and its users: the LSP wiring in
// server/server.ts, the `check` CLI and the tests. No I/O happens below server/analysis.

export interface Position {
  line: number; // 0-based
  character: number; // 0-based, UTF-16 code units (as LSP)
}
export interface Range {
  start: Position;
  end: Position;
}
export interface Location {
  path: string;
  range: Range;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface CapsuleDiagnostic {
  path: string;
  range: Range;
  severity: Severity;
  code: string; // e.g. "capsule/missing-secret"
  message: string;
  tags?: Array<'deprecated' | 'unnecessary'>;
  related?: Array<{ location: Location; message: string }>;
  /** Machine-readable details for quick fixes (e.g. {secret: "X"}, {suggestion: "github"}). */
  data?: Record<string, unknown>;
}

/** A workspace file as text. The caller reads it (disk, editor buffer); the analysis never does. */
export interface SourceFile {
  path: string; // absolute or workspace-relative; used as the key everywhere
  text: string;
}

/**
 * A list of names from a local source (the store, `.env`). `complete: false` means the source
 * could not be read (no store yet counts as complete and empty only when the caller knows it);
 * diagnostics that depend on a list stay silent when it is incomplete.
 */
export interface NameSource {
  names: ReadonlyMap<string, NameOrigin>;
  complete: boolean;
}
export interface NameOrigin {
  source: 'store' | 'env-file' | 'environment';
  /** Where the name is defined, when it is a file line (`.env`). */
  location?: Location;
  /** Channel type for channel names. */
  channelType?: string;
}

/**
 * Which files exist, for the files an app names (a React page's component, the theme's logo).
 * Paths are relative to the same root as the analysed files' paths, with "/" separators. Answers
 * undefined when it cannot tell (then nothing is reported).
 */
export interface FileSource {
  isFile(path: string): boolean | undefined;
}

export interface LocalState {
  secrets: NameSource;
  channels: NameSource;
  /** Absent: file references are not checked (no disk to look at). */
  files?: FileSource;
}

export interface IntegrationDecl {
  app: string; // app variable name
  type: string | undefined; // undefined when dynamic
  mode: 'oauth' | 'secret' | 'pipedream' | undefined;
  scopes: string[];
  fields: string[] | undefined;
  location: Location; // the type argument (string or config call)
  call: Location; // the whole add_integration call
}

export interface IntegrationUse {
  type: string;
  kind: 'read' | 'prompt' | 'require' | 'show';
  location: Location;
}

export interface SecretRef {
  name: string;
  kind: 'app-secrets' | 'from-name' | 'environ' | 'channel-credential' | 'integration-client';
  location: Location;
}

export interface HandlerDecl {
  app: string;
  decorator: string; // "message", "data", ...
  name: string; // function name
  location: Location;
}

/**
 * A surface an App renders as a page, as its decorator names it: `@app.page("Dashboard")`,
 * `@app.home_body()`, `@app.chat_page()`, `@app.onboarding()` or a workflow's `@wf.ui()`. Where
 * it is served (the page's route) is the running app's to say, not the analysis'.
 */
export type PageSurface = { kind: 'page'; name: string } | { kind: 'home' } | { kind: 'chat' } | { kind: 'onboarding' } | { kind: 'workflow'; name: string };

export interface SurfaceDecl {
  app: string; // app variable name
  appPath: string; // the file declaring the App (the decorator may be in a file importing it)
  surface: PageSurface;
  location: Location; // the decorator
}

export interface AppDecl {
  variable: string; // the name the App is bound to
  name: string | undefined; // App("name")
  path: string;
  location: Location; // the App(...) call
  hasImage: boolean;
  secrets: string[] | undefined; // undefined when dynamic
  channels: Array<{ kind: string; name?: string; location: Location }>;
}

export interface AppModel {
  apps: AppDecl[];
  integrations: IntegrationDecl[];
  uses: IntegrationUse[];
  secrets: SecretRef[];
  handlers: HandlerDecl[];
  /** The page surfaces the apps declare with a decorator, in source order. */
  surfaces?: SurfaceDecl[];
  /** Names the apps declare for widgets: settings, data sources, collections, actions. */
  names?: Array<{ kind: 'setting' | 'data' | 'collection' | 'workflow-action' | 'app-action'; name: string }>;
  /** Files the apps name (resolved, relative to the analysis root): a change to one re-checks. */
  files?: string[];
}

export interface WorkspaceAnalysis {
  model: AppModel;
  diagnostics: CapsuleDiagnostic[];
}
