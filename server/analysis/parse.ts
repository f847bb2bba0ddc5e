// Python syntax trees from @lezer/python. An edited text is re-parsed incrementally by reusing
// the fragments of the previous tree outside the changed span.
import { TreeFragment, type Tree } from '@lezer/common';
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
  const tree = parser.parse(text, fragments);
  return { text, tree, fragments: TreeFragment.addTree(tree, fragments) };
}

/** The bare syntax tree of a text (no caching). */
export function syntaxTree(text: string): Tree {
  return parser.parse(text);
}
