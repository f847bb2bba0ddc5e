// Channel expressions: `cpsl.Channel("name")`, the implicit `cpsl.Chat()`, and the deprecated inline
// classes whose credentials belong in a named channel.
import type { SyntaxNode } from '@lezer/common';
import { catalog } from '../../catalog/catalog';
import type { ChannelRef } from './model-types';
import type { FileContext } from './summary';
import type { CallArgs } from './syntax';
import { isStringNode, stringValue } from './strings';
import type { Range } from './types';

/** The span to delete with an element of a list literal: the element and one neighbouring comma. */
function listElementRemoval(ctx: FileContext, node: SyntaxNode): Range {
  const next = node.nextSibling;
  if (next?.type.name === ',') {
    const after = next.nextSibling;
    return ctx.range(node.from, after && after.type.name !== ']' && after.type.name !== ')' ? after.from : next.to);
  }
  const prev = node.prevSibling;
  if (prev?.type.name === ',') return ctx.range(prev.from, node.to);
  return ctx.range(node.from, node.to);
}

export function checkChannelCall(ctx: FileContext, node: SyntaxNode, cls: string, args: CallArgs): ChannelRef | undefined {
  const { text } = ctx;
  if (cls === 'Channel') {
    const arg = args.positional[0] ?? args.keywords.get('name')?.value;
    const v = arg ? stringValue(text, arg) : undefined;
    if (!arg || !v?.terminated) return undefined;
    return { name: v.value, location: ctx.location(arg.from, arg.to) };
  }
  if (cls === 'Chat') {
    ctx.report(
      'capsule/redundant-chat',
      'hint',
      node.from,
      node.to,
      'cpsl.Chat() is unnecessary: the built-in web chat is always on. Remove it from channels.',
      { tags: ['unnecessary'], data: { removeRange: listElementRemoval(ctx, node) } },
    );
    return undefined;
  }
  const type = [...catalog.channels.values()].find((c) => c.deprecatedClass === cls);
  if (!type) return undefined;
  const callee = node.firstChild!;
  const credentials: Record<string, { secret?: string; range: Range; literal: boolean }> = {};
  for (const [key, kw] of args.keywords) {
    const value = kw.value;
    let secret: string | undefined;
    if (value.type.name === 'CallExpression') {
      const path = ctx.cpslCallee(value);
      if (path?.join('.') === 'Secret.from_name') {
        const a = value.getChild('ArgList')?.getChild('String');
        const v = a ? stringValue(text, a) : undefined;
        if (v?.terminated) secret = v.value;
      }
    }
    credentials[key] = { ...(secret ? { secret } : {}), range: ctx.range(value.from, value.to), literal: isStringNode(value) };
  }
  const keys = Object.keys(type.credentials ?? {});
  ctx.report(
    'capsule/deprecated-channel',
    'warning',
    callee.from,
    callee.to,
    `cpsl.${cls}(...) is deprecated: inline channel credentials are replaced by named channels. ` +
      `Create one (capsule-local channel create NAME --type ${type.type} ${keys.map((k) => `-c ${k}=...`).join(' ')}) ` +
      `and use cpsl.Channel("NAME") instead.`,
    {
      tags: ['deprecated'],
      data: { channelType: type.type, suggestedName: type.type, callRange: ctx.range(node.from, node.to), credentials },
    },
  );
  return undefined;
}
