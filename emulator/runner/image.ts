// The app's container image (`cpsl.Image(python_packages=, apt_packages=, commands=)`): on Capsule
// the platform builds it; here the app runs in the user's own interpreter, so nothing of it is
// installed or run for them. When the app starts, the emulator checks the Python packages against
// that interpreter and says, by name and with the command that installs them, which are missing or
// at another version, and names the build commands and system packages it does not run or install:
// an example app whose handler then fails with "No module named 'baml_client'" has already said why.
import { execFile } from 'node:child_process';
import { shellWord } from './shell-word';

export interface ImageSpec {
  pythonPackages: string[];
  aptPackages: string[];
  commands: string[];
}

/** What the interpreter has of one requirement of the image. */
export interface PackageCheck {
  requirement: string;
  /** The distribution's name, as written. */
  name: string;
  /** The installed version, or null when the distribution is not installed. */
  installed: string | null;
  /** false: installed at a version outside the requirement; null: could not be checked (a URL, a path, no parser). */
  satisfied: boolean | null;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.trim() !== '') : []);

/** The image a Register config declares, or undefined when it declares nothing to install or run. */
export function imageOf(config: Record<string, unknown> | undefined): ImageSpec | undefined {
  const image = config?.image;
  if (!image || typeof image !== 'object' || Array.isArray(image)) return undefined;
  const r = image as Record<string, unknown>;
  const spec = { pythonPackages: strings(r.python_packages), aptPackages: strings(r.apt_packages), commands: strings(r.commands) };
  return spec.pythonPackages.length || spec.aptPackages.length || spec.commands.length ? spec : undefined;
}

// Reads the requirements as JSON on stdin; answers one PackageCheck each on stdout. The parser is
// `packaging`'s (the one pip uses, also vendored inside pip); without either, only presence is known.
const CHECK = `
import json, re, sys
from importlib import metadata
try:
    from packaging.requirements import Requirement
except Exception:
    try:
        from pip._vendor.packaging.requirements import Requirement
    except Exception:
        Requirement = None
out = []
for text in json.load(sys.stdin):
    m = re.match(r"\\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    if not m or "://" in text or text.strip().startswith((".", "/")):
        out.append({"requirement": text, "name": text.strip(), "installed": None, "satisfied": None})
        continue
    name, spec, marker = m.group(1), None, None
    if Requirement is not None:
        try:
            req = Requirement(text)
            name, spec, marker = req.name, req.specifier, req.marker
        except Exception:
            pass
    if marker is not None and not marker.evaluate():
        continue
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        installed = None
    satisfied = None
    if installed is not None:
        satisfied = True if spec is None and Requirement is not None else None
        if spec is not None:
            satisfied = spec.contains(installed, prereleases=True)
    out.append({"requirement": text, "name": name, "installed": installed, "satisfied": satisfied})
print(json.dumps(out))
`;

/** Asks the interpreter which of the image's Python packages it has (one short process). */
export function checkPythonPackages(python: string, requirements: string[], cwd: string): Promise<PackageCheck[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, ['-c', CHECK], { cwd, timeout: 15_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`checking the image's Python packages with ${python} failed: ${err.message.split('\n')[0]}`));
      try {
        resolve(JSON.parse(stdout) as PackageCheck[]);
      } catch {
        reject(new Error(`checking the image's Python packages with ${python} gave no answer`));
      }
    });
    child.stdin?.end(JSON.stringify(requirements));
  });
}


/**
 * The sentences (each after "<app>: ") that tell the developer what of the image this machine
 * lacks or does not do. Empty when every Python package is there and nothing else is declared.
 */
export function imageNotes(image: ImageSpec, checks: PackageCheck[] | undefined, python: string): string[] {
  const notes: string[] = [];
  if (checks) {
    const missing = checks.filter((c) => c.installed === null && c.satisfied === null && !/:\/\/|^\s*[./]/.test(c.requirement));
    const other = checks.filter((c) => c.installed !== null && c.satisfied === false);
    const unchecked = checks.filter((c) => c.installed === null && /:\/\/|^\s*[./]/.test(c.requirement));
    const toInstall = [...missing, ...other];
    if (toInstall.length) {
      const parts: string[] = [];
      if (missing.length) parts.push(`${missing.map((c) => c.name).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed`);
      for (const c of other) parts.push(`${c.name} is ${c.installed} (the image asks for ${c.requirement})`);
      notes.push(
        `the app's image installs ${image.pythonPackages.join(', ')} on Capsule, but in ${python} ${parts.join('; ')}: ` +
          `install ${toInstall.length > 1 ? 'them' : 'it'} with ${shellWord(python)} -m pip install ${toInstall.map((c) => shellWord(c.requirement)).join(' ')}`,
      );
    }
    if (unchecked.length) notes.push(`the app's image installs ${unchecked.map((c) => c.requirement).join(', ')} on Capsule; Capsule Local cannot tell whether ${python} has ${unchecked.length > 1 ? 'them' : 'it'}`);
  }
  if (image.commands.length) {
    notes.push(
      `the app's image runs ${image.commands.map((c) => `\`${c}\``).join(', ')} when Capsule builds it; Capsule Local builds no image: ` +
        `run ${image.commands.length > 1 ? 'them' : 'it'} yourself in the app's folder (again when ${image.commands.length > 1 ? 'their' : 'its'} inputs change)`,
    );
  }
  if (image.aptPackages.length) {
    notes.push(`the app's image installs the system packages ${image.aptPackages.join(', ')} on Capsule; here the app uses this machine's own: install them if it needs them`);
  }
  return notes;
}
