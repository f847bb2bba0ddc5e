// The same extension in desktop VS Code (Electron) through @vscode/test-electron. It runs only
// where VSCODE_EXECUTABLE points at an installed VS Code: test-electron would otherwise download
// VS Code from the internet, which CI machines for this project cannot reach. The workbench suite
// (test/vscode/) covers the same ground in code-server's real extension host everywhere.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { it } from 'node:test';

const REPO = resolve(__dirname, '..', '..');
const executable = process.env.VSCODE_EXECUTABLE;
const skipReason = !executable
  ? 'VSCODE_EXECUTABLE is not set: point it at an installed VS Code (e.g. /usr/share/code/code) to run the Electron suite; @vscode/test-electron cannot download VS Code offline'
  : !existsSync(executable)
    ? `VSCODE_EXECUTABLE=${executable} does not exist`
    : undefined;

if (skipReason) process.stdout.write(`# vscode-electron suite skipped: ${skipReason}\n`);

it('activates, reports diagnostics and runs commands in desktop VS Code', { skip: skipReason, timeout: 5 * 60_000 }, async () => {
  const { runTests } = await import('@vscode/test-electron');
  const root = mkdtempSync(join(tmpdir(), 'capsule-electron-'));
  const workspace = join(root, 'workspace');
  cpSync(join(REPO, 'test', 'vscode', 'fixtures', 'workspace'), workspace, { recursive: true });
  try {
    const code = await runTests({
      vscodeExecutablePath: executable!,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: join(__dirname, 'suite', 'index.js'),
      launchArgs: [workspace, '--disable-workspace-trust', '--skip-welcome', '--user-data-dir', join(root, 'user-data')],
      extensionTestsEnv: { CAPSULE_FIXTURE: join(workspace, 'app.py') },
    });
    assert.equal(code, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
