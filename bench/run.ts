// `npm run bench [NAME]`: runs every bench/*.bench.ts (or those whose name holds NAME) in turn.
// Each prints its figures beside a baseline measured in the same run (the machines are shared).
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
