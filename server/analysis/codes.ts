// The diagnostic codes, their default severity and their section in docs/diagnostics.md (for the
// LSP codeDescription link and the README). Codes are stable: add, never rename.
import type { Severity } from './types';

export const DIAGNOSTIC_CODES = {
  'capsule/unknown-integration': 'warning',
  'capsule/undeclared-integration': 'error',
  'capsule/oauth-missing-client': 'error',
  'capsule/secret-integration-client': 'error',
  'capsule/custom-integration-missing-fields': 'error',
  'capsule/config-combined-with-options': 'error',
  'capsule/invalid-pipedream': 'error',
  'capsule/unknown-scope': 'warning',
  'capsule/duplicate-integration': 'warning',
  'capsule/hardcoded-credential': 'warning',
  'capsule/missing-secret': 'warning',
  'capsule/undeclared-secret': 'warning',
  'capsule/invalid-secret-name': 'warning',
  'capsule/deprecated-channel': 'warning',
  'capsule/unknown-channel': 'warning',
  'capsule/redundant-chat': 'hint',
  'capsule/missing-image': 'error',
  'capsule/mixed-style': 'error',
  'capsule/invalid-access': 'error',
  'capsule/local-unsupported': 'information',
  'capsule/syntax-error': 'error',
  'capsule/analysis-failed': 'information',
  'capsule/invalid-argument': 'error',
  'capsule/invalid-value': 'error',
  'capsule/unknown-value': 'warning',
  'capsule/duplicate-declaration': 'error',
  'capsule/page-not-widget': 'error',
  'capsule/unknown-reference': 'warning',
  'capsule/invalid-cron': 'warning',
  'capsule/invalid-lock': 'warning',
  'capsule/missing-file': 'warning',
} as const satisfies Record<string, Severity>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** The heading anchor of a code in docs/diagnostics.md, e.g. "capsulemissing-secret". */
export function diagnosticAnchor(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

/** Path and anchor of a code's documentation, relative to the repository root. */
export function diagnosticDocPath(code: string): string {
  return `docs/diagnostics.md#${diagnosticAnchor(code)}`;
}
