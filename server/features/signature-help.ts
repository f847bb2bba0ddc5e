// Signature help for SDK calls: the signature the wheel declares (with its defaults), the
// parameter at the cursor by keyword or position, and its accepted values when the SDK names them.
import { MarkupKind, type SignatureHelp } from 'vscode-languageserver-types';
import type { SyntaxNode } from '@lezer/common';
import { dottedName } from '../analysis/index';
import type { FileInput } from './input';
import { activeParam, entryForCallee, paramChoices } from './api-lookup';
import { apiDoc } from './completion';

export function signatureHelp(input: FileInput, offset: number): SignatureHelp | null {
  const { text, tree } = input;
  for (let n: SyntaxNode | null = tree.resolveInner(offset, -1); n; n = n.parent) {
    if (n.type.name !== 'ArgList' || offset <= n.from) continue;
    const close = n.lastChild;
    if (close?.type.name === ')' && close.from < offset) continue;
    const call = n.parent;
    let callee: string[] | undefined;
    if (call?.type.name === 'CallExpression') callee = dottedName(text, call.firstChild);
    else if (call?.type.name === 'Decorator') {
      callee = [];
      for (let c = call.firstChild; c && c.type.name !== 'ArgList'; c = c.nextSibling) if (c.type.name === 'VariableName') callee.push(text.slice(c.from, c.to));
    }
    const entry = entryForCallee(input, callee);
    if (!entry?.params) return null;
    // Which argument the cursor is in: count the commas before it at this level.
    let position = 0;
    let keyword: string | undefined;
    for (let c = n.firstChild; c && c.from < offset; c = c.nextSibling) {
      if (c.type.name === ',') {
        position++;
        keyword = undefined;
      } else if (c.type.name === 'VariableName' && c.nextSibling?.type.name === 'AssignOp') keyword = text.slice(c.from, c.to);
    }
    if (!keyword) {
      // `name=` being typed: the word before the cursor followed by `=`.
      const m = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[^,=]*$/.exec(text.slice(n.from + 1, offset));
      if (m && !m[0].includes('==')) keyword = m[1];
    }
    const params = entry.params;
    const active = activeParam(params, keyword, position);
    const label = entry.signature;
    let pos = label.indexOf('(') + 1;
    const parameters = params.map((p) => {
      const choices = paramChoices(entry, p.name);
      const doc = [p.type ? `\`${p.type}\`` : '', p.default !== undefined ? `default \`${p.default}\`` : 'required', choices ? `one of ${choices.map((v) => `\`${JSON.stringify(v)}\``).join(', ')}` : '']
        .filter(Boolean)
        .join(' — ');
      // Parameters appear in order, each at the start of an item of the list.
      const re = new RegExp(`(^|[(,*]\\s*)(\\*{0,2}${p.name})\\b`, 'g');
      re.lastIndex = pos - 1;
      const m = re.exec(label);
      const start = m ? m.index + m[1]!.length : -1;
      const range: [number, number] | string = start >= 0 ? [start, start + paramText(label, start).length] : p.name;
      if (start >= 0) pos = start + 1;
      return { label: range, documentation: { kind: MarkupKind.Markdown, value: doc } };
    });
    return {
      signatures: [{ label, documentation: { kind: MarkupKind.Markdown, value: apiDoc(entry) }, parameters, activeParameter: active >= 0 ? active : params.length }],
      activeSignature: 0,
      activeParameter: active >= 0 ? active : params.length,
    };
  }
  return null;
}

/** The text of one parameter in the signature label, up to the next top-level comma or `)`. */
function paramText(label: string, start: number): string {
  let depth = 0;
  for (let i = start; i < label.length; i++) {
    const ch = label[i]!;
    if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || (ch === ')' && depth > 0)) depth--;
    else if ((ch === ',' || ch === ')') && depth === 0) return label.slice(start, i);
  }
  return label.slice(start);
}
