// `serve`'s preflight: what `check` finds for the served app (missing secrets and channels, and
// the rest of its errors and warnings), printed before the links so that a problem is seen before
// the app fails on it. It is check's own analysis (the same sources, local state and messages,
// each message with its fix command); nothing here decides what a problem is.
import { relative } from 'node:path';
import { collectSources, formatText } from './commands/check';
import { readCheckState } from './local-state';

/** The lines to print for the app whose folder is `appDir` (none when check finds nothing). */
export async function preflightLines(appDir: string, storeDir: string, cwd: string): Promise<string[]> {
  const { analyzeWorkspace } = await import('../server/analysis/index');
  const { files } = collectSources([relative(cwd, appDir) || '.'], cwd);
  const local = readCheckState(storeDir, cwd);
  const { model, diagnostics } = analyzeWorkspace(files, local.state);
  const found = diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
  const clientSecrets = new Set(model.secrets.filter((s) => s.kind === 'integration-client').map((s) => s.name));
  const lines = local.problems.map((p) => `  ${p}`);
  for (const d of found) {
    lines.push(`  ${formatText(d)}`);
    const secret = d.code === 'capsule/missing-secret' ? d.data?.secret : undefined;
    if (typeof secret === 'string' && clientSecrets.has(secret)) {
      lines.push(`    (until it is defined, the simulated provider uses generated local client credentials)`);
    }
  }
  if (!lines.length) return [];
  const n = found.length;
  return [`capsule-local check found ${n === 1 ? 'one problem' : `${n} problems`} for this app (fix each with the command it names):`, ...lines];
}
