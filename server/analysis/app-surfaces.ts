// What an App declares at import, in source order, and the SDK's errors about it: page routes
// (slugified, reserved, duplicate, empty), one onboarding, settings declared twice, and functions
// the SDK calls at import (pages, onboarding, chat page, home body, a workflow's UI) that cannot
// return a widget. One instance per file; the checks mirror app.py of the pinned wheel.
import type { SyntaxNode } from '@lezer/common';
import { catalog, sdkMessage } from '../../catalog/catalog';
import type { FileContext } from './summary';
import type { Location, PageSurface } from './types';
import type { CallArgs } from './syntax';
import { literalOf, render } from './sdk-calls';

const RESERVED = new Set(catalog.sdk.sets.reservedPageRoutes);

/** `_normalize_page_route` of the SDK: the route, or the ValueError's message. */
export function pageRoute(name: string, route: string | undefined): { route: string } | { error: string; when: string } {
  let raw = (route ?? name).trim();
  if (raw.startsWith('#/')) raw = raw.slice(2);
  if (raw.startsWith('/')) raw = raw.slice(1);
  raw = raw.split('?', 1)[0]!.split('#', 1)[0]!;
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    const slug = part.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    if (slug) parts.push(slug);
  }
  let normalized = parts.join('/');
  if (!normalized) return { error: sdkMessage('app:_normalize_page_route', 'not normalized') ?? 'page route must not be empty', when: 'empty' };
  if (RESERVED.has(normalized)) {
    if (route !== undefined) return { error: render(sdkMessage('app:_normalize_page_route', 'route is not None') ?? 'page route {normalized!r} is reserved', { normalized: `'${normalized}'` }), when: 'reserved' };
    normalized = `${normalized}-page`;
  }
  return { route: normalized };
}

const WIDGET_DECORATORS: Record<string, { fn: string; label: (name: string | undefined) => string; widget: string }> = {
  page: { fn: 'app:App.page', label: (n) => `@app.page('${n ?? '...'}')`, widget: 'ui.Page' },
  home_body: { fn: 'app:App.home_body', label: () => '@app.home_body()', widget: 'ui.Page' },
  onboarding: { fn: 'app:App.onboarding', label: () => '@app.onboarding()', widget: 'ui.Page' },
  chat_page: { fn: 'app:App.chat_page', label: () => '@app.chat_page()', widget: 'ui.Page' },
};

interface AppState {
  routes: Map<string, string>;
  settings: Set<string>;
  onboarding: boolean;
}

const LITERAL_NODES = new Set(['String', 'FormatString', 'Number', 'None', 'Boolean', 'ArrayExpression', 'DictionaryExpression', 'TupleExpression', 'SetExpression', 'ContinuedString']);

export class AppSurfaces {
  private readonly apps = new Map<string, AppState>();
  /**
   * The page surfaces declared by a decorator or an add_page/add_onboarding call (what the "Open
   * page" lens opens), in source order, on an App of this file or on a name another file may bind.
   */
  readonly declared: Array<{ receiver: string; surface: PageSurface; location: Location }> = [];

  private declare(receiver: string, surface: PageSurface, node: SyntaxNode): void {
    this.declared.push({ receiver, surface, location: this.ctx.location(node.from, node.to) });
  }

  constructor(private readonly ctx: FileContext) {}

  private state(receiver: string): AppState {
    let s = this.apps.get(receiver);
    if (!s) this.apps.set(receiver, (s = { routes: new Map(), settings: new Set(), onboarding: false }));
    return s;
  }

  private str(args: CallArgs, index: number, keyword: string): string | null | undefined {
    const node = args.keywords.get(keyword)?.value ?? args.positional[index];
    if (!node) return null;
    const l = literalOf(this.ctx.text, node);
    return l?.kind === 'str' ? l.value : l?.kind === 'none' ? null : undefined;
  }

  /**
   * An `app.<method>(...)` call (or decorator) that runs at import. `def` is the decorated function.
   * `checked` false: the receiver is not an App of this file (`from main import app`); the surface
   * is declared by the same rules, but nothing is reported (the linking keeps it when the name is
   * an App in the file it comes from).
   */
  call(receiver: string, method: string, node: SyntaxNode, args: CallArgs, def?: SyntaxNode, checked = true): void {
    if (args.splat) return;
    const report = (...a: Parameters<FileContext['report']>): void => void (checked && this.ctx.report(...a));
    const app = this.state(receiver);
    const at = node;
    if (method === 'page' || method === 'add_page') {
      const name = this.str(args, 0, 'name');
      const route = this.str(args, method === 'page' ? 99 : 99, 'route');
      if (typeof name === 'string' && route !== undefined) {
        const r = pageRoute(name, route ?? undefined);
        if ('error' in r) {
          // On the string at fault, so that the quick fix can replace it (`route="chat"` -> "chat-page").
          const node = args.keywords.get('route')?.value ?? args.keywords.get('name')?.value ?? args.positional[0] ?? at;
          const reserved = r.when === 'reserved' ? pageRoute(`${route}-page`, `${route}-page`) : undefined;
          const suggestion = reserved && 'route' in reserved ? reserved.route : undefined;
          report('capsule/invalid-value', 'error', node.from, node.to, `${r.error} (ValueError: the SDK raises it at import, so the app does not start).` +
            (r.when === 'reserved' ? ` Reserved routes: ${[...RESERVED].join(', ')}.${suggestion ? ` Use route="${suggestion}", or leave route= out (the SDK then appends -page itself).` : ''}` : ' Give the page a name with letters or digits.'),
            { data: { param: 'route', ...(suggestion ? { suggestion, value: route } : {}) } });
          return;
        }
        const other = app.routes.get(r.route);
        if (other !== undefined) {
          const msg = render(sdkMessage('app:_ensure_unique_page_route', 'route') ?? "page route {route!r} for {name!r} conflicts with page {page.get('name')!r}", {
            route: `'${r.route}'`,
            name: `'${name}'`,
            "page.get('name')": `'${other}'`,
          });
          report('capsule/duplicate-declaration', 'error', at.from, at.to, `${msg} (ValueError: the SDK raises it at import, so the app does not start). Give the page another name or route=.`,
            { data: { kind: 'page', route: r.route } });
          return;
        }
        if (method === 'add_page') {
          // A React page (component=): the emulator draws it too, so it gets the lens as well.
          app.routes.set(r.route, name);
          this.declare(receiver, { kind: 'page', name }, at);
        } else if (def) {
          app.routes.set(r.route, name);
          this.declare(receiver, { kind: 'page', name }, at);
        }
      }
    }
    if (method === 'setting') {
      const name = this.str(args, 0, 'name');
      if (typeof name === 'string') {
        if (app.settings.has(name)) {
          report('capsule/duplicate-declaration', 'error', at.from, at.to,
            `${render(sdkMessage('app:App.setting', 'in self._settings') ?? 'setting {name!r} is already declared', { name: `'${name}'` })} (ValueError: the SDK raises it at import, so the app does not start). Remove one of the declarations.`,
            { data: { kind: 'setting', name } });
        }
        app.settings.add(name);
      }
    }
    if (method === 'add_onboarding' || (method === 'onboarding' && def)) {
      if (app.onboarding) {
        report('capsule/duplicate-declaration', 'error', at.from, at.to,
          `${sdkMessage('app:App.add_onboarding', 'is not None') ?? 'only one onboarding surface can be defined'} (ValueError: the SDK raises it at import, so the app does not start). Keep one onboarding.`,
          { data: { kind: 'onboarding' } });
      }
      app.onboarding = true;
      this.declare(receiver, { kind: 'onboarding' }, at);
    }
    if (def && method === 'home_body') this.declare(receiver, { kind: 'home' }, at);
    if (def && method === 'chat_page') this.declare(receiver, { kind: 'chat' }, at);
    if (def && checked && Object.hasOwn(WIDGET_DECORATORS, method)) this.widgetFunction(node, def, WIDGET_DECORATORS[method]!, method === 'page' ? (this.str(args, 0, 'name') ?? undefined) : undefined, method === 'chat_page');
  }

  /** `@wf.ui()`: the SDK calls it at import and needs a widget back. `workflow`: its App and name, when known. */
  workflowUi(node: SyntaxNode, def: SyntaxNode, workflow?: { receiver: string; name: string }): void {
    if (workflow) this.declare(workflow.receiver, { kind: 'workflow', name: workflow.name }, node);
    this.widgetFunction(node, def, { fn: 'workflow:Workflow.ui', label: () => '@workflow.ui()', widget: 'ui.WorkflowShell' }, undefined, false);
  }

  /** The SDK calls `fn()` with no arguments and needs an object with to_dict() back. */
  private widgetFunction(decorator: SyntaxNode, def: SyntaxNode, what: { fn: string; label: (n: string | undefined) => string; widget: string }, name: string | undefined, chatPanel: boolean): void {
    const { text } = this.ctx;
    const fnName = def.getChild('VariableName');
    const params = def.getChild('ParamList');
    // Required parameters: calling fn() raises TypeError.
    if (params) {
      const required: string[] = [];
      let star = false;
      for (let c = params.firstChild; c; c = c.nextSibling) {
        if (c.type.name === '*' || c.type.name === '**') star = true;
        if (c.type.name !== 'VariableName' || star) continue;
        let n = c.nextSibling;
        if (n?.type.name === 'TypeDef') n = n.nextSibling;
        if (n?.type.name !== 'AssignOp') required.push(text.slice(c.from, c.to));
      }
      if (required.length) {
        const f = fnName ? text.slice(fnName.from, fnName.to) : 'handler';
        this.ctx.report('capsule/page-not-widget', 'error', decorator.from, decorator.to,
          `${f}() missing ${required.length} required positional argument${required.length > 1 ? 's' : ''}: ${required.map((r) => `'${r}'`).join(', ')} ` +
            `(TypeError: the SDK calls the function with no arguments at import). Remove the parameters.`, { data: { kind: 'params' } });
        return;
      }
    }
    const template = sdkMessage(what.fn, 'to_dict') ?? `${what.label(name)} handler must return a ${what.widget} widget, got {type(widget_tree).__name__}`;
    const report = (type: string, hint: string) =>
      this.ctx.report('capsule/page-not-widget', 'error', decorator.from, decorator.to,
        `${render(template, { name: name ?? '...', 'type(widget_tree).__name__': type, 'type(tree).__name__': type })} (TypeError: the SDK calls it at import). ${hint}`, { data: { kind: 'return', got: type } });
    const isAsync = def.firstChild?.type.name === 'async';
    if (isAsync) return report('coroutine', `The SDK calls it synchronously: use def, not async def, and return ${what.widget}([...]).`);
    const body = def.getChild('Body');
    if (!body) return;
    const returns: SyntaxNode[] = [];
    let escapes = false;
    const walk = (n: SyntaxNode) => {
      for (let c = n.firstChild; c; c = c.nextSibling) {
        const t = c.type.name;
        if (t === 'FunctionDefinition' || t === 'ClassDefinition' || t === 'LambdaExpression') continue;
        if (t === 'ReturnStatement') returns.push(c);
        if (t === 'RaiseStatement' || t === 'YieldExpression' || t === 'yield') escapes = true;
        walk(c);
      }
    };
    walk(body);
    if (escapes) return;
    const typeOf = (r: SyntaxNode): string | undefined => {
      const v = r.firstChild?.nextSibling;
      if (!v) return 'NoneType';
      if (!LITERAL_NODES.has(v.type.name)) return undefined;
      return { String: 'str', FormatString: 'str', ContinuedString: 'str', Number: /[.eE]/.test(text.slice(v.from, v.to)) ? 'float' : 'int', None: 'NoneType', Boolean: 'bool', ArrayExpression: 'list', DictionaryExpression: 'dict', TupleExpression: 'tuple', SetExpression: 'set' }[v.type.name];
    };
    if (returns.length === 0) return report('NoneType', `Return ${what.widget}([...]).`);
    const types = returns.map(typeOf);
    if (types.every((t) => t !== undefined)) return report(types[0]!, `Return ${what.widget}([...]).`);
    if (chatPanel && returns.length === 1) {
      // A literal widget tree (only ui calls): its ChatPanels can be counted.
      const calls: string[][] = [];
      const collect = (n: SyntaxNode) => {
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (c.type.name === 'CallExpression') {
            const path = this.ctx.cpslCallee(c);
            calls.push(path ?? ['?']);
          }
          collect(c);
        }
      };
      collect(body);
      if (calls.every((p) => p[0] === 'ui')) {
        const panels = calls.filter((p) => p.join('.') === 'ui.ChatPanel').length;
        if (panels !== 1) {
          this.ctx.report('capsule/page-not-widget', 'error', decorator.from, decorator.to,
            `${sdkMessage('app:App.chat_page', 'count != 1') ?? '@app.chat_page() must contain exactly one cpsl.ui.ChatPanel'} (ValueError: the SDK raises it at import; this page has ${panels}).`,
            { data: { kind: 'chat-panel', panels } });
        }
      }
    }
  }
}
