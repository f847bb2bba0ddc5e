// Every relative link of the documentation leads somewhere: the file exists and, for `#anchor`
// links, the heading (GitHub's slugs: lower case, punctuation dropped, spaces to dashes) or an
// explicit `<a id=...>` anchor does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const REPO = join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  'ARCHITECTURE.md',
  'client/README.md',
  ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
];

/** client/README.md is packaged as the extension's readme.md, at the package root. */
function baseOf(doc: string): string {
  return doc === 'client/README.md' ? '.' : dirname(doc);
}

function slugs(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    out.add(m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

for (const doc of DOCS) {
  test(`links in ${doc} resolve`, () => {
    const text = readFileSync(join(REPO, doc), 'utf8');
    const broken: string[] = [];
    for (const m of withoutCode(text).matchAll(/\]\(([^)\s]+)\)/g)) {
      const href = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // http(s), mailto, command: ...
      const [path, anchor] = href.split('#');
      const target = path ? join(REPO, baseOf(doc), path) : join(REPO, doc);
      if (!existsSync(target)) {
        broken.push(`${href} (no file ${relative(REPO, target)})`);
        continue;
      }
      if (anchor && target.endsWith('.md') && !slugs(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${href} (no heading #${anchor} in ${relative(REPO, target)})`);
      }
    }
    assert.deepEqual(broken, [], `${doc} has broken links`);
  });
}
