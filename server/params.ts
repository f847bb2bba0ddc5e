// Checks of request parameters: a request whose params do not have the shape LSP defines is
// answered with InvalidParams (-32602) naming what is wrong, never with an internal error from
// reading a field that is not there.
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { Diagnostic, Position, Range } from 'vscode-languageserver/node';

const MAX_UINTEGER = 2 ** 31 - 1;

function invalid(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isUinteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_UINTEGER;
}

function position(v: unknown, what: string): Position {
  if (!isObject(v) || !isUinteger(v.line) || !isUinteger(v.character)) throw invalid(`${what} must be {line, character} with non-negative integers`);
  return { line: v.line, character: v.character };
}

function range(v: unknown, what: string): Range {
  if (!isObject(v)) throw invalid(`${what} must be {start, end}`);
  return { start: position(v.start, `${what}.start`), end: position(v.end, `${what}.end`) };
}

function params(p: unknown): Record<string, unknown> {
  if (!isObject(p)) throw invalid('params must be an object');
  return p;
}

/** `{textDocument: {uri}}`. */
export function documentParams(p: unknown): { uri: string } {
  const doc = params(p).textDocument;
  if (!isObject(doc) || typeof doc.uri !== 'string') throw invalid('textDocument.uri must be a string');
  return { uri: doc.uri };
}

/** `{textDocument: {uri}, position}`. */
export function positionParams(p: unknown): { uri: string; position: Position } {
  return { ...documentParams(p), position: position(params(p).position, 'position') };
}

/** References: a position and `context.includeDeclaration`. */
export function referenceParams(p: unknown): { uri: string; position: Position; includeDeclaration: boolean } {
  const context = params(p).context;
  if (!isObject(context) || typeof context.includeDeclaration !== 'boolean') throw invalid('context.includeDeclaration must be a boolean');
  return { ...positionParams(p), includeDeclaration: context.includeDeclaration };
}

/** Code actions: a range and the diagnostics of `context` (each with a range). */
export function codeActionParams(p: unknown): { uri: string; range: Range; diagnostics: Diagnostic[] } {
  const { uri } = documentParams(p);
  const r = range(params(p).range, 'range');
  const context = params(p).context;
  if (!isObject(context) || !Array.isArray(context.diagnostics)) throw invalid('context.diagnostics must be an array');
  context.diagnostics.forEach((d: unknown, i) => {
    if (!isObject(d) || typeof d.message !== 'string') throw invalid(`context.diagnostics[${i}] must be a diagnostic with a message`);
    range(d.range, `context.diagnostics[${i}].range`);
  });
  return { uri, range: r, diagnostics: context.diagnostics as Diagnostic[] };
}

/** workspace/executeCommand: a command name and an optional array of arguments. */
export function commandParams(p: unknown): { command: string; args: unknown[] } {
  const q = params(p);
  if (typeof q.command !== 'string') throw invalid('command must be a string');
  if (q.arguments !== undefined && !Array.isArray(q.arguments)) throw invalid('arguments must be an array');
  return { command: q.command, args: (q.arguments as unknown[] | undefined) ?? [] };
}

function spanProblem(v: unknown, what: string): string | undefined {
  if (!isObject(v) || typeof v.uri !== 'string') return `${what}.uri must be a string`;
  try {
    range(v.range, `${what}.range`);
  } catch (e) {
    return (e as Error).message;
  }
  if (v.version !== undefined && !Number.isInteger(v.version)) return `${what}.version must be an integer`;
  return undefined;
}

/**
 * What is wrong with the argument object of one of the server's commands (they come from code
 * actions, but any client may send anything); undefined when its fields have their types.
 */
export function commandArgsProblem(arg: unknown): string | undefined {
  if (!isObject(arg)) return 'the command takes one object argument';
  for (const key of ['folder', 'value', 'type'] as const) {
    if (arg[key] !== undefined && typeof arg[key] !== 'string') return `${key} must be a string`;
  }
  if (arg.name !== undefined && typeof arg.name !== 'string') return 'name must be a string';
  if (arg.target !== undefined && arg.target !== 'store' && arg.target !== 'env') return 'target must be "store" or "env"';
  if (arg.edit !== undefined && !isObject(arg.edit)) return 'edit must be a workspace edit';
  if (arg.source !== undefined) {
    const problem = spanProblem(arg.source, 'source');
    if (problem) return problem;
  }
  if (arg.credentials !== undefined) {
    if (!isObject(arg.credentials)) return 'credentials must be an object';
    for (const [key, c] of Object.entries(arg.credentials)) {
      if (!isObject(c)) return `credentials.${key} must be an object`;
      if ('value' in c ? typeof c.value !== 'string' : 'secret' in c ? typeof c.secret !== 'string' : spanProblem(c.source, `credentials.${key}.source`) !== undefined) {
        return `credentials.${key} must be {value}, {secret} or {source}`;
      }
    }
  }
  return undefined;
}
