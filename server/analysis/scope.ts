// The cpsl import aliases of a file, for features (completion, hover) that work on a syntax tree
// position and need to know that `c.` or `Secret` refer to the SDK.
import type { Tree } from '@lezer/common';
import { Scope, applyImport, readImport } from './summary';

/** How a file refers to cpsl and os (`import cpsl as c`, `from cpsl import Secret`, `from cpsl import *`). */
export function cpslScopeOf(text: string, tree: Tree): Scope {
  const scope = new Scope();
  tree.iterate({
    enter(n) {
      if (n.type.name === 'ImportStatement') {
        for (const b of readImport(text, n.node)) applyImport(scope, b);
        return false;
      }
      return undefined;
    },
  });
  return scope;
}
