// Analysis diagnostics as LSP diagnostics: `source: "capsule"`, the stable code, a link to the
// code's README section, tags and related information. The analysis' machine-readable `data`
// travels along so that quick fixes can use it when the client sends the diagnostic back.
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import type { CapsuleDiagnostic } from '../analysis/index';

/** Every code is documented in a README section whose anchor is the code without the slash. */
export const CODE_DOCS_BASE = 'https://github.com/capsule-local/capsule-local/blob/main/README.md';

export function codeHref(code: string): string {
  return `${CODE_DOCS_BASE}#${code.replace(/[^a-z0-9-]/gi, '').toLowerCase()}`;
}

const SEVERITY: Record<CapsuleDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DiagnosticData {
  code: string;
  data?: Record<string, unknown>;
}

export function toLspDiagnostic(d: CapsuleDiagnostic, uriOf: (path: string) => string): Diagnostic {
  const tags = d.tags?.map((t) => (t === 'deprecated' ? DiagnosticTag.Deprecated : DiagnosticTag.Unnecessary));
  const out: Diagnostic = {
    range: d.range,
    severity: SEVERITY[d.severity],
    source: 'capsule',
    code: d.code,
    codeDescription: { href: codeHref(d.code) },
    message: d.message,
  };
  if (tags?.length) out.tags = tags;
  if (d.related?.length) out.relatedInformation = d.related.map((r) => ({ location: { uri: uriOf(r.location.path), range: r.location.range }, message: r.message }));
  if (d.data) out.data = { code: d.code, data: d.data } satisfies DiagnosticData;
  return out;
}
