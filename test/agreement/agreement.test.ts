// The differential harness on a fixed seeded sample of 200 mutated apps: the real SDK imports
// each one in isolation and the analysis checks the same text. No error diagnostic may appear
// where the SDK imports fine, and every SDK import error must be an error on the right line (the
// bench runs the full set of 2,000 and prints every disagreement).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, generate, runAgreement } from '../support/agreement';

test('the analysis agrees with the real SDK on 200 seeded mutations of valid apps', async () => {
  const defs = generate(200, 7);
  assert.equal(defs.length, 200);
  const report = await runAgreement(defs);
  const text = formatReport(report, 50);
  assert.ok(report.raised > 40 && report.clean > 40, `the sample exercises both outcomes:\n${text}`);
  assert.equal(report.cleanAgree, report.clean, `an error diagnostic where the SDK imports fine:\n${text}`);
  assert.equal(report.raisedAgree, report.raised, `an SDK import error the analysis misses:\n${text}`);
});
