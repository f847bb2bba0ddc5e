// Python syntax trees from @lezer/python. An edited text is re-parsed incrementally by reusing
// the fragments of the previous tree outside the changed span.
import { Tree, TreeBuffer, TreeFragment } from '@lezer/common';
import { parser } from '@lezer/python';

export interface ParsedText {
  text: string;
  tree: Tree;
  fragments: readonly TreeFragment[];
}

/** The single span where two texts differ, found from their common prefix and suffix. */
export function changedSpan(
  oldText: string,
  newText: string,
): { fromA: number; toA: number; fromB: number; toB: number } | undefined {
  if (oldText === newText) return undefined;
  const max = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < max && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)
  ) {
    suffix++;
  }
  return { fromA: prefix, toA: oldText.length - suffix, fromB: prefix, toB: newText.length - suffix };
}

/** Parses `text`; when `previous` is the parse of an earlier version, unchanged parts are reused. */
export function parsePython(text: string, previous?: ParsedText): ParsedText {
  if (previous && previous.text === text) return previous;
  let fragments: readonly TreeFragment[] | undefined;
  if (previous) {
    const span = changedSpan(previous.text, text);
    if (span) fragments = TreeFragment.applyChanges(previous.fragments, [span]);
  }
  const tree = repairTree(parser.parse(text, fragments));
  return { text, tree, fragments: TreeFragment.addTree(tree, fragments) };
}

/** The bare syntax tree of a text (no caching). */
export function syntaxTree(text: string): Tree {
  return repairTree(parser.parse(text));
}

/**
 * Past a nesting depth of 2500 (e.g. thousands of unclosed `f"{`), @lezer/common 1.5 builds the
 * rest of a subtree as one flat buffer and copies the parser's special records (context changes,
 * look-ahead marks) into it as if they were leaves: their node type ids are hashes, out of the
 * node set, and every reader of such a node (`node.type.name`, lezer's own `Tree.iterate`)
 * throws. Those entries are turned into zero-length anonymous nodes, which mean nothing to any
 * reader. Only buffers below that depth can hold them, and no `Tree` of a normal file is that
 * deep, so the walk over `Tree` objects (not their buffers) costs next to nothing.
 */
const SCAN_DEPTH = 1000;
const NODE_TYPES = parser.nodeSet.types.length;
const FILLER_TYPE = (parser.nodeSet.types.find((t) => t.isAnonymous) ?? parser.nodeSet.types[0]!).id;

export function repairTree(tree: Tree): Tree {
  const stack: Array<{ tree: Tree; depth: number }> = [{ tree, depth: 0 }];
  while (stack.length) {
    const { tree: t, depth } = stack.pop()!;
    for (const child of t.children) {
      if (child instanceof Tree) stack.push({ tree: child, depth: depth + 1 });
      else if (child instanceof TreeBuffer && depth >= SCAN_DEPTH) repairBuffer(child.buffer);
    }
  }
  return tree;
}

function repairBuffer(buffer: Uint16Array): void {
  for (let i = 0; i < buffer.length; i += 4) if (buffer[i]! >= NODE_TYPES) buffer[i] = FILLER_TYPE;
}
