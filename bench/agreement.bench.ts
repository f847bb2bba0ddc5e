// The differential harness on the full set: 2,000 seeded mutations of valid apps, imported with
// the real SDK and analysed. Prints agreement both ways and every disagreement.
import { formatReport, generate, runAgreement } from '../test/support/agreement';

export default async function run(): Promise<void> {
  const count = Number(process.env.AGREEMENT_COUNT ?? 2000);
  const defs = generate(count, 20261204);
  const t0 = performance.now();
  const report = await runAgreement(defs);
  console.log(formatReport(report, 200));
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s for ${defs.length} definitions)`);
}
