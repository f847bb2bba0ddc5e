// $regex: JavaScript's RegExp stands in for the platform's PCRE (the SDK's own `contains`,
// `startswith`, `endswith` lookups produce patterns both read the same way). Compiled once per
// pattern and options; SQLite calls capsule_regexp(pattern, flags, value) for each candidate.
import { invalid } from './errors';

const cache = new Map<string, RegExp>();

export function compileRegex(pattern: string, options: string, where: string): { pattern: string; flags: string } {
  let flags = '';
  for (const o of options) {
    if (o === 'i' || o === 'm' || o === 's') {
      if (!flags.includes(o)) flags += o;
    } else if (o === 'x') {
      throw invalid(`${where}: the option "x" (extended patterns) is not supported locally; remove the whitespace and comments from the pattern`);
    } else throw invalid(`${where}: unknown regex option ${JSON.stringify(o)}; supported: i, m, s`);
  }
  regex(pattern, flags, where);
  return { pattern, flags };
}

export function regex(pattern: string, flags: string, where = 'filter: $regex'): RegExp {
  const key = `${flags}/${pattern}`;
  let r = cache.get(key);
  if (!r) {
    try {
      r = new RegExp(pattern, flags);
    } catch (e) {
      throw invalid(`${where}: the pattern is not a valid regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`);
    }
    if (cache.size > 500) cache.clear();
    cache.set(key, r);
  }
  return r;
}

/** The SQL function: 1 when `value` (text) matches. */
export function sqlRegexp(pattern: unknown, flags: unknown, value: unknown): number {
  if (typeof value !== 'string' || typeof pattern !== 'string') return 0;
  return regex(pattern, typeof flags === 'string' ? flags : '').test(value) ? 1 : 0;
}
