// What counts as a credential written into the source. A warning here asks the user to move a
// value into a secret, so a false positive is a real cost: placeholders ("your-client-id",
// "xxxx", the documented AWS example key) and env-var-shaped names are never reported.

/** Provider key formats, each with the secret name a quick fix proposes. */
const KEY_PATTERNS: Array<{ re: RegExp; secret: string; what: string }> = [
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, secret: 'PRIVATE_KEY', what: 'a private key' },
  { re: /\bsk-ant-[A-Za-z0-9_-]{20,}/, secret: 'ANTHROPIC_API_KEY', what: 'an Anthropic API key' },
  { re: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}/, secret: 'OPENAI_API_KEY', what: 'an OpenAI API key' },
  { re: /\bgh[pousr]_[A-Za-z0-9]{30,}/, secret: 'GITHUB_TOKEN', what: 'a GitHub token' },
  { re: /\bgithub_pat_[A-Za-z0-9_]{30,}/, secret: 'GITHUB_TOKEN', what: 'a GitHub token' },
  { re: /\bxox[abposre]-[A-Za-z0-9-]{10,}/, secret: 'SLACK_BOT_TOKEN', what: 'a Slack token' },
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, secret: 'AWS_ACCESS_KEY_ID', what: 'an AWS access key' },
  { re: /\bAIza[0-9A-Za-z_-]{35}/, secret: 'GOOGLE_API_KEY', what: 'a Google API key' },
  { re: /\bya29\.[0-9A-Za-z_-]{20,}/, secret: 'GOOGLE_ACCESS_TOKEN', what: 'a Google access token' },
  { re: /\btskey-[a-z]+-[A-Za-z0-9-]{10,}/, secret: 'TAILSCALE_AUTH_KEY', what: 'a Tailscale auth key' },
  { re: /\blin_(?:api|oauth)_[A-Za-z0-9]{20,}/, secret: 'LINEAR_API_KEY', what: 'a Linear key' },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}/, secret: 'GITLAB_TOKEN', what: 'a GitLab token' },
  { re: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{20,}/, secret: 'STRIPE_SECRET_KEY', what: 'a Stripe key' },
  { re: /(?:^|[^0-9])[0-9]{8,10}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/, secret: 'TELEGRAM_BOT_TOKEN', what: 'a Telegram bot token' },
];

/** Cheap pre-filter so that most string literals are dismissed with one regex test. */
const KEY_HINT = /sk-|gh[pousr]_|github_pat_|xox|AKIA|ASIA|AIza|ya29\.|tskey-|lin_|glpat-|k_live_|k_test_|PRIVATE KEY|[0-9]{8}:/;

const PLACEHOLDER_WORDS = [
  'your', 'example', 'placeholder', 'changeme', 'change-me', 'change_me', 'dummy', 'fake', 'replace',
  'todo', 'fixme', 'xxxx', 'redacted', 'sample', 'insert', '****', '...', '<', '>', '${', '{{', '%s',
];

export function looksLikePlaceholder(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === '') return true;
  if (/^(.)\1*$/.test(v)) return true;
  return PLACEHOLDER_WORDS.some((w) => v.includes(w));
}

/** A name such as GITHUB_CLIENT_ID: the author meant a secret name, not a value. */
export function looksLikeEnvName(value: string): boolean {
  return /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(value);
}

/** A recognised provider key inside a string value, or undefined. */
export function findKeyPattern(value: string): { secret: string; what: string } | undefined {
  if (value.length < 20 || !KEY_HINT.test(value)) return undefined;
  for (const p of KEY_PATTERNS) {
    const m = p.re.exec(value);
    if (!m) continue;
    const token = m[0];
    // Real keys mix letters and digits; 'sk-abcdefghijklmnopqrstuvwxyz' is an illustration.
    const random = p.secret === 'PRIVATE_KEY' || (/[0-9]/.test(token) && /[A-Za-z]/.test(token) && new Set(token).size >= 8);
    if (looksLikePlaceholder(token) || !random) continue;
    return { secret: p.secret, what: p.what };
  }
  return undefined;
}

/**
 * A literal passed as a credential argument of a cpsl call (client_secret=..., bot_token=...).
 * Short throwaway values and placeholders are not worth a warning.
 */
export function isCredentialLiteral(value: string): boolean {
  const v = value.trim();
  if (v.length < 6 || looksLikePlaceholder(v) || looksLikeEnvName(v)) return false;
  return true;
}

/**
 * A literal passed as a credential keyword of some other library's call (api_key=..., token=...):
 * only values that look random enough to be a real secret.
 */
export function isSecretLookingLiteral(value: string): boolean {
  const v = value.trim();
  if (v.length < 16 || /\s/.test(v) || looksLikePlaceholder(v) || looksLikeEnvName(v)) return false;
  if (/^https?:/i.test(v) || v.includes('/')) return false;
  return /[A-Za-z]/.test(v) && /[0-9]/.test(v) && new Set(v).size >= 10;
}

/** Secret name a quick fix proposes for a credential keyword, e.g. GITHUB + client_id. */
export function secretNameFor(prefix: string | undefined, keyword: string): string {
  const p = (prefix ?? '').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const k = keyword.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  const name = p ? `${p}_${k}` : k;
  return /^[0-9]/.test(name) ? `_${name}` : name;
}
