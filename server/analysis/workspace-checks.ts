// Diagnostics that need more than one file or the local state: which app a handler or a use
// belongs to, what that app declares, and which secrets and channels exist locally.
import { catalog, nearest } from '../../catalog/catalog';
import type { AppModel, CapsuleDiagnostic, LocalState, Location, SecretRef } from './types';
import type { FileApp, FileSummary, NameKind, RawIntegration } from './model-types';
import type { ModuleIndex } from './modules';
import { checkFileRefs } from './app-files';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FUNCTIONAL = new Set(catalog.functionalDecorators);
/** Environment variables an integration exports when connected (aws) -> its type. */
const INTEGRATION_ENV = new Map([...catalog.integrations.values()].flatMap((i) => Object.values(i.env ?? {}).map((v) => [v, i.type] as const)));

interface AppInfo {
  app: FileApp;
  decls: RawIntegration[];
  /** Some declaration's type is dynamic: which types it declares is unknown. */
  open: boolean;
}

const appLabel = (a: FileApp) => (a.name ? `'${a.name}'` : a.variable ? `'${a.variable}'` : 'this app');

export function linkAndCheck(files: FileSummary[], modules: ModuleIndex, state: LocalState, unread: FileSummary[] = []): { model: AppModel; diagnostics: CapsuleDiagnostic[] } {
  const diagnostics: CapsuleDiagnostic[] = [];
  const model: AppModel = { apps: [], integrations: [], uses: [], secrets: [], handlers: [], surfaces: [] };
  const infos = new Map<FileApp, AppInfo>();
  for (const f of files) {
    for (const a of f.apps) {
      model.apps.push(stripApp(a));
      infos.set(a, { app: a, decls: [], open: false });
    }
  }
  const allApps = [...infos.keys()];
  // Declarations whose receiver is not a known app (`self.app.add_integration`) count for every app.
  const loose: RawIntegration[] = [];
  for (const f of files) {
    for (const raw of f.integrations) {
      const app = modules.appOf(f, raw.receiver);
      const info = app && infos.get(app);
      model.integrations.push({ ...raw.decl, app: app?.variable ?? raw.decl.app });
      if (info) {
        info.decls.push(raw);
        info.open ||= raw.dynamic;
      } else loose.push(raw);
    }
  }
  const looseOpen = loose.some((d) => d.dynamic);
  const looseTypes = new Set(loose.map((d) => d.decl.type));

  // Handlers: image / style / access rules.
  const handlerApp = new Map<string, FileApp>();
  for (const f of files) {
    for (const h of f.handlers) {
      const app = modules.appOf(f, h.receiver);
      if (!app) continue;
      handlerApp.set(`${f.path}\0${h.from}`, app);
      model.handlers.push({ app: app.variable, decorator: h.decorator, name: h.name, location: h.location });
    }
  }
  for (const f of files) {
    for (const s of f.surfaces ?? []) {
      const app = modules.appOf(f, [s.receiver]);
      if (app?.variable) model.surfaces!.push({ app: app.variable, appPath: app.path, surface: s.surface, location: s.location });
    }
  }
  for (const f of files) {
    for (const c of f.functionalCalls) {
      const app = modules.appOf(f, c.receiver);
      if (!app || !app.imageKnown || app.hasImage) continue;
      push(diagnostics, c.location, 'error', 'capsule/missing-image',
        `${c.receiver.join('.')}.${c.decorator}() requires an image: App ${appLabel(app)} has no image= ` +
          `(the SDK raises RuntimeError "requires an image" at import). Add image=cpsl.Image(python_packages=[...]) to the App.`,
        { related: [{ location: app.location, message: `App ${appLabel(app)} is declared here` }], data: { app: app.variable, appRange: app.location.range } });
    }
    for (const h of f.handlers) {
      const app = handlerApp.get(`${f.path}\0${h.from}`);
      if (!app) continue;
      const appRel = [{ location: app.location, message: `App ${appLabel(app)} is declared here` }];
      if (FUNCTIONAL.has(h.decorator) && app.imageKnown && !app.hasImage) {
        push(diagnostics, h.location, 'error', 'capsule/missing-image',
          `@${h.receiver.join('.')}.${h.decorator} requires an image: App ${appLabel(app)} has no image= ` +
            `(the SDK raises RuntimeError "requires an image" at import). Add image=cpsl.Image(python_packages=[...]) to the App.`,
          { related: appRel, data: { app: app.variable, appRange: app.location.range } });
      }
      if (h.decorator === 'cls') {
        const functional = files.flatMap((g) => g.handlers.filter((x) => FUNCTIONAL.has(x.decorator) && handlerApp.get(`${g.path}\0${x.from}`) === app));
        if (app.hasImage) {
          push(diagnostics, h.location, 'error', 'capsule/mixed-style',
            `@${h.receiver.join('.')}.cls cannot be used on an App with image= (the SDK raises RuntimeError at import). ` +
              'Use functional decorators (@app.message, ...) with image=, or remove image= for a class-style app.',
            { related: appRel, data: { app: app.variable } });
        } else if (functional.length) {
          push(diagnostics, h.location, 'error', 'capsule/mixed-style',
            `@${h.receiver.join('.')}.cls cannot be combined with functional decorators such as @${functional[0]!.receiver.join('.')}.${functional[0]!.decorator} ` +
              '(the SDK raises RuntimeError at import). Choose one style for the app.',
            { related: functional.map((x) => ({ location: x.location, message: `functional decorator @${x.decorator}` })), data: { app: app.variable } });
        }
      }
      const entry = Object.hasOwn(catalog.api.app, h.decorator) ? catalog.api.app[h.decorator] : undefined;
      if (entry?.localSupport === false) {
        push(diagnostics, h.location, 'information', 'capsule/local-unsupported',
          `@${h.receiver.join('.')}.${h.decorator} is not available in Capsule Local yet: nothing triggers it locally, so it never runs ` +
            '(the bundled runtime warns so at import). It runs on Capsule.',
          { data: { decorator: h.decorator } });
      }
      // home_body and home_suggestions check access themselves (capsule/invalid-value).
      if (h.access && !catalog.accessLevels.includes(h.access.value) && !h.decorator.startsWith('home')) {
        const suggestion = nearest(h.access.value, catalog.accessLevels);
        push(diagnostics, h.access.location, 'error', 'capsule/invalid-access',
          `access="${h.access.value}" is not an access level: use ${catalog.accessLevels.map((a) => `"${a}"`).join(' or ')}.` +
            (suggestion ? ` Did you mean "${suggestion}"?` : ''),
          { data: { value: h.access.value, ...(suggestion ? { suggestion } : {}) } });
      }
    }
  }

  // Which apps code at a given place belongs to.
  const scopeCache = new Map<FileSummary, FileApp[]>();
  const candidates = (f: FileSummary, functionFrom: number | undefined): FileApp[] => {
    if (functionFrom !== undefined) {
      const app = handlerApp.get(`${f.path}\0${functionFrom}`);
      if (app) return [app];
    }
    let inScope = scopeCache.get(f);
    if (!inScope) {
      inScope = modules.appsInScope(f);
      scopeCache.set(f, inScope);
    }
    return inScope.length ? inScope : allApps;
  };

  // Duplicate declarations on one app.
  for (const info of infos.values()) {
    const seen = new Map<string, RawIntegration>();
    for (const d of info.decls) {
      const t = d.decl.type;
      if (t === undefined) continue;
      const first = seen.get(t);
      if (!first) {
        seen.set(t, d);
        continue;
      }
      push(diagnostics, d.decl.location, 'warning', 'capsule/duplicate-integration',
        `Integration '${t}' is already declared on app ${appLabel(info.app)}; the platform keeps one declaration per type. Remove one of them.`,
        { related: [{ location: first.decl.location, message: `'${t}' first declared here` }], data: { type: t, callRange: d.decl.call.range } });
    }
  }

  // Integration uses.
  for (const f of files) {
    for (const u of f.uses) {
      model.uses.push({ type: u.type, kind: u.kind, location: u.location });
      if (!allApps.length || looseOpen || looseTypes.has(u.type)) continue;
      const apps = candidates(f, u.functionFrom);
      if (apps.some((a) => infos.get(a)!.open || infos.get(a)!.decls.some((d) => d.decl.type === u.type))) continue;
      const app = apps[0]!;
      const declared = [...new Set(apps.flatMap((a) => infos.get(a)!.decls.map((d) => d.decl.type!)))];
      const suggestion = nearest(u.type, declared) ?? (catalog.integrations.has(u.type) ? undefined : nearest(u.type, catalog.integrations.keys()));
      const decls = infos.get(app)!.decls;
      const related = decls.length
        ? decls.map((d) => ({ location: d.decl.call, message: `app ${appLabel(app)} declares '${d.decl.type ?? '?'}' here` }))
        : [{ location: app.location, message: `app ${appLabel(app)} declares no integrations` }];
      const blocking = u.kind === 'prompt' || u.kind === 'require';
      const effect = blocking
        ? 'prompting for it fails at runtime'
        : u.kind === 'show'
          ? 'the user is asked to connect an integration the app cannot use'
          : 'it is never connected, so this read always finds nothing';
      push(diagnostics, u.location, blocking ? 'error' : 'warning', 'capsule/undeclared-integration',
        `Integration '${u.type}' is used here but app ${appLabel(app)} never declares it: ${effect}.` +
          (suggestion ? ` Did you mean '${suggestion}'?` : ` Declare it with app.add_integration("${u.type}", ...).`),
        {
          related,
          data: {
            type: u.type,
            app: app.variable,
            appRange: app.location.range,
            // Where a quick fix adds the declaration: after the app's last one, or after the App.
            declareAfter: decls.length ? decls[decls.length - 1]!.decl.call : app.location,
            ...(suggestion ? { suggestion } : {}),
          },
        });
    }
  }

  // Secrets.
  const stateNames = state.secrets.names;
  const declaredAnywhere = new Set(allApps.flatMap((a) => a.secrets ?? []));
  const referenced = new Set(files.flatMap((f) => f.secretRefs.map((r) => r.name)));
  // The SDK adds secrets of inline channel credentials to App(secrets) itself.
  const channelSecrets = new Set(files.flatMap((f) => f.secretRefs.filter((r) => r.kind === 'channel-credential').map((r) => r.name)));
  const refs: Array<{ ref: SecretRef; file: FileSummary }> = [];
  for (const f of files) {
    for (const r of f.secretRefs) refs.push({ ref: r, file: f });
    for (const e of f.environReads) {
      if (!declaredAnywhere.has(e.name) && !stateNames.has(e.name) && !referenced.has(e.name)) continue;
      const ref: SecretRef = { name: e.name, kind: 'environ', location: e.location };
      const apps = candidates(f, e.functionFrom);
      const provider = INTEGRATION_ENV.get(e.name);
      const providedByIntegration =
        provider !== undefined && apps.some((a) => infos.get(a)!.open || infos.get(a)!.decls.some((d) => d.decl.type === provider));
      if (providedByIntegration) continue;
      refs.push({ ref, file: f });
      // A name only `.env` defines may be plain configuration; reading it with a default or through
      // python-dotenv (which loads `.env` itself) is not a missing injection.
      const dotenvOnly = stateNames.get(e.name)?.source === 'env-file' && !declaredAnywhere.has(e.name) && !referenced.has(e.name);
      const onlyInDotenv = stateNames.get(e.name)?.source === 'env-file' && (f.usesDotenv || (dotenvOnly && e.hasDefault));
      if (!apps.length || apps.some((a) => a.secrets === undefined || a.secrets.includes(e.name)) || onlyInDotenv || channelSecrets.has(e.name)) continue;
      const app = apps[0]!;
      push(diagnostics, e.location, 'warning', 'capsule/undeclared-secret',
        `'${e.name}' is read from os.environ but not listed in App(secrets=[...]) of app ${appLabel(app)}, so it is not injected ` +
          `into the app's environment. Add "${e.name}" to secrets=[...], or read it with cpsl.Secret.from_name("${e.name}").value.`,
        {
          related: [{ location: app.location, message: `App ${appLabel(app)}` }],
          data: { secret: e.name, app: app.variable, appPath: app.path, appRange: app.location.range, ...(app.secretsRange ? { secretsRange: app.secretsRange } : {}) },
        });
    }
  }
  for (const { ref } of refs) {
    model.secrets.push(ref);
    if (!state.secrets.complete || !SECRET_NAME.test(ref.name) || stateNames.has(ref.name)) continue;
    push(diagnostics, ref.location, 'warning', 'capsule/missing-secret',
      `Secret '${ref.name}' is not defined locally (neither in the Capsule Local store nor in .env), so the app cannot read it. ` +
        `Define it with capsule-local secret set ${ref.name}, or add it to .env.`,
      { data: { secret: ref.name } });
  }

  // Names widgets refer to: declared anywhere in the checked files (an app may span several).
  const declared = new Map<string, Set<string> | 'open'>();
  for (const f of [...files, ...unread]) {
    for (const d of f.nameDecls) {
      const known = declared.get(d.kind);
      if (known === 'open') continue;
      if (d.name === undefined) declared.set(d.kind, 'open');
      else declared.set(d.kind, (known ?? new Set()).add(d.name));
    }
  }
  model.names = [...declared].flatMap(([kind, names]) => (names === 'open' ? [] : [...names].map((name) => ({ kind: kind as NameKind, name }))));
  const WHAT: Record<string, [string, string]> = {
    setting: ['setting', 'app.setting("{}", ...)'],
    data: ['data source', '@app.data("{}")'],
    collection: ['collection', 'app.collection("{}", ...)'],
    'workflow-action': ['workflow action', '@wf.action("{}")'],
    'app-action': ['action', '@app.action("{}")'],
  };
  for (const f of files) {
    for (const r of f.nameRefs) {
      const known = declared.get(r.kind);
      if (known === 'open' || known?.has(r.name)) continue;
      const [what, how] = WHAT[r.kind]!;
      const suggestion = known ? nearest(r.name, known) : undefined;
      push(diagnostics, r.location, 'warning', 'capsule/unknown-reference',
        `${r.via} names the ${what} '${r.name}', which the app does not declare: the widget finds nothing when it renders.` +
          (suggestion ? ` Did you mean '${suggestion}'?` : ` Declare it with ${how.replace('{}', r.name)}${known?.size ? `, or use one of ${[...known].map((k) => `'${k}'`).join(', ')}` : ''}.`),
        { data: { kind: r.kind, name: r.name, ...(suggestion ? { suggestion } : {}) } });
    }
  }

  // Files the apps name by path.
  const fileRefs = files.flatMap((f) => f.fileRefs.map((ref) => ({ ref, app: modules.appOf(f, [ref.receiver]) })));
  const looked = checkFileRefs(fileRefs, state.files, (ref, message, data) => push(diagnostics, ref.location, 'warning', 'capsule/missing-file', message, { data }));
  if (looked.length) model.files = [...new Set(looked)];

  // Channels.
  if (state.channels.complete) {
    for (const f of files) {
      for (const c of f.channelRefs) {
        if (state.channels.names.has(c.name)) continue;
        const suggestion = nearest(c.name, state.channels.names.keys());
        const types = [...catalog.channels.values()].filter((t) => t.external).map((t) => t.type);
        push(diagnostics, c.location, 'warning', 'capsule/unknown-channel',
          `Channel '${c.name}' does not exist locally.` +
            (suggestion ? ` Did you mean '${suggestion}'?` : '') +
            ` Create it with capsule-local channel create ${c.name} --type ${types.join('|')} -c key=value.`,
          { data: { channel: c.name, ...(suggestion ? { suggestion } : {}) } });
      }
    }
  }
  return { model, diagnostics };
}

function stripApp(a: FileApp) {
  const { imageKnown: _imageKnown, secretsRange: _secretsRange, ...decl } = a;
  return decl;
}

function push(
  out: CapsuleDiagnostic[],
  location: Location,
  severity: CapsuleDiagnostic['severity'],
  code: string,
  message: string,
  extra: Partial<Pick<CapsuleDiagnostic, 'related' | 'data' | 'tags'>>,
): void {
  out.push({ path: location.path, range: location.range, severity, code, message, ...extra });
}
