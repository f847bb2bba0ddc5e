// npm run catalog: regenerate catalog/sdk-surface.json from the pinned cpsl wheel in .venv.
// `--check` writes nothing and exits 1 when the committed file differs from what the wheel gives.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'catalog', 'sdk-surface.json');

/** The generator's output for the wheel in `.venv` (throws with the reason when it cannot run). */
export function generateSurface() {
  const python = join(root, '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error('.venv/bin/python is missing: create the project venv with the pinned SDK (requirements-sdk.txt) first');
  const r = spawnSync(python, [join(root, 'scripts', 'gen-catalog.py')], { encoding: 'utf8', env: { ...process.env, PYTHONHASHSEED: '0' }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`gen-catalog.py failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generateSurface();
  if (process.argv.includes('--check')) {
    const same = existsSync(out) && readFileSync(out, 'utf8') === text;
    if (!same) {
      console.error('catalog/sdk-surface.json does not match the installed SDK: run npm run catalog and commit the result');
      process.exit(1);
    }
  } else {
    writeFileSync(out, text);
    console.log(`wrote ${out} (${JSON.parse(text).generatedFrom})`);
  }
}
