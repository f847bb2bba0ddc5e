// Small text-edit builders for quick fixes: replacing a string's content keeping its quotes,
// naming a cpsl member the way the file imports cpsl, inserting and removing call arguments.
import type { SyntaxNode } from '@lezer/common';
import type { Range, TextEdit } from 'vscode-languageserver-types';
import type { FileInput } from './input';

/** `"old"` -> `"new"`, keeping the quote style and prefix of the literal at `range`. */
export function requote(input: FileInput, range: Range, value: string): TextEdit {
  const from = input.index.offsetAt(range.start);
  const to = input.index.offsetAt(range.end);
  const old = input.text.slice(from, to);
  const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(old);
  if (!m) return { range, newText: value };
  const q = m[2]!;
  return { range, newText: `${m[1]}${q}${value}${q}` };
}

/** How this file names `cpsl.<member>`, and the import to add when it does not import cpsl. */
export function cpslName(input: FileInput, member: string): { text: string; imports: TextEdit[] } {
  const { scope } = input;
  const alias = [...scope.cpslModules][0];
  if (alias) return { text: `${alias}.${member}`, imports: [] };
  for (const [local, name] of scope.cpslMembers) if (name === member) return { text: local, imports: [] };
  if (scope.cpslStar) return { text: member, imports: [] };
  return { text: `cpsl.${member}`, imports: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'import cpsl\n' }] };
}

/** `cpsl.Secret.from_name` as this file spells it. */
export function fromNameCall(input: FileInput, name: string): { text: string; imports: TextEdit[] } {
  const { scope } = input;
  for (const [local, member] of scope.cpslMembers) if (member === 'Secret') return { text: `${local}.from_name("${name}")`, imports: [] };
  const secret = cpslName(input, 'Secret');
  return { text: `${secret.text}.from_name("${name}")`, imports: secret.imports };
}

/** The call expression that starts at `offset` (the App(...) or add_integration(...) of a diagnostic). */
export function callAt(input: FileInput, offset: number): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = input.tree.resolveInner(offset, 1); n; n = n.parent) {
    if (n.type.name === 'CallExpression' && n.from <= offset) return n;
  }
  return undefined;
}

/** Inserts `text` (e.g. `secrets=["X"]`) as the last argument of a call. */
export function appendArgument(input: FileInput, call: SyntaxNode, text: string): TextEdit | undefined {
  const args = call.getChild('ArgList');
  const close = args?.lastChild;
  if (!args || close?.type.name !== ')') return undefined;
  let i = close.from - 1;
  while (i > args.from && /\s/.test(input.text[i]!)) i--;
  const hasArgs = i > args.from;
  const trailingComma = input.text[i] === ',';
  const at = input.index.positionAt(i + 1);
  const sep = !hasArgs || trailingComma ? (trailingComma ? ' ' : '') : ', ';
  return { range: { start: at, end: at }, newText: `${sep}${text}` };
}

/** Deletes the argument spanning from..to together with one neighbouring comma. */
export function removeArgument(input: FileInput, from: number, to: number): TextEdit {
  const { text, index } = input;
  let end = to;
  while (end < text.length && /[ \t]/.test(text[end]!)) end++;
  if (text[end] === ',') {
    end++;
    while (end < text.length && /[ \t]/.test(text[end]!)) end++;
    return { range: index.range(from, end), newText: '' };
  }
  let start = from;
  while (start > 0 && /\s/.test(text[start - 1]!)) start--;
  if (text[start - 1] === ',') return { range: index.range(start - 1, to), newText: '' };
  return { range: index.range(from, to), newText: '' };
}

/** Deletes a whole statement's lines when it is alone on them, else just the span. */
export function removeStatement(input: FileInput, range: Range): TextEdit {
  const { text, index } = input;
  const from = index.offsetAt(range.start);
  const to = index.offsetAt(range.end);
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  let lineEnd = text.indexOf('\n', to);
  if (lineEnd === -1) lineEnd = text.length;
  if (text.slice(lineStart, from).trim() === '' && text.slice(to, lineEnd).trim() === '') {
    return { range: index.range(lineStart, Math.min(text.length, lineEnd + 1)), newText: '' };
  }
  return { range, newText: '' };
}

/** The indentation of the line holding `offset`. */
export function indentAt(input: FileInput, offset: number): string {
  const lineStart = input.text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(input.text.slice(lineStart))![0];
}
