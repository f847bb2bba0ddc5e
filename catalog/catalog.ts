// The single source of SDK knowledge. The language server, the emulator and (through the same
// JSON file) the Python runtime read it; nothing else hard-codes integration types, scopes,
// channel credential keys or the cpsl surface.
import raw from './sdk-catalog.json';
// Generated from the pinned wheel by `npm run catalog` (scripts/gen-catalog.py); never edited by hand.
import surfaceRaw from './sdk-surface.json';

export type IntegrationMode = 'oauth' | 'secret' | 'pipedream';

export interface IntegrationInfo {
  /** Wire type, e.g. "gmail". */
  type: string;
  /** Member name in `cpsl.Integration`, e.g. "GMAIL". */
  enum: string;
  /** Config constructor in `cpsl`, e.g. "Gmail". */
  config: string;
  mode: IntegrationMode;
  /** OAuth provider family (key of `providers`). */
  provider?: string;
  title: string;
  doc: string;
  /** Secret-form fields (known secret integrations). */
  fields?: string[];
  optionalFields?: string[];
  alwaysScopes?: string[];
  /** Scopes under this prefix are all accepted (the provider has far more than the catalog lists). */
  anyScopePrefix?: string;
  /** Field → environment variable exported when connected (aws). */
  env?: Record<string, string>;
}

export interface ProviderInfo {
  id: string;
  title: string;
  scopeSeparator: string;
  tokenPrefix: string;
  refresh: boolean;
  expiresInSeconds: number;
  /** A prefix under which the same scopes are also accepted (Microsoft Graph). */
  scopePrefix?: string;
  scopes: Record<string, string>;
  scopesByIntegration?: Record<string, string[]>;
  /** The real provider's OAuth endpoints (the emulator's real-provider mode). */
  realEndpoints?: RealEndpoints;
}

export interface RealEndpoints {
  authorize: string;
  token: string;
  /** RFC 7009 revocation endpoint, when the provider has one. */
  revoke?: string;
  issuer?: string;
  /** Extra authorization parameters the provider needs to issue a refresh token. */
  authorizeParams?: Record<string, string>;
}

/** A Pipedream app the local Connect page knows the API of (`pipedreamApps` of sdk-catalog.json). */
export interface PipedreamAppInfo {
  slug: string;
  title: string;
  /** Where Pipedream Connect's proxy sends a relative URL (it appends the URL to this). */
  apiBaseUrl: string;
}

export interface CredentialKeyInfo {
  required: boolean;
  secret: boolean;
  doc: string;
}

export interface ChannelTypeInfo {
  type: string;
  title: string;
  builtin: boolean;
  external: boolean;
  deprecatedClass?: string;
  credentials?: Record<string, CredentialKeyInfo>;
  /** The credential that authenticates the platform's webhook requests; without it anyone who knows the URL can post. */
  webhookAuth?: string;
  doc: string;
}

export interface ParamInfo {
  name: string;
  kind: 'positional' | 'either' | 'keyword' | 'varargs' | 'varkw';
  type?: string;
  /** The default as Python source (`'app'`, `None`, `0`). */
  default?: string;
  /** The values a Literal annotation allows. */
  literals?: Array<string | number | boolean>;
}

export interface ApiEntry {
  kind?: 'class' | 'function' | 'enum' | 'constant' | 'type' | 'module' | 'method' | 'static' | 'property' | 'attribute';
  signature: string;
  doc: string;
  /** Parameters, from the SDK's own signature. */
  params?: ParamInfo[];
  /** Names that can be passed as keywords (from params). */
  kwargs?: string[];
  /** Enum members: name -> value. */
  members?: Record<string, string>;
  /** `cpsl.ui` components: the widget type in the serialised tree (`chat_panel`). */
  widget?: string;
  deprecated?: string;
  /** Config constructors: the integration type they declare. */
  integration?: string;
  /** false: the local runtime raises "not available in Capsule Local yet". */
  localSupport?: boolean;
  /** How Capsule Local runs it, when that needs saying (how to trigger it, where it is served). */
  local?: string;
}

export interface FieldLabel {
  label: string;
  secret: boolean;
  placeholder?: string;
}

export interface Catalog {
  integrations: Map<string, IntegrationInfo>;
  providers: Map<string, ProviderInfo>;
  channels: Map<string, ChannelTypeInfo>;
  pipedreamApps: Map<string, PipedreamAppInfo>;
  secretFieldLabels: Record<string, FieldLabel>;
  externalBlockFallbacks: Record<string, string>;
  accessLevels: string[];
  credentialKeywords: string[];
  functionalDecorators: string[];
  /** Session methods that use an integration, and how (a blocking prompt, a read...). */
  integrationUseMethods: Record<string, 'read' | 'prompt' | 'require' | 'show'>;
  /** Types whose `.integrations` holds the user's connected integrations. */
  contextTypes: string[];
  /** The SDK surface: generated from the wheel, with our notes (deprecations, local support) merged in. */
  api: {
    module: Record<string, ApiEntry>;
    app: Record<string, ApiEntry>;
    session: Record<string, ApiEntry>;
    ui: Record<string, ApiEntry>;
    workflow: Record<string, ApiEntry>;
    collection: Record<string, ApiEntry>;
    task: Record<string, ApiEntry>;
    /** Static and class methods called on a cpsl class (`cpsl.Secret.from_name`), by class. */
    statics: Record<string, Record<string, ApiEntry>>;
  };
  /** What the SDK validates, read from its source: allowed values, messages of its exceptions. */
  sdk: SdkRules;
}

export interface RaiseInfo {
  exception: string;
  /** The message, with `{expr}` where the SDK interpolates a value. */
  message: string;
  /** The condition, as Python source. */
  when: string;
}

export interface SdkRules {
  version: string;
  sets: Record<string, string[]>;
  literals: Record<string, Array<string | number | boolean>>;
  settingTypes: string[];
  themeFields: string[];
  /** `Class.method:param` -> values an `if param not in (...)` check allows. */
  choices: Record<string, string[]>;
  /** `module:Class.method` -> the exceptions it raises itself, in source order. */
  raises: Record<string, RaiseInfo[]>;
}

interface SurfaceEntry extends Omit<ApiEntry, 'kwargs'> {}
interface Surface {
  generatedFrom: string;
  module: Record<string, SurfaceEntry>;
  classes: Record<string, { doc: string; methods: Record<string, SurfaceEntry> }>;
  ui: Record<string, SurfaceEntry>;
  literals: SdkRules['literals'];
  sets: SdkRules['sets'];
  settingTypes: string[];
  themeFields: string[];
  choices: SdkRules['choices'];
  raises: SdkRules['raises'];
}

type Note = Partial<Pick<ApiEntry, 'doc' | 'deprecated' | 'localSupport' | 'local' | 'integration' | 'signature'>>;

/** A generated entry with our note merged in; `prefix` names the receiver in the signature. */
function entry(e: SurfaceEntry, note: Note | undefined, prefix = ''): ApiEntry {
  const kwargs = (e.params ?? []).filter((p) => p.kind === 'either' || p.kind === 'keyword').map((p) => p.name);
  const signature = e.signature.startsWith('async ') ? `async ${prefix}${e.signature.slice(6)}` : prefix + e.signature;
  const out: ApiEntry = { ...e, signature, doc: e.doc || note?.doc || '' };
  if (kwargs.length) out.kwargs = kwargs;
  if (note?.deprecated) out.deprecated = note.deprecated;
  if (note?.localSupport !== undefined) out.localSupport = note.localSupport;
  if (note?.local) out.local = note.local;
  if (note?.integration) out.integration = note.integration;
  return out;
}

function entries(from: Record<string, SurfaceEntry>, notes: Record<string, Note>, prefix = ''): Record<string, ApiEntry> {
  const out: Record<string, ApiEntry> = {};
  for (const [name, e] of Object.entries(from)) out[name] = entry(e, notes[name], prefix);
  // Attributes the SDK sets in __init__ are not in the class; our notes describe them.
  for (const [name, n] of Object.entries(notes)) {
    if (!out[name] && n.signature) out[name] = { kind: 'attribute', signature: n.signature, doc: n.doc ?? '' };
  }
  return out;
}

function load(): Catalog {
  const surface = surfaceRaw as unknown as Surface;
  const notes = raw.apiNotes as unknown as Record<'module' | 'app' | 'session', Record<string, Note>>;
  const integrations = new Map<string, IntegrationInfo>();
  for (const [type, v] of Object.entries(raw.integrations)) {
    integrations.set(type, { type, ...(v as Omit<IntegrationInfo, 'type'>) });
  }
  const providers = new Map<string, ProviderInfo>();
  for (const [id, v] of Object.entries(raw.providers)) {
    providers.set(id, { id, ...(v as Omit<ProviderInfo, 'id'>) });
  }
  const channels = new Map<string, ChannelTypeInfo>();
  for (const [type, v] of Object.entries(raw.channels)) {
    channels.set(type, { type, ...(v as Omit<ChannelTypeInfo, 'type'>) });
  }
  const pipedreamApps = new Map<string, PipedreamAppInfo>();
  for (const [slug, v] of Object.entries(raw.pipedreamApps)) {
    if (!slug.startsWith('_')) pipedreamApps.set(slug, { slug, ...(v as Omit<PipedreamAppInfo, 'slug'>) });
  }
  return {
    integrations,
    providers,
    channels,
    pipedreamApps,
    secretFieldLabels: raw.secretFieldLabels as Record<string, FieldLabel>,
    externalBlockFallbacks: raw.externalBlockFallbacks,
    accessLevels: raw.accessLevels,
    credentialKeywords: raw.credentialKeywords,
    functionalDecorators: raw.functionalDecorators,
    integrationUseMethods: raw.integrationUseMethods as Catalog['integrationUseMethods'],
    contextTypes: raw.contextTypes,
    api: {
      module: entries(surface.module, notes.module),
      app: entries(surface.classes.App!.methods, notes.app, 'app.'),
      session: entries(surface.classes.Session!.methods, notes.session, 'session.'),
      ui: entries(surface.ui, {}, 'ui.'),
      workflow: entries(surface.classes.Workflow!.methods, {}, 'wf.'),
      collection: entries(surface.classes.CollectionRef!.methods, {}),
      task: entries(surface.classes.TaskDescriptor!.methods, {}),
      statics: Object.fromEntries(
        Object.entries(surface.classes).map(([cls, c]) => [cls, entries(Object.fromEntries(Object.entries(c.methods).filter(([, m]) => m.kind === 'static')), {}, `${cls}.`)]),
      ),
    },
    sdk: {
      version: surface.generatedFrom,
      sets: surface.sets,
      literals: surface.literals,
      settingTypes: surface.settingTypes,
      themeFields: surface.themeFields,
      choices: surface.choices,
      raises: surface.raises,
    },
  };
}

export const catalog: Catalog = load();

/** Integration type by `Integration.X` member name. */
export function integrationByEnum(member: string): IntegrationInfo | undefined {
  for (const info of catalog.integrations.values()) if (info.enum === member) return info;
  return undefined;
}

/** Integration type declared by a config constructor such as `GitHub`. */
export function integrationByConfig(ctor: string): IntegrationInfo | undefined {
  for (const info of catalog.integrations.values()) if (info.config === ctor) return info;
  return undefined;
}

/** Scopes the provider documents for an integration type (Google narrows by product). */
export function knownScopes(type: string): Map<string, string> | undefined {
  const info = catalog.integrations.get(type);
  if (!info?.provider) return undefined;
  const provider = catalog.providers.get(info.provider);
  if (!provider) return undefined;
  const subset = provider.scopesByIntegration?.[type];
  const names = subset ?? Object.keys(provider.scopes);
  return new Map(names.map((n) => [n, provider.scopes[n] ?? '']));
}

/** Whether `scope` is one the provider of `type` knows (Graph scopes may carry their URL prefix). */
export function isKnownScope(type: string, scope: string): boolean {
  const scopes = knownScopes(type);
  if (!scopes) return true;
  if (scopes.has(scope)) return true;
  const provider = catalog.providers.get(catalog.integrations.get(type)!.provider!);
  if (provider?.scopePrefix && scope.startsWith(provider.scopePrefix)) {
    return scopes.has(scope.slice(provider.scopePrefix.length));
  }
  return false;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The nearest name within a small distance, or undefined. */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** The message of the exception `fn` raises when `when` (a substring of its condition) holds. */
export function sdkMessage(fn: string, when: string): string | undefined {
  return catalog.sdk.raises[fn]?.find((r) => r.when.includes(when))?.message;
}
