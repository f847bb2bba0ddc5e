// One file -> FileSummary: a single walk over the syntax tree that records cpsl imports, apps,
// integration declarations and uses, secret references, handlers and channels, and reports the
// diagnostics that need nothing but this file.
import type { SyntaxNode, Tree } from '@lezer/common';
import { catalog, integrationByConfig, integrationByEnum } from '../../catalog/catalog';
import type { CapsuleDiagnostic, Location, Range, SecretRef, Severity } from './types';
import type { FileApp, FileSummary, ImportBinding, RawHandler } from './model-types';
import { LineIndex } from './text';
import { callArgs, dottedName, type CallArgs } from './syntax';
import { stringValue, isStringNode } from './strings';
import { checkDeclaration, integrationTypeOf } from './declarations';
import { findKeyPattern, isCredentialLiteral, isSecretLookingLiteral, secretNameFor } from './credentials';
import { checkChannelCall } from './channels';
import { syntaxError } from './syntax-errors';
import { checkSdkCall } from './sdk-calls';
import { SDK_CALL_NAMES, sdkEntry } from './sdk-api';
import { AppSurfaces } from './app-surfaces';
import { checkCron, checkLock, namesOfCall, namesOfDecorator } from './app-names';
import { filesOfCall } from './app-files';

/** App methods that are called rather than used as decorators but require a functional App too. */
const FUNCTIONAL_CALLS = new Set(['workflow']);

/** Decorators whose function the SDK calls at import (its body runs before the app starts). */
const IMPORT_TIME_DECORATORS = new Set(['page', 'home_body', 'onboarding', 'chat_page', 'ui']);

const USE_METHODS = catalog.integrationUseMethods;

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SESSION_TYPES = new Set(catalog.contextTypes);
/** Names under which code holds a Session or RequestContext (`session`, `ctx`, `self.session`...). */
const SESSION_NAMES = /session|ctx|context|^s$|^sess$|^rc$/i;
const CREDENTIAL_KEYWORDS = new Set(catalog.credentialKeywords);
const CONFIG_CTORS = new Set(['IntegrationConfig', 'Pipedream', ...[...catalog.integrations.values()].map((i) => i.config)]);
const CHANNEL_CLASSES = new Set(['Channel', 'Chat', 'API', ...[...catalog.channels.values()].flatMap((c) => (c.deprecatedClass ? [c.deprecatedClass] : []))]);
const CPSL_MODULE_MEMBERS = new Set(Object.keys(catalog.api.module));
const CHANNEL_KEYS = new Set([...catalog.channels.values()].flatMap((c) => Object.keys(c.credentials ?? {})));

/** How the file refers to `cpsl`, `os` and their members. */
export class Scope {
  readonly cpslModules = new Set<string>();
  readonly cpslMembers = new Map<string, string>();
  cpslStar = false;
  readonly osModules = new Set<string>();
  readonly environNames = new Set<string>();
  readonly getenvNames = new Set<string>();

  /** `c.Secret.from_name` -> ["Secret", "from_name"] when `c` is cpsl; undefined otherwise. */
  cpslPath(parts: string[] | undefined): string[] | undefined {
    if (!parts || parts.length === 0) return undefined;
    const [head, ...rest] = parts;
    if (this.cpslModules.has(head!)) return rest.length ? rest : undefined;
    const member = this.cpslMembers.get(head!);
    if (member) return [...member.split('.'), ...rest];
    if (this.cpslStar && CPSL_MODULE_MEMBERS.has(head!)) return parts;
    return undefined;
  }
}

export interface FileContext {
  path: string;
  text: string;
  index: LineIndex;
  scope: Scope;
  diagnostics: CapsuleDiagnostic[];
  /** Offsets of literals already reported as hard-coded credentials. */
  reportedCredentials: Set<number>;
  /** Top-level names assigned a config object call, for `app.add_integration(cfg)`. */
  configVars: Map<string, SyntaxNode>;
  location(from: number, to: number): Location;
  range(from: number, to: number): Range;
  report(
    code: string,
    severity: Severity,
    from: number,
    to: number,
    message: string,
    extra?: Partial<Pick<CapsuleDiagnostic, 'tags' | 'related' | 'data'>>,
  ): void;
  cpslCallee(call: SyntaxNode): string[] | undefined;
}

function makeContext(path: string, text: string): FileContext {
  const index = new LineIndex(text);
  const scope = new Scope();
  const reported = new Set<string>();
  const ctx: FileContext = {
    path,
    text,
    index,
    scope,
    diagnostics: [],
    reportedCredentials: new Set(),
    configVars: new Map(),
    range: (from, to) => index.range(from, to),
    location: (from, to) => ({ path, range: index.range(from, to) }),
    report(code, severity, from, to, message, extra) {
      // The same expression can be reached twice (as a use and as a member expression).
      const key = `${code}@${from}`;
      if (reported.has(key)) return;
      reported.add(key);
      ctx.diagnostics.push({ path, range: index.range(from, to), severity, code, message, ...extra });
    },
    cpslCallee: (call) => scope.cpslPath(dottedName(text, call.firstChild)),
  };
  return ctx;
}

export function readImport(text: string, node: SyntaxNode): ImportBinding[] {
  const out: ImportBinding[] = [];
  const first = node.firstChild;
  if (!first) return out;
  const word = (n: SyntaxNode) => text.slice(n.from, n.to);
  if (first.type.name === 'import') {
    // import a.b [as c], d
    let parts: string[] = [];
    let alias: string | undefined;
    let expectAlias = false;
    const flush = () => {
      if (parts.length) {
        const module = parts.join('.');
        out.push(alias ? { kind: 'module', module, local: alias, aliased: true } : { kind: 'module', module, local: parts[0]! });
        // `import a.b` binds `a` only; record the full module under it for attribute chains.
      }
      parts = [];
      alias = undefined;
    };
    for (let c = first.nextSibling; c; c = c.nextSibling) {
      const n = c.type.name;
      if (n === 'VariableName') {
        if (expectAlias) {
          alias = word(c);
          expectAlias = false;
        } else parts.push(word(c));
      } else if (n === 'as') expectAlias = true;
      else if (n === ',') flush();
    }
    flush();
    return out;
  }
  if (first.type.name !== 'from') return out;
  // from [.]*module import (a [as b], ...) | *
  let level = 0;
  const moduleParts: string[] = [];
  let c = first.nextSibling;
  for (; c && c.type.name !== 'import'; c = c.nextSibling) {
    // Dots before the first name are the relative level; after it they join the module's parts.
    if (moduleParts.length) {
      if (c.type.name === 'VariableName') moduleParts.push(word(c));
    } else if (c.type.name === '.') level++;
    else if (c.type.name === 'Ellipsis') level += 3;
    else if (c.type.name === 'VariableName') moduleParts.push(word(c));
  }
  const module = moduleParts.join('.');
  let name: string | undefined;
  let expectAlias = false;
  const push = (local: string) => {
    if (name) out.push({ kind: 'from', module, level, name, local });
    name = undefined;
  };
  for (c = c?.nextSibling ?? null; c; c = c.nextSibling) {
    const n = c.type.name;
    if (n === '*') out.push({ kind: 'star', module, level });
    else if (n === 'VariableName') {
      if (expectAlias) {
        push(word(c));
        expectAlias = false;
      } else {
        if (name) push(name);
        name = word(c);
      }
    } else if (n === 'as') expectAlias = true;
  }
  if (name) push(name);
  return out;
}

export function applyImport(scope: Scope, b: ImportBinding): void {
  if (b.kind === 'module') {
    // `import cpsl.ui` binds `cpsl` itself; `import cpsl.ui as ui` binds the submodule, as
    // `from cpsl import ui` does (the form the published examples use).
    const sub = b.module.startsWith('cpsl.') ? b.module.slice(5).split('.') : undefined;
    if (b.module === 'cpsl' || (sub && !b.aliased)) scope.cpslModules.add(b.local);
    else if (sub?.length === 1) scope.cpslMembers.set(b.local, sub[0]!);
    if (b.module === 'os') scope.osModules.add(b.local);
    return;
  }
  if (b.kind === 'star') {
    if (b.module === 'cpsl' && b.level === 0) scope.cpslStar = true;
    return;
  }
  if (b.level !== 0) return;
  if (b.module === 'cpsl') scope.cpslMembers.set(b.local, b.name);
  // `from cpsl.ui import Chart`: the widget, as `ui.Chart`.
  if (b.module === 'cpsl.ui') scope.cpslMembers.set(b.local, `ui.${b.name}`);
  if (b.module === 'os' && b.name === 'environ') scope.environNames.add(b.local);
  if (b.module === 'os' && b.name === 'getenv') scope.getenvNames.add(b.local);
}

/** The last name of a callee (`b` of `a.b(...)`), cheap enough to run on every call. */
function calleeTail(text: string, callee: SyntaxNode | null): string | undefined {
  if (!callee) return undefined;
  if (callee.type.name === 'VariableName') return text.slice(callee.from, callee.to);
  if (callee.type.name === 'MemberExpression') {
    const last = callee.lastChild;
    if (last?.type.name === 'PropertyName') return text.slice(last.from, last.to);
  }
  return undefined;
}

/** Whether a MemberExpression is `<something>.integrations`. */
function isIntegrationsAttr(text: string, node: SyntaxNode | null | undefined): boolean {
  if (!node || node.type.name !== 'MemberExpression') return false;
  const last = node.lastChild;
  return !!last && last.type.name === 'PropertyName' && text.slice(last.from, last.to) === 'integrations';
}

/** Whether `node` is the target of an assignment (`x[k] = v`), i.e. a write rather than a read. */
function isAssignTarget(node: SyntaxNode): boolean {
  const parent = node.parent;
  return !!parent && (parent.type.name === 'AssignStatement' || parent.type.name === 'UpdateStatement') && parent.firstChild?.from === node.from && node.nextSibling?.type.name === 'AssignOp';
}

/** The keyword name when `node` is the value of `keyword=node` in a call. */
function keywordOf(text: string, node: SyntaxNode): string | undefined {
  const op = node.prevSibling;
  if (!op || op.type.name !== 'AssignOp' || node.parent?.type.name !== 'ArgList') return undefined;
  const kw = op.prevSibling;
  return kw?.type.name === 'VariableName' ? text.slice(kw.from, kw.to) : undefined;
}

class Walker {
  readonly summary: FileSummary;
  private functionFrom: number | undefined;
  private readonly contextParams = new Set<string>();
  /** Top-level functions the SDK calls at import (page functions...), by their `def` offset. */
  private readonly importTimeFunctions = new Set<number>();
  private readonly surfaces: AppSurfaces;

  constructor(private readonly ctx: FileContext) {
    this.surfaces = new AppSurfaces(ctx);
    this.summary = {
      path: ctx.path,
      text: ctx.text,
      importsCpsl: false,
      usesDotenv: false,
      imports: [],
      apps: [],
      integrations: [],
      uses: [],
      secretRefs: [],
      environReads: [],
      handlers: [],
      channelRefs: [],
      fileRefs: [],
      nameDecls: [],
      nameRefs: [],
      functionalCalls: [],
      surfaces: this.surfaces.declared,
      diagnostics: ctx.diagnostics,
    };
  }

  run(tree: Tree): void {
    const top = tree.topNode;
    // Imports first, so that uses above a late top-level import still resolve.
    for (let c = top.firstChild; c; c = c.nextSibling) {
      if (c.type.name === 'ImportStatement') this.importStatement(c, true);
      else if (c.type.name === 'DecoratedStatement') {
        const def = c.getChild('FunctionDefinition');
        const runs = c.getChildren('Decorator').some((d) => {
          const names = d.getChildren('VariableName');
          const last = names[names.length - 1];
          return names.length >= 2 && !!last && IMPORT_TIME_DECORATORS.has(this.ctx.text.slice(last.from, last.to)) && !!d.getChild('ArgList');
        });
        if (def && runs) this.importTimeFunctions.add(def.from);
      }
    }
    const cursor = tree.cursor();
    const stack: Array<number | undefined> = [];
    for (;;) {
      const name = cursor.type.name;
      let descend = true;
      switch (name) {
        case 'ImportStatement':
          if (cursor.node.parent?.type.name !== 'Script') this.importStatement(cursor.node, false);
          descend = false;
          break;
        case 'CallExpression':
          this.call(cursor.node);
          break;
        case 'MemberExpression':
          this.member(cursor.node);
          break;
        case 'BinaryExpression':
          this.binary(cursor.node);
          break;
        case 'DecoratedStatement':
          this.decorated(cursor.node);
          break;
        case 'AssignStatement':
          this.assign(cursor.node);
          break;
        case 'String':
          if (cursor.to - cursor.from >= 22) this.stringLiteral(cursor.node);
          descend = false;
          break;
        case 'ParamList':
          this.params(cursor.node);
          break;
        default:
          break;
      }
      const entering = (name === 'FunctionDefinition' || name === 'ClassDefinition') && this.functionFrom === undefined ? cursor.from : undefined;
      if (descend && cursor.firstChild()) {
        stack.push(this.functionFrom);
        if (entering !== undefined) this.functionFrom = entering;
        continue;
      }
      while (!cursor.nextSibling()) {
        if (!cursor.parent()) return;
        this.functionFrom = stack.pop();
      }
    }
  }

  private importStatement(node: SyntaxNode, topLevel: boolean): void {
    const bindings = readImport(this.ctx.text, node);
    for (const b of bindings) {
      applyImport(this.ctx.scope, b);
      if ((b.module === 'cpsl' || b.module.startsWith('cpsl.')) && (b.kind === 'module' || b.level === 0)) this.summary.importsCpsl = true;
      if (b.module === 'dotenv' || b.module.startsWith('dotenv.')) this.summary.usesDotenv = true;
      if (topLevel || !this.summary.imports.some((i) => JSON.stringify(i) === JSON.stringify(b))) this.summary.imports.push(b);
    }
  }

  private assign(node: SyntaxNode): void {
    // Remember `cfg = cpsl.GitHub(...)` so that `app.add_integration(cfg)` can be checked.
    const target = node.firstChild;
    if (!target || target.type.name !== 'VariableName') return;
    let value = target.nextSibling;
    if (value?.type.name === 'TypeDef') value = value.nextSibling;
    if (value?.type.name !== 'AssignOp') return;
    value = value.nextSibling;
    if (!value || value.type.name !== 'CallExpression' || (value.nextSibling && value.nextSibling.type.name !== 'Comment')) return;
    const callee = dottedName(this.ctx.text, value.firstChild);
    if (callee?.length === 2 && callee[1] === 'workflow' && this.isApp(callee[0]!)) {
      const args = callArgs(this.ctx.text, value.getChild('ArgList'));
      const nameArg = args.keywords.get('name')?.value ?? args.positional[0];
      const name = nameArg ? stringValue(this.ctx.text, nameArg) : undefined;
      this.workflows.set(this.ctx.text.slice(target.from, target.to), { receiver: callee[0]!, name: name?.terminated ? name.value : undefined });
    }
    const path = this.ctx.cpslCallee(value);
    if (path?.length === 1 && CONFIG_CTORS.has(path[0]!)) {
      this.ctx.configVars.set(this.ctx.text.slice(target.from, target.to), value);
    }
  }

  /** Whether a plain name holds an App (declared above in this file, or imported as one). */
  private readonly isApp = (name: string): boolean =>
    this.summary.apps.some((a) => a.variable === name) || this.summary.imports.some((b) => b.kind === 'from' && b.local === name && /(^|_)app$/i.test(b.name));

  /** Names assigned a Workflow at module level (`research = app.workflow("Research")`). */
  private readonly workflows = new Map<string, { receiver: string; name: string | undefined }>();
  private readonly isWorkflow = (name: string): boolean => this.workflows.has(name);
  /**
   * What the SDK checks trust: Apps created in this file, tracked workflows, and sessions named
   * `session` or annotated as one (a `requests.Session` named `s` or a FastAPI `app` imported from
   * elsewhere must never get an SDK error). Declarations are read with the broader `isApp`.
   */
  private readonly strictKinds = {
    isApp: (name: string) => this.summary.apps.some((a) => a.variable === name),
    isWorkflow: this.isWorkflow,
    isSession: (name: string) => name === 'session' || this.contextParams.has(name),
  };
  private readonly broadKinds = { isApp: this.isApp, isWorkflow: this.isWorkflow, isSession: (name: string) => name === 'session' || this.contextParams.has(name) };

  private get importTime(): boolean {
    return this.functionFrom === undefined || this.importTimeFunctions.has(this.functionFrom);
  }

  private call(node: SyntaxNode): void {
    const { text } = this.ctx;
    const callee = node.firstChild;
    const tail = calleeTail(text, callee);
    if (tail === undefined) return;
    const argList = node.getChild('ArgList');
    if (this.summary.importsCpsl && (SDK_CALL_NAMES.has(tail) || this.ctx.scope.cpslMembers.has(tail))) {
      const parts = dottedName(text, callee);
      // Resolved before reading the arguments: most calls of a file are not the SDK's.
      const hit = parts && sdkEntry(this.ctx.scope, this.strictKinds, parts);
      const named = hit || (parts && sdkEntry(this.ctx.scope, this.broadKinds, parts));
      if (named) {
        const args = callArgs(text, argList);
        if (hit) checkSdkCall(this.ctx, { node, callee: parts, args, importTime: this.importTime, kinds: this.strictKinds, hit });
        namesOfCall(this.ctx, named, args, this.summary.nameDecls, this.summary.nameRefs);
        if (hit) filesOfCall(this.ctx, hit, parts.length === 2 ? parts[0] : undefined, args, this.summary.fileRefs);
        if (hit && hit.kind === 'app' && parts.length === 2 && topLevel(node)) this.surfaces.call(parts[0]!, parts[1]!, node, args);
        if (hit?.kind === 'app' && parts.length === 2 && FUNCTIONAL_CALLS.has(parts[1]!)) {
          const loc = this.ctx.location(node.from, argList?.from ?? node.to);
          this.summary.functionalCalls.push({ receiver: [parts[0]!], decorator: parts[1]!, name: '', location: loc, from: node.from, to: node.to, isClass: false });
        }
      }
    }
    if ((tail === 'add_page' || tail === 'add_onboarding') && topLevel(node)) {
      const parts = dottedName(text, callee);
      // On a name another file binds (`from main import app`): declared, unchecked (an App of this file is checked above).
      if (parts?.length === 2 && !this.strictKinds.isApp(parts[0]!)) this.surfaces.call(parts[0]!, tail, node, callArgs(text, argList), undefined, false);
    }
    const path = this.ctx.cpslCallee(node);
    if (path) {
      this.cpslCall(node, path, callArgs(text, argList));
      return;
    }
    if (tail === 'add_integration' && callee!.type.name === 'MemberExpression') {
      const args = callArgs(text, argList);
      const receiver = dottedName(text, callee!.firstChild);
      const raw = checkDeclaration(this.ctx, node, args, receiver);
      if (raw) this.summary.integrations.push(raw);
      this.credentialKeywords(args, 'add_integration', raw?.decl.type, true);
      return;
    }
    const useKind = Object.hasOwn(USE_METHODS, tail) ? USE_METHODS[tail] : undefined;
    if (useKind && callee!.type.name === 'MemberExpression') {
      const args = callArgs(text, argList);
      const arg = args.positional[0] ?? args.keywords.get('integration')?.value ?? args.keywords.get('integration_type')?.value;
      if (arg) this.use(arg, useKind);
      return;
    }
    if (tail === 'get' && callee!.type.name === 'MemberExpression') {
      const object = callee!.firstChild;
      if (isIntegrationsAttr(text, object) && this.isSdkIntegrations(object!)) {
        const arg = callArgs(text, argList).positional[0];
        if (arg) this.use(arg, 'read');
        return;
      }
      if (this.isEnviron(object)) {
        const args = callArgs(text, argList);
        if (args.positional[0]) this.environRead(args.positional[0], args.positional.length > 1 || args.keywords.has('default'));
        return;
      }
    }
    if (tail === 'getenv') {
      const parts = dottedName(text, callee);
      const scope = this.ctx.scope;
      if (parts && ((parts.length === 2 && scope.osModules.has(parts[0]!)) || (parts.length === 1 && scope.getenvNames.has(parts[0]!)))) {
        const args = callArgs(text, argList);
        if (args.positional[0]) this.environRead(args.positional[0], args.positional.length > 1 || args.keywords.has('default'));
        return;
      }
    }
    if (argList && this.summary.importsCpsl) this.credentialKeywords(callArgs(text, argList), tail, undefined, false);
  }

  /** Parameters annotated with a cpsl session or context type (`session: cpsl.Session`). */
  private params(node: SyntaxNode): void {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.type.name !== 'VariableName') continue;
      const typeDef = c.nextSibling;
      if (typeDef?.type.name !== 'TypeDef') continue;
      const path = this.ctx.scope.cpslPath(dottedName(this.ctx.text, typeDef.lastChild));
      if (path?.length === 1 && SESSION_TYPES.has(path[0]!)) this.contextParams.add(this.ctx.text.slice(c.from, c.to));
    }
  }

  /**
   * Whether `<x>.integrations` is the SDK's (a Session or RequestContext) rather than some other
   * object's attribute: `x` is annotated with a cpsl type, named like a session or context, or
   * `cpsl.current_session()`.
   */
  private isSdkIntegrations(attr: SyntaxNode): boolean {
    const object = attr.firstChild;
    if (!object) return false;
    if (object.type.name === 'CallExpression') return this.ctx.cpslCallee(object)?.join('.') === 'current_session';
    const parts = dottedName(this.ctx.text, object);
    const last = parts?.[parts.length - 1];
    if (!last) return false;
    return this.contextParams.has(last) || SESSION_NAMES.test(last);
  }

  private isEnviron(node: SyntaxNode | null | undefined): boolean {
    const parts = dottedName(this.ctx.text, node);
    if (!parts) return false;
    const scope = this.ctx.scope;
    return (parts.length === 2 && parts[1] === 'environ' && scope.osModules.has(parts[0]!)) || (parts.length === 1 && scope.environNames.has(parts[0]!));
  }

  private cpslCall(node: SyntaxNode, path: string[], args: CallArgs): void {
    const head = path[0]!;
    if (path.length === 1 && head === 'App') return this.app(node, args);
    if (path.length === 2 && head === 'Secret' && path[1] === 'from_name') return this.fromName(node, args);
    if (path.length === 1 && CHANNEL_CLASSES.has(head)) {
      const ref = checkChannelCall(this.ctx, node, head, args);
      if (ref) this.summary.channelRefs.push(ref);
      this.credentialKeywords(args, head, undefined, true);
      return;
    }
    if (path.length === 1 && CONFIG_CTORS.has(head)) {
      // Config objects are checked where they are declared (add_integration); here only their
      // literal credentials, so that a config kept in a variable is still covered.
      const type = head === 'IntegrationConfig' ? undefined : (integrationByConfig(head)?.type ?? (head === 'Pipedream' ? 'pipedream' : undefined));
      this.credentialKeywords(args, head, type, true);
      return;
    }
    if (path.length === 1 && path[0] === 'current_session') return;
    this.credentialKeywords(args, head, undefined, true);
  }

  private app(node: SyntaxNode, args: CallArgs): void {
    const { text } = this.ctx;
    const parent = node.parent;
    let variable = '';
    if (parent?.type.name === 'AssignStatement' && parent.lastChild?.from === node.from) {
      const target = parent.firstChild;
      if (target?.type.name === 'VariableName' && target.nextSibling && ['AssignOp', 'TypeDef'].includes(target.nextSibling.type.name)) {
        variable = text.slice(target.from, target.to);
      }
    }
    const nameNode = args.positional[0] ?? args.keywords.get('name')?.value;
    const nameValue = nameNode ? stringValue(text, nameNode) : undefined;
    const image = args.keywords.get('image')?.value;
    const app: FileApp = {
      variable,
      name: nameValue?.terminated ? nameValue.value : undefined,
      path: this.ctx.path,
      location: this.ctx.location(node.from, node.to),
      hasImage: !!image && image.type.name !== 'None',
      imageKnown: !args.splat || !!image,
      secrets: args.splat && !args.keywords.has('secrets') ? undefined : [],
      channels: [],
    };
    const filesystems = args.keywords.get('filesystems')?.value;
    if (filesystems && filesystems.type.name !== 'None') {
      // The emulator names them too, when the app registers (emulator/runner/supervisor.ts).
      this.ctx.report('capsule/local-unsupported', 'information', filesystems.from, filesystems.to,
        'Managed filesystems are kept in the workspace (.capsule/filesystems/<name>) in Capsule Local: on the real SDK the app\'s Python file calls see each one at its mount path; shell commands, C libraries that open files themselves and the bundled runtime do not. On Capsule the platform mounts them.',
        { data: { argument: 'filesystems' } });
    }
    const secrets = args.keywords.get('secrets')?.value;
    if (secrets) {
      if (secrets.type.name === 'None') app.secrets = [];
      else if (secrets.type.name === 'ArrayExpression' || secrets.type.name === 'TupleExpression') {
        app.secretsRange = this.ctx.range(secrets.from, secrets.to);
        for (let c = secrets.firstChild; c; c = c.nextSibling) {
          if (['[', ']', '(', ')', ',', 'Comment'].includes(c.type.name)) continue;
          const v = isStringNode(c) ? stringValue(text, c) : undefined;
          if (!v?.terminated) {
            app.secrets = undefined;
            continue;
          }
          app.secrets?.push(v.value);
          this.secretRef(v.value, 'app-secrets', c);
        }
      } else app.secrets = undefined;
    }
    const channels = args.keywords.get('channels')?.value;
    if (channels && (channels.type.name === 'ArrayExpression' || channels.type.name === 'TupleExpression')) {
      for (let c = channels.firstChild; c; c = c.nextSibling) {
        if (c.type.name !== 'CallExpression') continue;
        const p = this.ctx.cpslCallee(c);
        if (!p || p.length !== 1 || !CHANNEL_CLASSES.has(p[0]!)) continue;
        const kind = p[0] === 'Channel' ? 'channel' : p[0]!.toLowerCase();
        const arg = callArgs(text, c.getChild('ArgList'));
        const n = arg.positional[0] ?? arg.keywords.get('name')?.value;
        const v = kind === 'channel' && n ? stringValue(text, n) : undefined;
        app.channels.push({ kind, ...(v?.terminated ? { name: v.value } : {}), location: this.ctx.location(c.from, c.to) });
      }
    }
    this.summary.apps.push(app);
  }

  private fromName(node: SyntaxNode, args: CallArgs): void {
    const arg = args.positional[0] ?? args.keywords.get('name')?.value;
    if (!arg) return;
    const v = stringValue(this.ctx.text, arg);
    if (!v?.terminated) return;
    let kind: SecretRef['kind'] = 'from-name';
    const keyword = keywordOf(this.ctx.text, node);
    const outer = node.parent?.parent;
    if (keyword && outer?.type.name === 'CallExpression') {
      const tail = calleeTail(this.ctx.text, outer.firstChild);
      const path = this.ctx.cpslCallee(outer);
      if (path?.length === 1 && CHANNEL_CLASSES.has(path[0]!) && CHANNEL_KEYS.has(keyword)) kind = 'channel-credential';
      else if ((keyword === 'client_id' || keyword === 'client_secret') && (tail === 'add_integration' || (path?.length === 1 && CONFIG_CTORS.has(path[0]!)))) {
        kind = 'integration-client';
      }
    }
    this.secretRef(v.value, kind, arg);
  }

  private secretRef(name: string, kind: SecretRef['kind'], node: SyntaxNode): void {
    this.summary.secretRefs.push({ name, kind, location: this.ctx.location(node.from, node.to) });
    if (!SECRET_NAME.test(name)) {
      const suggestion = suggestSecretName(name);
      this.ctx.report(
        'capsule/invalid-secret-name',
        'warning',
        node.from,
        node.to,
        (name === '' ? 'A secret name cannot be empty' : `"${name}" is not a valid secret name`) +
          ': secrets become environment variables of the app, so use letters, digits and _ and do not start with a digit' +
          (suggestion ? ` (did you mean ${suggestion}?)` : '.'),
        { data: { secret: name, ...(suggestion ? { suggestion } : {}) } },
      );
    }
  }

  private environRead(arg: SyntaxNode, hasDefault: boolean): void {
    const v = stringValue(this.ctx.text, arg);
    if (!v?.terminated) return;
    this.summary.environReads.push({ name: v.value, location: this.ctx.location(arg.from, arg.to), hasDefault, functionFrom: this.functionFrom });
  }

  private member(node: SyntaxNode): void {
    const { text } = this.ctx;
    const bracket = node.getChild('[');
    if (bracket) {
      // x.integrations["gmail"] / os.environ["KEY"]
      const object = node.firstChild;
      const key = bracket.nextSibling;
      if (!key || key.type.name === ']') return;
      if (isIntegrationsAttr(text, object)) {
        if (!isAssignTarget(node) && this.isSdkIntegrations(object!)) this.use(key, 'read');
      } else if (this.isEnviron(object) && !isAssignTarget(node)) {
        this.environRead(key, false);
      }
      return;
    }
    // Integration.X used anywhere: an unknown member fails with AttributeError at runtime.
    const parts = dottedName(text, node);
    const path = this.ctx.scope.cpslPath(parts);
    if (path?.length === 2 && path[0] === 'Integration' && node.parent?.type.name !== 'MemberExpression') {
      integrationTypeOf(this.ctx, node);
    }
  }

  private binary(node: SyntaxNode): void {
    // "gmail" in session.integrations
    const left = node.firstChild;
    const right = node.lastChild;
    if (!left || !right || left === right) return;
    let op = left.nextSibling;
    if (op?.type.name === 'not') op = op.nextSibling;
    if (op?.type.name !== 'in') return;
    if (isIntegrationsAttr(this.ctx.text, right) && this.isSdkIntegrations(right)) this.use(left, 'read');
  }

  private use(arg: SyntaxNode, kind: 'read' | 'prompt' | 'require' | 'show'): void {
    const t = integrationTypeOf(this.ctx, arg);
    if (!t) return;
    this.summary.uses.push({ type: t, kind, location: this.ctx.location(arg.from, arg.to), functionFrom: this.functionFrom });
  }

  private decorated(node: SyntaxNode): void {
    const { text } = this.ctx;
    const def = node.getChild('FunctionDefinition') ?? node.getChild('ClassDefinition');
    if (!def) return;
    const defName = def.getChild('VariableName');
    for (const dec of node.getChildren('Decorator')) {
      const names: string[] = [];
      let argList: SyntaxNode | null = null;
      let end = dec.from;
      let plain = true;
      for (let c = dec.firstChild; c; c = c.nextSibling) {
        const n = c.type.name;
        if (n === 'VariableName') {
          names.push(text.slice(c.from, c.to));
          end = c.to;
        } else if (n === 'ArgList') {
          argList = c;
          end = c.to;
        } else if (n !== 'At' && n !== '.' && n !== 'Comment') plain = false;
      }
      if (!plain || names.length < 2) continue;
      if (argList && this.summary.importsCpsl) {
        const args = callArgs(text, argList);
        checkSdkCall(this.ctx, { node: dec, callee: names, args, importTime: this.functionFrom === undefined, kinds: this.strictKinds });
        const onApp = names.length === 2 && this.strictKinds.isApp(names[0]!);
        if (onApp && names[1] === 'schedule') checkCron(this.ctx, args);
        if (onApp && names[1] === 'task' && def.type.name === 'FunctionDefinition') checkLock(this.ctx, args, def);
        // Only a lone decorator: another one below it hands the SDK a different function.
        const alone = node.getChildren('Decorator').length === 1;
        if (names.length === 2 && topLevel(node) && def.type.name === 'FunctionDefinition') {
          if (this.strictKinds.isApp(names[0]!)) this.surfaces.call(names[0]!, names[1]!, dec, args, alone ? def : undefined);
          else if (names[1] === 'ui' && this.isWorkflow(names[0]!) && alone) {
            const wf = this.workflows.get(names[0]!)!;
            this.surfaces.workflowUi(dec, def, wf.name !== undefined ? { receiver: wf.receiver, name: wf.name } : undefined);
          }
        }
      }
      // A page surface on a name another file binds (`from main import app`): declared, unchecked.
      if (argList && names.length === 2 && topLevel(node) && def.type.name === 'FunctionDefinition' && !this.strictKinds.isApp(names[0]!) && !this.isWorkflow(names[0]!)) {
        this.surfaces.call(names[0]!, names[1]!, dec, callArgs(text, argList), node.getChildren('Decorator').length === 1 ? def : undefined, false);
      }
      if (names.length === 2 && this.summary.importsCpsl) {
        namesOfDecorator(this.ctx, this.isApp(names[0]!), names[1]!, argList ? callArgs(text, argList) : undefined, defName ? text.slice(defName.from, defName.to) : '', this.summary.nameDecls);
      }
      const handler: RawHandler = {
        receiver: names.slice(0, -1),
        decorator: names[names.length - 1]!,
        name: defName ? text.slice(defName.from, defName.to) : '',
        location: this.ctx.location(dec.from, end),
        from: def.from,
        to: def.to,
        isClass: def.type.name === 'ClassDefinition',
      };
      if (argList) {
        const access = callArgs(text, argList).keywords.get('access')?.value;
        const v = access ? stringValue(text, access) : undefined;
        if (access && v?.terminated) handler.access = { value: v.value, location: this.ctx.location(access.from, access.to) };
      }
      this.summary.handlers.push(handler);
    }
  }

  private stringLiteral(node: SyntaxNode): void {
    if (this.ctx.reportedCredentials.has(node.from)) return;
    const v = stringValue(this.ctx.text, node);
    if (!v?.terminated) return;
    const key = findKeyPattern(v.value);
    if (!key) return;
    // Name the secret after the variable it is assigned to, when that is a usable name.
    let secret = key.secret;
    const parent = node.parent;
    if (parent?.type.name === 'AssignStatement' && parent.firstChild?.type.name === 'VariableName') {
      const target = this.ctx.text.slice(parent.firstChild.from, parent.firstChild.to);
      if (/^[A-Z][A-Z0-9_]*$/.test(target)) secret = target;
    }
    this.reportCredential(node, `${key.what} is written in the source`, secret, undefined);
  }

  /** Credential keyword arguments given as string literals. `cpsl`: a cpsl call (stricter rules otherwise). */
  private credentialKeywords(args: CallArgs, callName: string, prefix: string | undefined, cpsl: boolean): void {
    for (const [kw, arg] of args.keywords) {
      if (!CREDENTIAL_KEYWORDS.has(kw) || !isStringNode(arg.value)) continue;
      const v = stringValue(this.ctx.text, arg.value);
      if (!v?.terminated) continue;
      const key = findKeyPattern(v.value);
      if (!key && !(cpsl ? isCredentialLiteral(v.value) : isSecretLookingLiteral(v.value))) continue;
      const secret = secretNameFor(prefix ?? (cpsl ? channelPrefix(callName) : undefined), kw);
      this.reportCredential(arg.value, `${kw} of ${callName}(...) is written in the source as a string literal`, secret, kw);
    }
  }

  private reportCredential(node: SyntaxNode, what: string, secret: string, keyword: string | undefined): void {
    if (this.ctx.reportedCredentials.has(node.from)) return;
    this.ctx.reportedCredentials.add(node.from);
    this.ctx.report(
      'capsule/hardcoded-credential',
      'warning',
      node.from,
      node.to,
      `Hard-coded credential: ${what}. Anyone who can read the code can use it. Store it as a secret ` +
        `(capsule-local secret set ${secret}) and read it with cpsl.Secret.from_name("${secret}").`,
      { data: { secret, ...(keyword ? { keyword } : {}), valueRange: this.ctx.range(node.from, node.to) } },
    );
  }
}

function channelPrefix(callName: string): string | undefined {
  for (const c of catalog.channels.values()) if (c.deprecatedClass === callName) return c.type;
  return undefined;
}

/** `my-key` -> `MY_KEY`. */
export function suggestSecretName(name: string): string | undefined {
  let s = name.trim().replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_(?=[A-Za-z])|_$/g, '').toUpperCase();
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s && SECRET_NAME.test(s) && s !== name ? s : undefined;
}

/**
 * Summarises one parsed file. Pure: the same (path, text, tree) always gives the same summary.
 * `cutAt`: the tree covers the text before it only (ParsedText.cutAt).
 */
export function summarizeFile(path: string, text: string, tree: Tree, cutAt?: number): FileSummary {
  const ctx = makeContext(path, text);
  const walker = new Walker(ctx);
  walker.run(tree);
  const error = syntaxError(path, text, tree, ctx.index, cutAt);
  if (error) walker.summary.syntaxError = error;
  return walker.summary;
}

/** Whether a statement runs unconditionally at import: directly in the module, not in an if/try/loop. */
function topLevel(node: SyntaxNode): boolean {
  for (let n = node.parent; n; n = n.parent) {
    const t = n.type.name;
    if (t === 'Script') return true;
    if (t === 'Body' || (t.endsWith('Statement') && t !== 'ExpressionStatement' && t !== 'AssignStatement' && t !== 'DecoratedStatement')) return false;
  }
  return false;
}

export { integrationByEnum };
