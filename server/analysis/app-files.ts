// Files an app names by path: a React page's or onboarding's `component=` and the theme's `logo=`.
// The SDK stores them unread at import; the runner opens them relative to its working folder (the
// app's folder) only when the page or logo is asked for (cpsl/page_source.py, runner/routes.py),
// so a wrong path shows up only on the page. Whether a file exists comes from an injected
// FileSource: this file does no I/O.
import type { SyntaxNode } from '@lezer/common';
import type { FileContext } from './summary';
import type { CallArgs } from './syntax';
import type { FileApp, FileRef } from './model-types';
import type { FileSource } from './types';
import { literalOf, type SdkHit } from './sdk-calls';

/** App methods whose argument is a path, relative to the app's folder: `method` -> parameter. */
const PATH_PARAMS: Record<string, { param: string; kind: FileRef['kind'] }> = {
  add_page: { param: 'component', kind: 'component' },
  add_onboarding: { param: 'component', kind: 'component' },
  theme: { param: 'logo', kind: 'logo' },
};

/** What the runner serves as a page's source (cpsl/page_source.py SOURCE_EXTENSIONS). */
const SOURCE_EXTENSIONS = ['.tsx', '.ts', '.jsx', '.js'];
/** Folders `capsule deploy` does not upload (cpsl/utils.py IGNORE_PATTERNS). */
const NOT_DEPLOYED = new Set(['.git', '.venv', 'venv', '__pycache__', '.pytest_cache', '.ruff_cache', 'node_modules', '.idea', '.vscode', '.next', '.capsule']);

/** Extensions of the files that can be referenced: a watcher re-checks when one of these changes. */
export const REFERENCED_FILE_EXTENSIONS: readonly string[] = [...SOURCE_EXTENSIONS, '.png', '.jpg', '.jpeg', '.svg', '.webp', '.gif', '.ico'];

/** The file references of one SDK call (`app.add_page("X", component="pages/x.tsx")`). */
export function filesOfCall(ctx: FileContext, hit: SdkHit, receiver: string | undefined, args: CallArgs, refs: FileRef[]): void {
  if (hit.kind !== 'app' || !receiver || !Object.hasOwn(PATH_PARAMS, hit.name)) return;
  const { param, kind } = PATH_PARAMS[hit.name]!;
  const node: SyntaxNode | undefined = args.keywords.get(param)?.value;
  const l = literalOf(ctx.text, node);
  if (!node || l?.kind !== 'str') return;
  if (kind === 'logo' && /^https?:\/\//i.test(l.value)) return;
  refs.push({ kind, value: l.value, via: `${param}= of app.${hit.name}`, receiver, location: ctx.location(node.from, node.to) });
}

/** `a/b/../c` -> `a/c`; undefined when it climbs above its start. Separators become "/". */
function normalize(parts: string[]): string[] | undefined {
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(p);
  }
  return out;
}

function folderOf(path: string): string[] {
  return path.split(/[\\/]/).slice(0, -1);
}

/**
 * The diagnostics of the file references: a path outside the app's folder, a component the runner
 * refuses to serve, or a file that does not exist. Also returns the paths it looked at.
 */
export function checkFileRefs(
  refs: Array<{ ref: FileRef; app: FileApp | undefined }>,
  files: FileSource | undefined,
  push: (ref: FileRef, message: string, data: Record<string, unknown>) => void,
): string[] {
  const looked: string[] = [];
  if (!files) return looked;
  for (const { ref, app } of refs) {
    // The app's folder is where its App(...) is (serve runs the runner there); else the call's.
    const base = folderOf(app?.path ?? ref.location.path);
    const what = ref.kind === 'component' ? 'the page' : 'the logo';
    if (/^[\\/]|^[A-Za-z]:[\\/]/.test(ref.value)) {
      push(ref, `${ref.via} is an absolute path ('${ref.value}'): the runner opens it relative to the app's folder, so ${what} is not found on Capsule. Give the path relative to the app's folder.`, { path: ref.value });
      continue;
    }
    const rel = normalize(ref.value.split(/[\\/]/));
    if (!rel || !rel.length) {
      push(ref, `${ref.via} ('${ref.value}') is outside the app's folder, which is all capsule deploy uploads: ${what} is not found on Capsule. Keep the file inside the app's folder.`, { path: ref.value });
      continue;
    }
    const name = rel[rel.length - 1]!;
    const ext = name.includes('.') ? name.slice(name.lastIndexOf('.')).toLowerCase() : '';
    if (ref.kind === 'component' && !SOURCE_EXTENSIONS.includes(ext)) {
      push(ref, `${ref.via} ('${ref.value}') is not a ${SOURCE_EXTENSIONS.join(', ')} file: the runner serves only those as a page's source, so the page does not load.`, { path: ref.value });
      continue;
    }
    const ignored = rel.slice(0, -1).find((p) => NOT_DEPLOYED.has(p));
    if (ignored) {
      push(ref, `${ref.via} ('${ref.value}') is inside ${ignored}/, which capsule deploy does not upload: ${what} works locally but not on Capsule. Move the file out of it.`, { path: ref.value });
      continue;
    }
    const resolved = normalize([...base, ...rel])!.join('/');
    looked.push(resolved);
    if (files.isFile(resolved) !== false) continue;
    push(ref, `${ref.via} names '${ref.value}', which does not exist in the app's folder${base.length ? ` (${base.join('/')}/)` : ''}: ${ref.kind === 'component' ? 'the page does not load (the runner answers 503 for its bundle)' : 'the logo is not shown (the runner answers 404)'}.`, { path: ref.value, resolved });
  }
  return looked;
}

