// `capsule/syntax-error`: the first syntax error of a file, on the line CPython 3.11 reports it
// (the SDK's interpreter: a file that does not parse cannot be imported). Pure TypeScript.
//
// Two sources, combined the way CPython's tokenizer and parser interleave:
// - lezer's tree: the first error node is where the parser gives up (its error recovery is lenient
//   about what the tokenizer rejects, so it is not enough alone);
// - a scan that follows CPython's tokenizer: strings, comments, brackets, line continuations and
//   indentation. It finds what CPython's tokenizer rejects (unterminated strings, unmatched or
//   mismatched brackets, invalid characters, inconsistent dedents and tabs) and the indentation
//   the parser rejects (an unexpected indent, a missing indented block).
// CPython raises a tokenizer error the parser reaches before failing; after a parser failure it
// tokenizes the rest of the file, and a later tokenizer error, or a bracket never closed that was
// opened on an earlier line, replaces the parser's error.
import type { SyntaxNode, Tree } from '@lezer/common';
import type { CapsuleDiagnostic } from './types';
import type { LineIndex } from './text';

export const SYNTAX_ERROR = 'capsule/syntax-error';

/** Tokenizer errors that replace an earlier parser error (CPython sets an exception for them). */
type Kind = 'tokenizer' | 'indent-tokenizer' | 'indent-parser';

interface Event {
  kind: Kind;
  offset: number;
  message: string;
}

interface Scan {
  events: Event[];
  /** The innermost bracket still open at the end of the file. */
  unclosed?: { offset: number; char: string };
}

const CLOSER: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const STRING_PREFIX = /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])$/;
const ID_CHAR = /[\p{ID_Continue}\u00B7\u0387\u1369-\u1371\u19DA]/u;

function isNewline(c: string): boolean {
  return c === '\n' || c === '\r';
}

/** Follows CPython's tokenizer far enough to see the errors it raises and the indentation it makes. */
function scan(text: string): Scan {
  const events: Event[] = [];
  const brackets: Array<{ offset: number; char: string }> = [];
  const cols = [0];
  const altcols = [0];
  let i = 0;
  const n = text.length;
  let lineStart = true;
  /** The last logical line ended with ':' (a block must follow). */
  let expectBlock = false;
  let lastSignificant = '';
  let blockHeaderEnd = 0;
  while (i < n) {
    if (lineStart && brackets.length === 0) {
      lineStart = false;
      let col = 0;
      let alt = 0;
      let j = i;
      for (; j < n; j++) {
        const c = text[j];
        if (c === ' ') {
          col++;
          alt++;
        } else if (c === '\t') {
          col = (Math.floor(col / 8) + 1) * 8;
          alt++;
        } else if (c === '\f') {
          col = alt = 0;
        } else break;
      }
      i = j;
      const c = text[j];
      // Blank and comment-only lines do not count for indentation.
      if (c === undefined || c === '#' || isNewline(c) || (c === '\\' && isNewline(text[j + 1] ?? ''))) {
        if (c === '\\') {
          i = j + (text[j + 1] === '\r' && text[j + 2] === '\n' ? 3 : 2);
          lineStart = false;
        }
        continue;
      }
      const top = cols[cols.length - 1]!;
      const altTop = altcols[altcols.length - 1]!;
      if (col === top) {
        if (alt !== altTop) events.push({ kind: 'indent-tokenizer', offset: j, message: 'inconsistent use of tabs and spaces in indentation' });
        if (expectBlock) events.push({ kind: 'indent-parser', offset: j, message: 'expected an indented block' });
      } else if (col > top) {
        if (alt <= altTop) events.push({ kind: 'indent-tokenizer', offset: j, message: 'inconsistent use of tabs and spaces in indentation' });
        cols.push(col);
        altcols.push(alt);
        if (!expectBlock) events.push({ kind: 'indent-parser', offset: j, message: 'unexpected indent' });
      } else {
        while (cols.length > 1 && col < cols[cols.length - 1]!) {
          cols.pop();
          altcols.pop();
        }
        if (col !== cols[cols.length - 1]) events.push({ kind: 'indent-tokenizer', offset: j, message: 'unindent does not match any outer indentation level' });
        else if (alt !== altcols[altcols.length - 1]) events.push({ kind: 'indent-tokenizer', offset: j, message: 'inconsistent use of tabs and spaces in indentation' });
        if (expectBlock) events.push({ kind: 'indent-parser', offset: j, message: 'expected an indented block' });
      }
      expectBlock = false;
      continue;
    }
    const c = text[i]!;
    if (c === '#') {
      while (i < n && !isNewline(text[i]!)) i++;
      continue;
    }
    if (isNewline(c)) {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      if (brackets.length === 0) {
        lineStart = true;
        if (lastSignificant === ':') {
          expectBlock = true;
          blockHeaderEnd = i - 1;
        }
        lastSignificant = '';
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\\') {
      if (isNewline(text[i + 1] ?? '')) i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
      else if (i + 1 >= n) i++;
      else {
        events.push({ kind: 'tokenizer', offset: i, message: 'unexpected character after line continuation character' });
        i++;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      i = scanString(text, i, i, events);
      lastSignificant = 'string';
      continue;
    }
    if (/[A-Za-z0-9_]/.test(c) || c.charCodeAt(0) > 0x7f) {
      let j = i;
      while (j < n && (/[A-Za-z0-9_]/.test(text[j]!) || (text.charCodeAt(j) > 0x7f && ID_CHAR.test(text[j]!)))) j++;
      if (j === i) {
        // A character that is neither a name nor an operator.
        const code = text.codePointAt(i)!;
        const shown = String.fromCodePoint(code);
        const hex = code.toString(16).toUpperCase().padStart(4, '0');
        if (!/\s/u.test(shown)) events.push({ kind: 'tokenizer', offset: i, message: `invalid character '${shown}' (U+${hex})` });
        i += shown.length;
        continue;
      }
      const word = text.slice(i, j);
      if ((text[j] === '"' || text[j] === "'") && STRING_PREFIX.test(word)) {
        i = scanString(text, i, j, events);
        lastSignificant = 'string';
        continue;
      }
      i = j;
      lastSignificant = 'name';
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      // CPython's tokenizer keeps at most 200 levels (MAXLEVEL).
      if (brackets.length >= 200) events.push({ kind: 'tokenizer', offset: i, message: 'too many nested parentheses' });
      brackets.push({ offset: i, char: c });
    } else if (c === ')' || c === ']' || c === '}') {
      const open = brackets.pop();
      if (!open) events.push({ kind: 'tokenizer', offset: i, message: `unmatched '${c}'` });
      else if (open.char !== CLOSER[c]) {
        events.push({ kind: 'tokenizer', offset: i, message: `closing parenthesis '${c}' does not match opening parenthesis '${open.char}'` });
      }
    } else if (c.charCodeAt(0) < 0x20) {
      events.push({ kind: 'tokenizer', offset: i, message: `invalid non-printable character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` });
    }
    lastSignificant = c;
    i++;
  }
  if (brackets.length === 0 && (expectBlock || lastSignificant === ':')) {
    // The file ends where a block must start: CPython reports the end of the file.
    events.push({ kind: 'indent-parser', offset: Math.max(n, blockHeaderEnd), message: 'expected an indented block' });
  }
  return { events, unclosed: brackets[brackets.length - 1] };
}

/** Skips a string literal starting at `start` (its quote at `quote`); records it when unterminated. */
function scanString(text: string, start: number, quote: number, events: Event[]): number {
  const q = text[quote]!;
  const triple = text[quote + 1] === q && text[quote + 2] === q;
  let i = quote + (triple ? 3 : 1);
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\\') {
      i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
      continue;
    }
    if (triple) {
      if (c === q && text[i + 1] === q && text[i + 2] === q) return i + 3;
    } else if (c === q) return i + 1;
    else if (isNewline(c)) break;
    i++;
  }
  events.push({ kind: 'tokenizer', offset: start, message: triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal' });
  return Math.min(i, n);
}

const BRACKETED = new Set([
  'ArgList',
  'ArrayExpression',
  'ArrayComprehensionExpression',
  'TupleExpression',
  'ParenthesizedExpression',
  'DictionaryExpression',
  'DictionaryComprehensionExpression',
  'SetExpression',
  'SetComprehensionExpression',
  'ParamList',
]);
const NOT_EXPRESSION = new Set(['(', ')', '[', ']', '{', '}', ',', ':', 'AssignOp', '*', '**', 'Comment', 'for', 'in', 'if', 'else', 'lambda', 'await', 'not', 'and', 'or']);

/** Where lezer's parser gives up: the first error node, or a Python 2 print statement. */
function firstParserError(tree: Tree): { offset: number; node: SyntaxNode; message: string } | undefined {
  const cursor = tree.cursor();
  for (;;) {
    const type = cursor.type;
    if (type.isError) return { offset: cursor.from, node: cursor.node, message: 'invalid syntax' };
    if (type.name === 'PrintStatement') return { offset: cursor.from, node: cursor.node, message: "Missing parentheses in call to 'print'. Did you mean print(...)?" };
    if (cursor.firstChild()) continue;
    while (!cursor.nextSibling()) if (!cursor.parent()) return undefined;
  }
}

/**
 * CPython's "invalid syntax. Perhaps you forgot a comma?": two expressions side by side inside
 * brackets are reported from the start of the first one, often a line above where lezer stops.
 */
function forgottenComma(node: SyntaxNode): number | undefined {
  const container = node.parent;
  let prev = node.prevSibling;
  while (prev?.name === 'Comment') prev = prev.prevSibling;
  if (container?.name === 'String' && container.parent?.name === 'ContinuedString') {
    // "a"\n b  reads as a string continued by a broken one.
    const continued = container.parent;
    return continued.parent && BRACKETED.has(continued.parent.name) ? continued.from : undefined;
  }
  if (!container || !BRACKETED.has(container.name)) return undefined;
  if (!prev || prev.type.isError || NOT_EXPRESSION.has(prev.name)) return undefined;
  return prev.from;
}

/** `cutAt`: the tree stops there, the text nesting too deeply to be parsed (see parse.ts). */
export function syntaxError(path: string, text: string, tree: Tree, index: LineIndex, cutAt?: number): CapsuleDiagnostic | undefined {
  const nul = text.indexOf('\0');
  if (nul !== -1) return diagnostic(path, text, index, nul, 'source code cannot contain null bytes');
  const { events, unclosed } = scan(text);
  let parser = firstParserError(tree);
  if (cutAt !== undefined && (!parser || parser.offset > cutAt)) {
    parser = { offset: cutAt, node: tree.topNode, message: 'too deeply nested to be parsed (Python raises RecursionError or "too many nested parentheses")' };
  }
  const indentParser = events.find((e) => e.kind === 'indent-parser');
  const failAt = Math.min(parser?.offset ?? Infinity, indentParser?.offset ?? Infinity);
  const tokenizer = events.find((e) => e.kind !== 'indent-parser' && e.offset <= failAt);
  if (tokenizer) return diagnostic(path, text, index, tokenizer.offset, tokenizer.message);
  const unclosedMessage = unclosed && `'${unclosed.char}' was never closed`;
  if (failAt === Infinity) return unclosed ? diagnostic(path, text, index, unclosed.offset, unclosedMessage!) : undefined;
  // CPython raises these at once, without looking further.
  if (indentParser && indentParser.offset === failAt) return diagnostic(path, text, index, indentParser.offset, indentParser.message);
  // A parser error: the rest of the file is tokenized, and what it finds first may replace it.
  const failLine = index.positionAt(failAt).line;
  const later = events.find((e) => e.kind !== 'indent-parser' && e.offset > failAt);
  if (later?.kind === 'tokenizer') return diagnostic(path, text, index, later.offset, later.message);
  if (!later && unclosed && index.positionAt(unclosed.offset).line < failLine) return diagnostic(path, text, index, unclosed.offset, unclosedMessage!);
  const comma = parser!.node === tree.topNode ? undefined : forgottenComma(parser!.node);
  if (comma !== undefined) return diagnostic(path, text, index, comma, 'invalid syntax. Perhaps you forgot a comma?');
  return diagnostic(path, text, index, failAt, missingColon(text, index, failAt) ? "expected ':'" : parser!.message);
}

const COMPOUND_HEADER = /^\s*(?:async\s+)?(?:(?:def|class)\s+[A-Za-z_]|(?:if|elif|while|for|with|except)\b(?!\s*=)|(?:else|try|finally)\s*$)/;

/** The parser stopped on a compound statement's line that has no ':' at its end (CPython's "expected ':'"). */
function missingColon(text: string, index: LineIndex, offset: number): boolean {
  const { line, character } = index.positionAt(offset);
  const start = offset - character;
  const end = text.slice(start).search(/\r?\n|\r|$/) + start;
  const code = text.slice(start, end).replace(/#[^'"]*$/, '').trimEnd();
  return line >= 0 && COMPOUND_HEADER.test(code) && !code.endsWith(':');
}

/** The exception class CPython raises for a message. */
function errorClass(message: string): string {
  if (message.startsWith('inconsistent use of tabs')) return 'TabError';
  return /indent/.test(message) ? 'IndentationError' : 'SyntaxError';
}

function diagnostic(path: string, text: string, index: LineIndex, offset: number, message: string): CapsuleDiagnostic {
  // At the end of the file CPython names the last line, not the empty one after the final newline.
  let at = Math.min(offset, text.length);
  if (at === text.length && at > 0 && isNewline(text[at - 1]!)) at--;
  const start = index.positionAt(at);
  const lineEnd = text.slice(at).search(/\r?\n|\r|$/) + at;
  const lineStart = at - start.character;
  const range = lineEnd > at ? index.range(at, lineEnd) : lineEnd > lineStart ? index.range(lineStart, lineEnd) : { start, end: { line: start.line, character: start.character + 1 } };
  return {
    path,
    range,
    severity: 'error',
    code: SYNTAX_ERROR,
    message: `${errorClass(message)}: ${message} (line ${start.line + 1}). Python cannot import this file, so the app does not start, locally or on Capsule.`,
    data: { line: start.line + 1, pythonMessage: message },
  };
}
