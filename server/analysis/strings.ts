// Values of Python string literals. Only plain `str` literals (no f-string replacements, no bytes)
// have a static value; everything else is dynamic and the analysis stays silent about it.
import type { SyntaxNode } from '@lezer/common';

export interface StringLiteral {
  value: string;
  /** false while the user is still typing (no closing quote): a partial value. */
  terminated: boolean;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0',
};

function unescape(body: string): string {
  if (!body.includes('\\')) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|\r?\n|.)/g, (m, e: string) => {
    if (e === '\n' || e === '\r\n') return '';
    if (e.length > 1 && (e[0] === 'x' || e[0] === 'u' || e[0] === 'U')) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e) && e !== '0') return String.fromCharCode(parseInt(e, 8));
    return SIMPLE_ESCAPES[e] ?? m;
  });
}

/** Decodes one literal token such as `r"a\b"`, `'''x'''` or `f"plain"` (without replacements). */
export function decodeLiteralToken(token: string): (StringLiteral & { bytes: boolean; format: boolean }) | undefined {
  const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(token);
  if (!m) return undefined;
  const prefix = m[1]!.toLowerCase();
  const quote = m[2]!;
  const start = m[0].length;
  const terminated = token.length >= start + quote.length && token.endsWith(quote);
  let body = token.slice(start, terminated ? token.length - quote.length : token.length);
  const raw = prefix.includes('r');
  const format = prefix.includes('f');
  if (!terminated && body.endsWith('\n')) body = body.replace(/\r?\n$/, '');
  let value = raw ? body : unescape(body);
  if (format) value = value.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
  return { value, terminated, bytes: prefix.includes('b'), format };
}

/** The static value of a String, FormatString or ContinuedString node, or undefined. */
export function stringValue(text: string, node: SyntaxNode): StringLiteral | undefined {
  const name = node.type.name;
  if (name === 'String' || name === 'FormatString') {
    if (name === 'FormatString' && node.getChild('FormatReplacement')) return undefined;
    const d = decodeLiteralToken(text.slice(node.from, node.to));
    if (!d || d.bytes) return undefined;
    return { value: d.value, terminated: d.terminated };
  }
  if (name === 'ContinuedString') {
    let value = '';
    let terminated = true;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.type.name === 'Comment') continue;
      const part = stringValue(text, c);
      if (!part) return undefined;
      value += part.value;
      terminated &&= part.terminated;
    }
    return { value, terminated };
  }
  return undefined;
}

export function isStringNode(node: SyntaxNode): boolean {
  const n = node.type.name;
  return n === 'String' || n === 'FormatString' || n === 'ContinuedString';
}
