// The name an app is reported under before it registers (an import error, a crash at start): the
// literal its entry file gives `App(...)` for the entry's symbol, else none (the placeholder id).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanAppName } from '../../emulator/runner/launch';

const CASES: Array<[string, string, string | undefined]> = [
  ['app = cpsl.App("support-ops", image=cpsl.Image())', 'app', 'support-ops'],
  ["app = cpsl.App(name='broken')", 'app', 'broken'],
  ['app: cpsl.App = App(name="typed")', 'app', 'typed'],
  ['other = cpsl.App("a")\nbot = cpsl.App("b")', 'bot', 'b'],
  ['app = cpsl.App(NAME)', 'app', undefined],
  ['app = make_app()', 'app', undefined],
  ['import nosuchmodule\napp = cpsl.App("after-the-error")', 'app', 'after-the-error'],
];

for (const [source, symbol, want] of CASES) {
  test(`${JSON.stringify(source)} (${symbol}) → ${want ?? 'no name'}`, () => {
    const file = join(mkdtempSync(join(tmpdir(), 'capsule-name-')), 'app.py');
    writeFileSync(file, source + '\n');
    assert.equal(scanAppName(file, symbol), want);
  });
}
