// What a file gets when the analysis itself fails on it: an empty summary and one
// `capsule/analysis-failed` note, so that one file the analyzer cannot handle never stops the
// other files (in the editor or in `check`) from being checked.
import { Tree } from '@lezer/common';
import type { CapsuleDiagnostic } from './types';
import type { FileSummary } from './model-types';
import { LineIndex } from './text';

export const ANALYSIS_FAILED = 'capsule/analysis-failed';

/** A one-line description of an internal error (no stack, no source text). */
export function describeFailure(error: unknown): string {
  const e = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = e.split('\n')[0]!;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

export function failureDiagnostic(path: string, source: string, what: string, error: unknown): CapsuleDiagnostic {
  const text = typeof source === 'string' ? source : '';
  const index = new LineIndex(text);
  // The first line, or one character: a range that editors can show.
  const firstLineEnd = text.search(/\r?\n|$/);
  const range = index.range(0, Math.max(firstLineEnd, Math.min(1, text.length)));
  if (range.start.line === range.end.line && range.start.character === range.end.character) range.end = { line: 0, character: 1 };
  return {
    path,
    range,
    severity: 'information',
    code: ANALYSIS_FAILED,
    message:
      `Capsule Local could not ${what} (${describeFailure(error)}), so its Capsule checks are off until it changes. ` +
      'The other files are still checked. Please report this with the file that causes it.',
    data: { error: describeFailure(error) },
  };
}

export function failedSummary(path: string, text: string, error: unknown): FileSummary {
  return {
    path,
    text: typeof text === 'string' ? text : '',
    // Unknown: it may well import cpsl. Counted as not importing it, so that no cross-file rule
    // draws conclusions from a summary that is empty for want of analysis.
    importsCpsl: false,
    usesDotenv: false,
    imports: [],
    // What it declares is unknown: any name a widget refers to may be declared there.
    nameDecls: (['setting', 'data', 'collection', 'workflow-action', 'app-action'] as const).map((kind) => ({ kind, name: undefined })),
    nameRefs: [],
    functionalCalls: [],
    apps: [],
    integrations: [],
    uses: [],
    secretRefs: [],
    environReads: [],
    handlers: [],
    channelRefs: [],
    fileRefs: [],
    diagnostics: [failureDiagnostic(path, text, 'analyse this file', error)],
    failed: true,
  };
}

/** The tree given to editor features for a text that could not be parsed at all. */
export const EMPTY_TREE = Tree.empty;
