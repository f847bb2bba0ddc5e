// `npm run bench`: runs every bench/*.bench.ts in turn. Each prints its own figures as ratios
// against a baseline measured in the same run (these machines are shared and noisy).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const only = process.argv[2];
const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only))).sort();
(async () => {
  for (const f of files) {
    console.log(`\n## ${f.replace('.bench.ts', '')}`);
    const mod = await import(pathToFileURL(resolve(join(__dirname, f))).href);
    await (mod.default ?? mod.run)();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
