// The one scrubber: every secret value the emulator knows is replaced by `[secret]` in text that
// leaves it for a person or a file (event log, history, replies and errors, the dashboard, web
// chat and API answers, exports, serve's console and so the VS Code output channel). Nothing else
// masks values; sinks call this.
//
// What counts as a secret value (never every variable of the machine):
//   - the store's secrets, the workspace .env's entries;
//   - launching-environment variables whose names an app declares (`App(secrets=[...])`, its
//     integrations' client secret names, `Secret.from_name("NAME")` in its file) or the store or
//     .env name;
//   - values handed to an app (injected or resolved) and runner tokens (learn());
//   - channel credentials marked secret, integration access and refresh tokens (a Pipedream
//     account's upstream token among them), and the secret-form fields the form masks
//     (integrations/fields.ts: every field of a custom form).
// Each value is matched as it is, line by line when it has several lines, and in the encodings an
// app is likely to print it in: Python repr, JSON string escapes, URL encoding (quote, quote_plus,
// encodeURIComponent) and base64 (standard and URL-safe, also inside a longer base64 text).
// Values or lines shorter than MIN_SECRET_LENGTH are not matched: they would blank ordinary words.
import type { NextFunction, Request, Response } from 'express';
import type { StoreData } from '../store';
import { isSecretCredential } from '../store/channels';
import { isSecretStoredField } from '../integrations/fields';

export const MASK = '[secret]';
/** Shortest value (or line of a value) that is scrubbed; `secret set` warns below it. */
export const MIN_SECRET_LENGTH = 6;

export interface SecretSources {
  /** The store's data: secrets, channel credentials, integrations. */
  data(): StoreData;
  /** The workspace .env's entries. */
  dotenv(): Record<string, string>;
  /** The environment the emulator was launched from. */
  env: NodeJS.ProcessEnv;
  /** Secret names the apps declare (scanned or registered), for the launching environment. */
  declaredNames(): Iterable<string>;
}

export class SecretScrubber {
  private readonly learned = new Set<string>();
  private key = '';
  private pattern: RegExp | undefined;

  constructor(private readonly sources: SecretSources) {}

  /** A value handed out (injected, resolved, a runner token): scrubbed from now on, for good. */
  learn(value: string | undefined): void {
    if (!value || this.learned.has(value)) return;
    this.learned.add(value);
    this.checked = false;
  }

  /**
   * Whether the values were gathered in this turn of the event loop. They are gathered at most
   * once a turn (the sinks of one message share it): a store or .env change shows from the next
   * turn, and what an app is handed (learn) at once.
   */
  private checked = false;

  /** `text` with every known secret value, in every form, replaced by [secret]. */
  text = (text: string): string => {
    if (!text) return text;
    const p = this.current();
    return p ? text.replace(p, MASK) : text;
  };

  /** A copy of `value` (JSON-like data) with every string scrubbed. */
  json<T>(value: T): T {
    const p = this.current();
    return p ? (deep(value, (s) => s.replace(p, MASK)) as T) : value;
  }

  /** Every value known now (tests and diagnostics; never print these). */
  values(): string[] {
    const seen = new Set<string>(this.learned);
    const d = this.sources.data();
    const dotenv = this.sources.dotenv();
    for (const s of Object.values(d.secrets)) seen.add(s.value);
    for (const v of Object.values(dotenv)) seen.add(v);
    const names = new Set<string>([...Object.keys(d.secrets), ...Object.keys(dotenv), ...this.sources.declaredNames()]);
    for (const n of names) {
      const v = this.sources.env[n];
      if (v !== undefined) seen.add(v);
    }
    for (const c of Object.values(d.channels)) for (const [k, v] of Object.entries(c.credentials)) if (isSecretCredential(c.type, k)) seen.add(v);
    for (const byType of Object.values(d.integrations)) {
      for (const i of Object.values(byType)) {
        seen.add(i.accessToken);
        if (i.refreshToken) seen.add(i.refreshToken);
        for (const [k, v] of Object.entries(i.fields)) if (isSecretStoredField(i, k)) seen.add(v);
      }
    }
    return [...seen].filter((v) => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH);
  }

  /** The pattern for the values known now, rebuilt only when they changed. */
  private current(): RegExp | undefined {
    if (this.checked) return this.pattern;
    this.checked = true;
    setImmediate(() => (this.checked = false));
    const values = this.values().sort();
    const key = values.join('\0');
    if (key !== this.key) {
      this.key = key;
      const needles = new Set<string>();
      for (const v of values) for (const f of formsOf(v)) needles.add(f);
      const sorted = [...needles].filter((n) => n.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
      this.pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
    }
    return this.pattern;
  }
}

/** Express middleware: the JSON answers of the routes after it are scrubbed. */
export function scrubAnswers(scrubber: SecretScrubber) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(scrubber.json(body));
    next();
  };
}

/** The forms of a value that are matched: the whole value and each of its lines, each encoded. */
export function formsOf(value: string): string[] {
  const parts = new Set([value]);
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n|\r/)) {
      parts.add(line);
      parts.add(line.trim());
    }
  }
  const out = new Set<string>();
  for (const p of parts) {
    if (p.length < MIN_SECRET_LENGTH) continue;
    const json1 = JSON.stringify(p).slice(1, -1);
    for (const f of [p, json1, JSON.stringify(json1).slice(1, -1), pyRepr(p, "'"), pyRepr(p, '"'), ...urlForms(p), ...base64Forms(p)]) out.add(f);
  }
  return [...out];
}

/** Python's repr of a str between `quote`s, without the quotes. */
function pyRepr(v: string, quote: "'" | '"'): string {
  let out = '';
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out;
}

/** Percent-encoding as Python's quote (safe '' and '/'), quote_plus and encodeURI(Component) do it. */
function urlForms(v: string): string[] {
  const quote = (safe: RegExp, plus: boolean): string => {
    let out = '';
    for (const b of Buffer.from(v, 'utf8')) {
      const ch = String.fromCharCode(b);
      if (b < 0x80 && safe.test(ch)) out += ch;
      else if (plus && ch === ' ') out += '+';
      else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
  };
  const forms = [quote(/[A-Za-z0-9_.~-]/, false), quote(/[A-Za-z0-9_.~/-]/, false), quote(/[A-Za-z0-9_.~-]/, true), quote(/[A-Za-z0-9_.~/-]/, true)];
  try {
    forms.push(encodeURIComponent(v), encodeURI(v));
  } catch {
    // A lone surrogate: Python's forms above still cover it.
  }
  return [...forms, ...forms.map((f) => f.replace(/%20/g, '+')), ...forms.map((f) => f.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))];
}

/**
 * base64 and base64url of the value, padding left off, and the characters that depend on the value
 * alone when it sits 1 or 2 bytes past a 3-byte boundary inside a longer base64 text (an encoded
 * `user:password` or `Bearer <token>`).
 */
function base64Forms(v: string): string[] {
  const bytes = Buffer.from(v, 'utf8');
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const enc = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
    const from = Math.ceil((offset * 8) / 6);
    const to = Math.floor(((offset + bytes.length) * 8) / 6);
    for (const core of offset === 0 ? [enc, enc.slice(0, to)] : [enc.slice(from, to)]) out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function deep(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => deep(x, f));
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    // Defined, not assigned: an app's own "__proto__" key (JSON.parse keeps it as data) would
    // otherwise set the copy's prototype and vanish from the answer.
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: deep(x, f), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
