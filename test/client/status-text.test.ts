// The VS Code status bar's words (client/statusText.ts, which the extension renders as they are):
// a failed reload turns the running item into a warning that names the app and the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusText } from '../../client/statusText';

test('running: the port, and pending prompts as a warning', () => {
  assert.deepEqual(statusText({ state: 'running', port: 8790, url: 'http://127.0.0.1:8790', entry: 'app.py:app', pendingPrompts: 0 }).text, '$(broadcast) Capsule :8790');
  const asking = statusText({ state: 'running', port: 8790, pendingPrompts: 2 });
  assert.equal(asking.text, '$(broadcast) Capsule :8790 $(bell-dot) 2');
  assert.equal(asking.background, 'warning');
});

test('a failed reload: "previous version — reload failed" with the error, until the failure is gone', () => {
  const s = statusText({ state: 'running', port: 8790, url: 'http://127.0.0.1:8790', pendingPrompts: 0, reloadFailure: { app: 'support-ops', error: 'SyntaxError: invalid syntax (app.py, line 9)' } });
  assert.equal(s.text, '$(warning) Capsule :8790 previous version — reload failed');
  assert.match(s.tooltip, /^support-ops is running the previous version — reload failed: SyntaxError: invalid syntax \(app\.py, line 9\)\nFix the error and save to reload\./);
  assert.equal(s.background, 'warning');
  assert.equal(statusText({ state: 'running', port: 8790, pendingPrompts: 0 }).background, undefined);
});

test('stopped and failed emulators', () => {
  assert.equal(statusText({ state: 'stopped', pendingPrompts: 0 }).text, '$(circle-outline) Capsule');
  const failed = statusText({ state: 'failed', lastError: 'port in use', pendingPrompts: 0 });
  assert.equal(failed.background, 'error');
  assert.match(failed.tooltip, /port in use/);
});
