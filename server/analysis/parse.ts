// Python syntax trees from @lezer/python. An edited text is re-parsed incrementally by reusing
// the fragments of the previous tree outside the changed span.
import { Tree, TreeBuffer, TreeFragment } from '@lezer/common';
import { parser } from '@lezer/python';

export interface ParsedText {
  text: string;
  tree: Tree;
  fragments: readonly TreeFragment[];
  /**
   * Set when the text nests too deeply for the parser's stack: the tree covers the text before
   * this offset only (the rest parsed as blanks). Python rejects such nesting too.
   */
  cutAt?: number;
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
  const full = tryParse(text, fragments);
  if (full) return { text, tree: full, fragments: TreeFragment.addTree(full, fragments) };
  const { tree, cutAt } = parsePrefix(text);
  // No fragments: the blanked part of this tree must never be reused for the real text.
  return { text, tree, fragments: [], cutAt };
}

/** The bare syntax tree of a text (no caching). */
export function syntaxTree(text: string): Tree {
  return tryParse(text) ?? parsePrefix(text).tree;
}

/**
 * lezer builds its tree recursively, up to ~2500 frames deep: text nested thousands deep (which
 * Python rejects too: "too many nested parentheses", RecursionError) can exhaust the stack.
 */
function tryParse(text: string, fragments?: readonly TreeFragment[]): Tree | undefined {
  try {
    return repairTree(parser.parse(text, fragments));
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/** The text after `from` as spaces (line breaks kept, so offsets and lines stay the same). */
function blankFrom(text: string, from: number): string {
  return text.slice(0, from) + text.slice(from).replace(/[^\r\n]/g, ' ');
}

/** The tree of the longest run of whole lines that parses, the rest blanked (bisected). */
function parsePrefix(text: string): { tree: Tree; cutAt: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  let good = 0;
  let bad = starts.length;
  let goodTree = tryParse(blankFrom(text, 0)) ?? Tree.empty;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    const tree = tryParse(blankFrom(text, starts[mid]!));
    if (tree) {
      good = mid;
      goodTree = tree;
    } else bad = mid;
  }
  return { tree: goodTree, cutAt: starts[good]! };
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
