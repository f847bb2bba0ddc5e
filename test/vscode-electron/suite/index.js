// Runs inside desktop VS Code's extension host (loaded by @vscode/test-electron). Plain CommonJS
// so it needs no compile step. Every wait has a timeout with a clear message.
const assert = require('node:assert/strict');
const vscode = require('vscode');

function waitForDiagnostics(uri, test, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const d = vscode.languages.getDiagnostics(uri);
      if (test(d)) {
        done();
        resolve(d);
      }
    };
    const sub = vscode.languages.onDidChangeDiagnostics(check);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      sub.dispose();
    };
    check();
  });
}

const code = (d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

exports.run = async function run() {
  const uri = vscode.Uri.file(process.env.CAPSULE_FIXTURE);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const ext = vscode.extensions.getExtension('capsule-local.capsule-local');
  assert.ok(ext, 'the extension is installed');
  const api = await ext.activate();
  await api.ready;
  const diags = await waitForDiagnostics(uri, (d) => d.some((x) => code(x) === 'capsule/missing-secret'), 30000, 'capsule/missing-secret');
  assert.ok(diags.every((d) => d.source === 'capsule' || d.source !== undefined));
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['capsule.runApp', 'capsule.debugApp', 'capsule.openChat', 'capsule.secret.set', 'capsule.emulator.start']) {
    assert.ok(commands.includes(id), `command ${id} is registered`);
  }
};
