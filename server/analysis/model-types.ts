// The per-file summary: everything the cross-file linking needs from one file, computed once per
// (path, text). It holds offsets and plain data only (no syntax nodes), so it stays valid while
// other files change.
import type { AppDecl, CapsuleDiagnostic, IntegrationDecl, IntegrationUse, Location, PageSurface, Range, SecretRef } from './types';

/** `import a.b as c` / `from .m import x as y` / `from m import *`. */
export type ImportBinding =
  | { kind: 'module'; module: string; local: string; aliased?: boolean }
  | { kind: 'from'; module: string; level: number; name: string; local: string }
  | { kind: 'star'; module: string; level: number };

export interface FileApp extends AppDecl {
  /** false when App(...) has `**kwargs`: whether it has an image is unknown. */
  imageKnown: boolean;
  /** The `secrets=[...]` list literal, where a quick fix adds a name. */
  secretsRange?: Range;
}

/** An add_integration call; `receiver` is the dotted expression it is called on. */
export interface RawIntegration {
  receiver: string[] | undefined;
  decl: IntegrationDecl;
  /** The type could not be read statically (a variable, an f-string...). */
  dynamic: boolean;
}

export interface RawUse extends IntegrationUse {
  /** Offset of the top-level function the use is in (to find its handler). */
  functionFrom: number | undefined;
}

export interface RawHandler {
  receiver: string[];
  decorator: string;
  name: string;
  location: Location;
  /** The decorated definition (function or class). */
  from: number;
  to: number;
  /** `access=` given as a string literal. */
  access?: { value: string; location: Location };
  isClass: boolean;
}

export interface EnvironRead {
  name: string;
  location: Location;
  /** `os.environ.get(NAME, default)`: the code expects the variable may be absent. */
  hasDefault: boolean;
  functionFrom: number | undefined;
}

export interface ChannelRef {
  name: string;
  location: Location;
}

/** A name an app declares for widgets to refer to (`app.setting("tone")`, `@app.data("sales")`...). */
export interface NameDecl {
  kind: NameKind;
  /** undefined: built at runtime, so any name may exist. */
  name: string | undefined;
}
export type NameKind = 'setting' | 'data' | 'collection' | 'workflow-action' | 'app-action';

/** A widget or call that refers to such a name (`ui.Toggle(setting="tone")`). */
export interface NameRef {
  kind: NameKind;
  name: string;
  /** How the reference is written, for the message: `setting= of ui.Toggle`. */
  via: string;
  location: Location;
}

/** A file an SDK call names by path (`component=` of a React page, `logo=` of the theme). */
export interface FileRef {
  kind: 'component' | 'logo';
  value: string;
  /** How the reference is written, for the message: `component= of app.add_page`. */
  via: string;
  /** The App variable the call is on (its file's folder is the app's folder). */
  receiver: string;
  location: Location;
}

export interface FileSummary {
  path: string;
  text: string;
  importsCpsl: boolean;
  /** Uses python-dotenv: names in `.env` reach os.environ without App(secrets). */
  usesDotenv: boolean;
  imports: ImportBinding[];
  apps: FileApp[];
  integrations: RawIntegration[];
  uses: RawUse[];
  secretRefs: SecretRef[];
  environReads: EnvironRead[];
  handlers: RawHandler[];
  /**
   * Page surfaces declared by a decorator or an add_page/add_onboarding call (`receiver` is the
   * name here): on an App of this file, or on a name the linking resolves to an App of another file.
   */
  surfaces?: Array<{ receiver: string; surface: PageSurface; location: Location }>;
  /** Calls that need a functional App like decorators do (`app.workflow(...)`), for the image and style rules. */
  functionalCalls: RawHandler[];
  channelRefs: ChannelRef[];
  fileRefs: FileRef[];
  nameDecls: NameDecl[];
  nameRefs: NameRef[];
  /** Diagnostics that depend on this file alone. */
  diagnostics: CapsuleDiagnostic[];
  /** The first syntax error (reported for the files an app imports, see workspace.ts). */
  syntaxError?: CapsuleDiagnostic;
  /** The analysis failed on this file: the summary is empty but for one analysis-failed note. */
  failed?: boolean;
}
