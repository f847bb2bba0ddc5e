// Quick fixes for every fixable diagnostic code. Pure source changes are returned as edits; fixes
// that also change the local store (define a secret, store a credential, create a channel) are
// commands the server performs: it writes the store first and only then applies the source edit,
// so a credential is never removed from the source before it is safely stored.
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver-types';
import { catalog } from '../../catalog/catalog';
import type { FileInput, Providers } from './input';
import { appendArgument, callAt, cpslName, fromNameCall, indentAt, removeArgument, removeStatement, requote } from './edits';
import { CREATE_CHANNEL, DEFINE_SECRET, STORE_CREDENTIAL, type CreateChannelArgs, type CredentialSource, type DefineSecretArgs, type StoreCredentialArgs } from './commands';

/** A diagnostic of ours as the client sent it back, with its code and the analysis' data. */
export interface FixableDiagnostic {
  code: string;
  range: Range;
  data: Record<string, unknown>;
  lsp: Diagnostic;
}

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function codeActions(input: FileInput, providers: Providers, diagnostics: FixableDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    const fix = FIXES[d.code];
    if (!fix) continue;
    for (const a of fix(input, providers, d, d.data as Data)) {
      out.push({ ...a, kind: CodeActionKind.QuickFix, diagnostics: [d.lsp] });
    }
  }
  return out;
}

type Fix = (input: FileInput, providers: Providers, d: FixableDiagnostic, data: Data) => Array<Omit<CodeAction, 'kind' | 'diagnostics'>>;

function edit(input: FileInput, edits: TextEdit[]): WorkspaceEdit {
  return { changes: { [input.uri]: edits } };
}

function editIn(uri: string, edits: TextEdit[]): WorkspaceEdit {
  return { changes: { [uri]: edits } };
}

const suggestionFix: Fix = (input, _p, d, data) => {
  if (typeof data.suggestion !== 'string') return [];
  return [{ title: `Change to '${data.suggestion}'`, isPreferred: true, edit: edit(input, [requote(input, d.range, data.suggestion)]) }];
};

function replaceUse(input: FileInput, range: Range, type: string): TextEdit {
  const text = input.text.slice(input.index.offsetAt(range.start), input.index.offsetAt(range.end));
  if (/^[rRbBuUfF]{0,2}['"]/.test(text)) return requote(input, range, type);
  // `cpsl.Integration.GITHB` -> swap the member.
  const info = catalog.integrations.get(type);
  const dot = text.lastIndexOf('.');
  return { range, newText: info ? `${text.slice(0, dot + 1)}${info.enum}` : `"${type}"` };
}

/** The add_integration skeleton for a type, with client credentials read from secrets. */
function declaration(input: FileInput, app: string, type: string, indent: string): { text: string; imports: TextEdit[] } {
  const info = catalog.integrations.get(type);
  if (info?.mode === 'secret') return { text: `${indent}${app}.add_integration("${type}")\n`, imports: [] };
  if (!info) return { text: `${indent}${app}.add_integration("${type}", fields=["api_key"])\n`, imports: [] };
  const prefix = type.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  const id = fromNameCall(input, `${prefix}_CLIENT_ID`);
  const secret = fromNameCall(input, `${prefix}_CLIENT_SECRET`);
  const inner = `${indent}    `;
  return {
    text: `${indent}${app}.add_integration(\n${inner}"${type}",\n${inner}client_id=${id.text},\n${inner}client_secret=${secret.text},\n${indent})\n`,
    imports: id.imports,
  };
}

/** The file and call of the App a diagnostic's data names (`app` + `appRange`). */
function appTarget(input: FileInput, providers: Providers, data: Data): { file: FileInput; call: ReturnType<typeof callAt> } | undefined {
  const appRange = data.appRange as Range | undefined;
  if (!appRange) return undefined;
  const app = providers.model?.apps.find((a) => a.variable === data.app && a.location.range.start.line === appRange.start.line && a.location.range.start.character === appRange.start.character);
  const file = !app || app.path === input.path ? input : providers.inputOf(app.path);
  if (!file) return undefined;
  return { file, call: callAt(file, file.index.offsetAt(appRange.start)) };
}

function secretCommand(providers: Providers, title: string, args: DefineSecretArgs) {
  return { title, command: { title, command: DEFINE_SECRET, arguments: [args] } };
}

/** A literal the SDK rejects, replaced with the nearest value it accepts (strings only). */
const valueFix: Fix = (input, p, d, data) => {
  const text = input.text.slice(input.index.offsetAt(d.range.start), input.index.offsetAt(d.range.end));
  return /^[rRbBuU]?['"]/.test(text) ? suggestionFix(input, p, d, data) : [];
};

const FIXES: Record<string, Fix> = {
  'capsule/invalid-value': valueFix,
  'capsule/unknown-value': valueFix,
  'capsule/unknown-reference': valueFix,
  'capsule/invalid-argument': (input, _p, d, data) =>
    typeof data.suggestion === 'string' && typeof data.keyword === 'string'
      ? [{ title: `Change to ${data.suggestion}=`, isPreferred: true, edit: edit(input, [{ range: d.range, newText: data.suggestion }]) }]
      : [],
  'capsule/unknown-integration': (input, p, d, data) => {
    if (typeof data.suggestion !== 'string') return [];
    if (typeof data.member === 'string') {
      return [{ title: `Change to Integration.${data.suggestion}`, isPreferred: true, edit: edit(input, [{ range: d.range, newText: data.suggestion }]) }];
    }
    return suggestionFix(input, p, d, data);
  },
  'capsule/unknown-scope': suggestionFix,
  'capsule/invalid-secret-name': suggestionFix,
  'capsule/invalid-access': (input, _p, d, data) =>
    catalog.accessLevels.map((a) => ({ title: `Change to access="${a}"`, isPreferred: a === data.suggestion, edit: edit(input, [requote(input, d.range, a)]) })),

  'capsule/undeclared-integration': (input, providers, d, data) => {
    const out: Array<Omit<CodeAction, 'kind' | 'diagnostics'>> = [];
    if (typeof data.suggestion === 'string') {
      out.push({ title: `Change to '${data.suggestion}'`, isPreferred: true, edit: edit(input, [replaceUse(input, d.range, data.suggestion)]) });
    }
    const target = appTarget(input, providers, data);
    if (target && typeof data.type === 'string') {
      const { file } = target;
      const end = file.index.offsetAt((data.appRange as Range).end);
      const lineEnd = file.text.indexOf('\n', end);
      const at = file.index.positionAt(lineEnd === -1 ? file.text.length : lineEnd + 1);
      const decl = declaration(file, String(data.app), data.type, indentAt(file, end));
      const prefix = lineEnd === -1 ? '\n' : '';
      out.push({
        title: `Declare integration '${data.type}' on ${data.app}`,
        edit: editIn(file.uri, [...decl.imports, { range: { start: at, end: at }, newText: prefix + decl.text }]),
      });
    }
    return out;
  },

  'capsule/oauth-missing-client': (input, _p, d, data) => {
    const call = callAt(input, input.index.offsetAt(d.range.start));
    const missing = (data.missing as string[] | undefined) ?? [];
    const secrets = (data.secrets as string[] | undefined) ?? [];
    if (!call || !missing.length) return [];
    const parts = missing.map((m, i) => {
      const f = fromNameCall(input, secrets[i] ?? m.toUpperCase());
      return { text: `${m}=${f.text}`, imports: f.imports };
    });
    const e = appendArgument(input, call, parts.map((x) => x.text).join(', '));
    if (!e) return [];
    return [{ title: `Add ${missing.join(' and ')} from secrets (${secrets.join(', ')})`, isPreferred: true, edit: edit(input, [...(parts[0]?.imports ?? []), e]) }];
  },

  'capsule/secret-integration-client': (input, _p, d) => [
    { title: 'Remove the client credential', edit: edit(input, [removeArgument(input, input.index.offsetAt(d.range.start), input.index.offsetAt(d.range.end))]) },
  ],

  'capsule/config-combined-with-options': (input, _p, _d, data) => {
    const optionRange = data.optionRange as Range | undefined;
    const configRange = data.configRange as Range | undefined;
    if (!optionRange || !configRange) return [];
    const config = callAt(input, input.index.offsetAt(configRange.start));
    const from = input.index.offsetAt(optionRange.start);
    const to = input.index.offsetAt(optionRange.end);
    const add = config && appendArgument(input, config, input.text.slice(from, to));
    if (!add) return [];
    return [{ title: `Move ${String(data.option)}= into the config object`, isPreferred: true, edit: edit(input, [add, removeArgument(input, from, to)]) }];
  },

  'capsule/custom-integration-missing-fields': (input, _p, d) => {
    const from = input.index.offsetAt(d.range.start);
    if (input.text[from] === '[') return [{ title: 'Add a form field (api_key)', edit: edit(input, [{ range: d.range, newText: '["api_key"]' }]) }];
    const call = callAt(input, from);
    const add = call && appendArgument(input, call, 'fields=["api_key"]');
    return add ? [{ title: 'Add a form field (api_key)', edit: edit(input, [add]) }] : [];
  },

  'capsule/duplicate-integration': (input, _p, _d, data) => {
    const range = data.callRange as Range | undefined;
    return range ? [{ title: 'Remove the duplicate declaration', edit: edit(input, [removeStatement(input, range)]) }] : [];
  },

  'capsule/redundant-chat': (input, _p, _d, data) => {
    const range = data.removeRange as Range | undefined;
    return range ? [{ title: 'Remove cpsl.Chat() (web chat is always on)', isPreferred: true, edit: edit(input, [{ range, newText: '' }]) }] : [];
  },

  'capsule/missing-image': (input, providers, _d, data) => {
    const target = appTarget(input, providers, data);
    if (!target?.call) return [];
    const image = cpslName(target.file, 'Image');
    const e = appendArgument(target.file, target.call, `image=${image.text}(python_packages=[])`);
    return e ? [{ title: 'Add image= to the App', isPreferred: true, edit: editIn(target.file.uri, [...image.imports, e]) }] : [];
  },

  'capsule/undeclared-secret': (input, providers, _d, data) => {
    const target = appTarget(input, providers, data);
    const name = String(data.secret);
    if (!target?.call) return [];
    const { file, call } = target;
    const args = call.getChild('ArgList');
    let e: TextEdit | undefined;
    for (let c = args?.firstChild; c; c = c.nextSibling) {
      if (c.type.name === 'VariableName' && file.text.slice(c.from, c.to) === 'secrets' && c.nextSibling?.type.name === 'AssignOp') {
        const list = c.nextSibling.nextSibling;
        const close = list?.lastChild;
        if (!list || (close?.type.name !== ']' && close?.type.name !== ')')) return [];
        let i = close.from - 1;
        while (i > list.from && /\s/.test(file.text[i]!)) i--;
        const empty = i === list.from;
        const at = file.index.positionAt(i + 1);
        e = { range: { start: at, end: at }, newText: empty ? `"${name}"` : file.text[i] === ',' ? ` "${name}"` : `, "${name}"` };
      }
    }
    e ??= appendArgument(file, call, `secrets=["${name}"]`);
    return e ? [{ title: `Add "${name}" to App(secrets=[...])`, isPreferred: true, edit: editIn(file.uri, [e]) }] : [];
  },

  'capsule/missing-secret': (_input, providers, _d, data) => {
    const name = String(data.secret);
    return [
      secretCommand(providers, `Define secret ${name} in the local store`, { folder: providers.folderUri, name, target: 'store' }),
      secretCommand(providers, `Add ${name} to .env`, { folder: providers.folderUri, name, target: 'env' }),
    ];
  },

  'capsule/hardcoded-credential': (input, providers, d, data) => {
    const name = String(data.secret);
    const range = (data.valueRange as Range | undefined) ?? d.range;
    const call = fromNameCall(input, name);
    // Inside an SDK call the Secret object itself is accepted; elsewhere the code wants the string.
    const inSdkCall = typeof data.keyword === 'string' && sdkKeywordContext(input, input.index.offsetAt(range.start));
    const replacement: TextEdit[] = [...call.imports, { range, newText: inSdkCall ? call.text : `${call.text}.value` }];
    if (providers.state.secrets.names.has(name)) {
      return [{ title: `Use the existing secret ${name}`, edit: edit(input, replacement) }];
    }
    const args: StoreCredentialArgs = {
      folder: providers.folderUri,
      name,
      source: { uri: input.uri, range, ...(input.version !== undefined ? { version: input.version } : {}) },
      edit: edit(input, replacement),
    };
    const title = `Move the credential to secret ${name}`;
    return [{ title, isPreferred: true, command: { title, command: STORE_CREDENTIAL, arguments: [args] } }];
  },

  'capsule/deprecated-channel': (input, providers, _d, data) => {
    const type = String(data.channelType);
    const callRange = data.callRange as Range | undefined;
    if (!callRange) return [];
    const taken = providers.state.channels.names;
    let name = type;
    for (let i = 2; taken.has(name); i++) name = `${type}-${i}`;
    const credentials: Record<string, CredentialSource> = {};
    for (const [key, c] of Object.entries((data.credentials ?? {}) as Record<string, { secret?: string; range: Range; literal: boolean }>)) {
      if (c.secret) credentials[key] = { secret: c.secret };
      else if (c.literal) credentials[key] = { source: { uri: input.uri, range: c.range, ...(input.version !== undefined ? { version: input.version } : {}) } };
    }
    const channel = cpslName(input, 'Channel');
    const args: CreateChannelArgs = {
      folder: providers.folderUri,
      name,
      type,
      credentials,
      edit: edit(input, [...channel.imports, { range: callRange, newText: `${channel.text}("${name}")` }]),
    };
    const title = `Convert to ${channel.text}("${name}") and create the ${catalog.channels.get(type)?.title ?? type} channel locally`;
    return [{ title, isPreferred: true, command: { title, command: CREATE_CHANNEL, arguments: [args] } }];
  },

  'capsule/unknown-channel': (input, providers, d, data) => {
    const out: Array<Omit<CodeAction, 'kind' | 'diagnostics'>> = [];
    if (typeof data.suggestion === 'string') out.push(...suggestionFix(input, providers, d, data));
    const name = String(data.channel);
    // A name that mentions a channel type (`support-telegram`) offers that type first.
    const types = [...catalog.channels.values()].filter((t) => t.external && t.credentials);
    const hinted = types.filter((t) => name.toLowerCase().includes(t.type));
    for (const t of [...hinted, ...types.filter((x) => !hinted.includes(x))]) {
      const title = `Create ${t.title} channel '${name}' locally`;
      const args: CreateChannelArgs = { folder: providers.folderUri, name, type: t.type };
      out.push({ title, ...(hinted.length === 1 && hinted[0] === t ? { isPreferred: true } : {}), command: { title, command: CREATE_CHANNEL, arguments: [args] } });
    }
    return out;
  },
};

/** Whether the literal at `offset` is a keyword argument of a cpsl call or add_integration. */
function sdkKeywordContext(input: FileInput, offset: number): boolean {
  const node = input.tree.resolveInner(offset, 1);
  for (let n = node.parent; n; n = n.parent) {
    if (n.type.name !== 'ArgList') continue;
    const call = n.parent;
    if (call?.type.name !== 'CallExpression') return false;
    const callee = call.firstChild;
    if (!callee) return false;
    const tail = input.text.slice(callee.from, callee.to).split('.').pop();
    if (tail === 'add_integration') return true;
    const parts = input.text.slice(callee.from, callee.to).split('.').map((s) => s.trim());
    return !!input.scope.cpslPath(parts);
  }
  return false;
}
