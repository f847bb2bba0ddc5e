// Which workspace file an import refers to, and which app a name in a file stands for, so that
// handlers and integration uses in `handlers.py` (`from app import app`) reach the App in `app.py`.
import type { FileApp, FileSummary, ImportBinding } from './model-types';

const norm = (p: string) => p.replace(/\\/g, '/');
const dirOf = (p: string) => {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
};

export class ModuleIndex {
  private readonly byName = new Map<string, string[]>();
  private readonly byPath = new Map<string, FileSummary>();

  constructor(summaries: Iterable<FileSummary>) {
    for (const s of summaries) {
      const p = norm(s.path);
      this.byPath.set(p, s);
      const parts = p.replace(/\.py$/, '').split('/').filter((x) => x && x !== '.');
      if (parts[parts.length - 1] === '__init__') parts.pop();
      // Every suffix is a possible module name: the import root is not known.
      for (let i = parts.length - 1; i >= 0; i--) {
        const name = parts.slice(i).join('.');
        if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) break;
        const list = this.byName.get(name) ?? [];
        list.push(p);
        this.byName.set(name, list);
      }
    }
  }

  file(path: string): FileSummary | undefined {
    return this.byPath.get(norm(path));
  }

  /** The file a module import refers to, from the importing file's point of view. */
  resolve(fromPath: string, module: string, level: number): FileSummary | undefined {
    const from = norm(fromPath);
    if (level > 0) {
      let base = dirOf(from);
      for (let i = 1; i < level; i++) base = dirOf(base);
      const rel = module ? module.replace(/\./g, '/') : '';
      const target = rel ? (base ? `${base}/${rel}` : rel) : base;
      return this.byPath.get(`${target}.py`) ?? this.byPath.get(target ? `${target}/__init__.py` : '__init__.py');
    }
    const candidates = this.byName.get(module);
    if (!candidates?.length) return undefined;
    if (candidates.length === 1) return this.byPath.get(candidates[0]!);
    // Prefer the candidate nearest to the importing file (same folder first).
    const fromDir = dirOf(from);
    let best = candidates[0]!;
    let bestScore = -1;
    for (const c of candidates) {
      const d = dirOf(c);
      let common = 0;
      while (common < d.length && common < fromDir.length && d[common] === fromDir[common]) common++;
      const score = common * 2 - Math.abs(d.length - fromDir.length);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return this.byPath.get(best);
  }

  /** What a local name of `file` refers to: an app, a module, or nothing known. */
  lookup(file: FileSummary, name: string, depth = 0): { app?: FileApp; module?: FileSummary } {
    if (depth > 8) return {};
    let app: FileApp | undefined;
    for (const a of file.apps) if (a.variable === name) app = a;
    if (app) return { app };
    for (const b of file.imports) {
      if (b.kind === 'module' && b.local === name) {
        const m = this.resolve(file.path, b.module, 0);
        if (m) return { module: m };
      } else if (b.kind === 'from' && b.local === name) {
        const m = this.resolve(file.path, b.module, b.level);
        if (m) {
          const inner = this.lookup(m, b.name, depth + 1);
          if (inner.app || inner.module) return inner;
        }
        // `from pkg import mod`: the name is a submodule.
        const sub = this.resolve(file.path, b.module ? `${b.module}.${b.name}` : b.name, b.level);
        if (sub) return { module: sub };
      }
    }
    for (const b of file.imports) {
      if (b.kind !== 'star') continue;
      const m = this.resolve(file.path, b.module, b.level);
      if (m && m !== file) {
        const inner = this.lookup(m, name, depth + 1);
        if (inner.app) return inner;
      }
    }
    return {};
  }

  /** The app a dotted receiver (`app`, `core.app`) stands for in `file`. */
  appOf(file: FileSummary, receiver: string[] | undefined): FileApp | undefined {
    if (!receiver?.length) return undefined;
    let current = this.lookup(file, receiver[0]!);
    for (const part of receiver.slice(1)) {
      if (!current.module) return undefined;
      current = this.lookup(current.module, part);
    }
    return current.app;
  }

  /** Apps defined in or imported into a file. */
  appsInScope(file: FileSummary): FileApp[] {
    const out = new Set<FileApp>(file.apps.filter((a) => a.variable));
    for (const b of file.imports) {
      if (b.kind === 'star') {
        const m = this.resolve(file.path, b.module, b.level);
        if (m && m !== file) for (const a of m.apps) if (a.variable) out.add(a);
        continue;
      }
      const app = this.lookup(file, b.local).app;
      if (app) out.add(app);
    }
    return [...out];
  }

  /** Workspace files a file imports. */
  importsOf(file: FileSummary): FileSummary[] {
    const out: FileSummary[] = [];
    for (const b of file.imports as ImportBinding[]) {
      const m = this.resolve(file.path, b.module, b.kind === 'module' ? 0 : b.level);
      if (m) out.push(m);
      if (b.kind === 'from') {
        const sub = this.resolve(file.path, b.module ? `${b.module}.${b.name}` : b.name, b.level);
        if (sub) out.push(sub);
      }
    }
    return out;
  }
}
