// Small readers over @lezer/python nodes: dotted names and call arguments.
import type { SyntaxNode } from '@lezer/common';

/** `a.b.c` as ["a", "b", "c"]; undefined for anything that is not a plain attribute chain. */
export function dottedName(text: string, node: SyntaxNode | null | undefined): string[] | undefined {
  const parts: string[] = [];
  let n: SyntaxNode | null | undefined = node;
  while (n) {
    const name = n.type.name;
    if (name === 'VariableName') {
      parts.push(text.slice(n.from, n.to));
      return parts.reverse();
    }
    if (name !== 'MemberExpression') return undefined;
    const last = n.lastChild;
    if (!last || last.type.name !== 'PropertyName') return undefined;
    parts.push(text.slice(last.from, last.to));
    n = n.firstChild;
  }
  return undefined;
}

export interface KeywordArg {
  name: string;
  nameNode: SyntaxNode;
  value: SyntaxNode;
}

export interface CallArgs {
  positional: SyntaxNode[];
  keywords: Map<string, KeywordArg>;
  /** `*args` or `**kwargs`: some arguments are unknown. */
  splat: boolean;
}

const PUNCTUATION = new Set(['(', ')', ',', '⚠', 'Comment']);

export function callArgs(text: string, argList: SyntaxNode | null | undefined): CallArgs {
  const out: CallArgs = { positional: [], keywords: new Map(), splat: false };
  if (!argList) return out;
  for (let c = argList.firstChild; c; c = c.nextSibling) {
    const name = c.type.name;
    if (PUNCTUATION.has(name) || c.type.isError) continue;
    if (name === '*' || name === '**') {
      out.splat = true;
      c = c.nextSibling;
      if (!c) break;
      continue;
    }
    const next = c.nextSibling;
    if (name === 'VariableName' && next?.type.name === 'AssignOp') {
      const value = next.nextSibling;
      if (value && !PUNCTUATION.has(value.type.name)) {
        const kw = text.slice(c.from, c.to);
        out.keywords.set(kw, { name: kw, nameNode: c, value });
        c = value;
      } else {
        c = next;
      }
      continue;
    }
    if (name === 'for') {
      // A generator argument: the call's arguments are not a plain list.
      out.splat = true;
      break;
    }
    out.positional.push(c);
  }
  return out;
}

/** The callee and arguments of a CallExpression node. */
export function callParts(node: SyntaxNode): { callee: SyntaxNode | null; argList: SyntaxNode | null } {
  return { callee: node.firstChild, argList: node.getChild('ArgList') };
}

/** The first argument: positional index `index` or the keyword `keyword`. */
export function argument(args: CallArgs, index: number, keyword?: string): SyntaxNode | undefined {
  return args.positional[index] ?? (keyword ? args.keywords.get(keyword)?.value : undefined);
}

/** Whether a node is the literal `None`. */
export function isNone(text: string, node: SyntaxNode | undefined): boolean {
  return !!node && node.type.name === 'None';
}
