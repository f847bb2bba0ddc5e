// The platform's own integration pages (not a provider's): the secret form for secret-form
// integrations (aws, tailscale, custom `fields=[...]`), the local Pipedream Connect page, and the
// result shown after a connection.
import { catalog } from '../../../catalog/catalog';
import { esc, page } from './html';
import { PLATFORM_CSS } from './styles';
import { fieldLabel, isSecretField } from '../fields';

export interface SecretFormView {
  appName: string;
  type: string;
  title: string;
  reason?: string;
  action: string;
  required: string[];
  optional: string[];
  /** Values to show again after a failed validation: non-secret fields only. */
  values: Record<string, string>;
  errors: Record<string, string>;
  denyAction?: string;
}

export function renderSecretForm(v: SecretFormView): string {
  const input = (f: string, optional: boolean): string => {
    const secret = isSecretField(v.type, f);
    const id = `field-${f}`;
    const err = v.errors[f];
    const placeholder = catalog.secretFieldLabels[f]?.placeholder;
    const value = secret ? '' : (v.values[f] ?? '');
    return `<label class="field" for="${esc(id)}">${esc(fieldLabel(f))}${optional && !/optional/i.test(fieldLabel(f)) ? ' <span class="muted">(optional)</span>' : ''}</label>
      <input class="field-input" id="${esc(id)}" name="${esc(f)}" type="${secret ? 'password' : 'text'}" autocomplete="off" spellcheck="false"
        ${placeholder ? `placeholder="${esc(placeholder)}"` : ''} value="${esc(value)}"${err ? ` aria-invalid="true" aria-describedby="${esc(id)}-error"` : ''}>
      ${err ? `<div class="field-error" id="${esc(id)}-error">${esc(err)}</div>` : ''}
      ${secret ? '<div class="hint">Stored only in this workspace\'s local store; never shown again.</div>' : ''}`;
  };
  const errorCount = Object.keys(v.errors).length;
  const body = `<div class="wrap"><div class="card">
    <div class="brand">Capsule</div>
    <h1>Connect ${esc(v.title)}</h1>
    <p class="lead"><b>${esc(v.appName)}</b> asks for your ${esc(v.title)} credentials.${v.reason ? ` ${esc(v.reason)}` : ''}</p>
    ${errorCount ? `<div class="error-box" role="alert">Please fix ${errorCount === 1 ? 'the highlighted field' : `the ${errorCount} highlighted fields`}.</div>` : ''}
    <form method="post" action="${esc(v.action)}" novalidate>
      ${v.required.map((f) => input(f, false)).join('')}
      ${v.optional.map((f) => input(f, true)).join('')}
      <!-- Enter submits with the first submit button: Connect comes first (shown on the right). -->
      <div class="buttons">
        <button class="btn btn-primary" type="submit">Connect</button>
        ${v.denyAction ? `<button class="btn btn-cancel" type="submit" formaction="${esc(v.denyAction)}">Deny</button>` : ''}
      </div>
    </form>
    <p class="muted">Simulated by Capsule Local: values go to the app as the platform would hand them over.</p>
  </div></div>`;
  return page({ title: `Connect ${v.title}`, css: PLATFORM_CSS, body });
}

export interface PipedreamFormView {
  appName: string;
  slug: string;
  title: string;
  reason?: string;
  action: string;
  denyAction?: string;
  /** The base URL and account name to show (prefilled, or entered before a failed validation); never the token. */
  baseUrl: string;
  baseUrlFrom?: 'declaration' | 'catalog';
  account: string;
  errors: Record<string, string>;
}

/**
 * Pipedream Connect, simulated: the developer connects an account by giving the upstream API's
 * credential and base URL. The page says where the calls will go, so nobody mistakes it for the
 * real Pipedream sign-in.
 */
export function renderPipedreamForm(v: PipedreamFormView): string {
  const field = (name: string, label: string, o: { type: string; value: string; hint: string; placeholder?: string; optional?: boolean }): string => {
    const id = `field-${name}`;
    const err = v.errors[name];
    return `<label class="field" for="${esc(id)}">${esc(label)}${o.optional ? ' <span class="muted">(optional)</span>' : ''}</label>
      <input class="field-input" id="${esc(id)}" name="${esc(name)}" type="${o.type}" autocomplete="off" spellcheck="false"
        ${o.placeholder ? `placeholder="${esc(o.placeholder)}"` : ''} value="${esc(o.value)}"${err ? ` aria-invalid="true" aria-describedby="${esc(id)}-error"` : ''}>
      ${err ? `<div class="field-error" id="${esc(id)}-error">${esc(err)}</div>` : ''}
      <div class="hint">${esc(o.hint)}</div>`;
  };
  const from = v.baseUrlFrom === 'declaration' ? 'From the app\'s declaration (api_base_url=).' : v.baseUrlFrom === 'catalog' ? `The ${v.title} API.` : `Where the ${v.slug} API is: relative URLs of session.pipedream("${v.slug}") are appended to it.`;
  const errorCount = Object.keys(v.errors).length;
  const body = `<div class="wrap"><div class="card">
    <div class="brand">Capsule · Pipedream Connect (local)</div>
    <h1>Connect ${esc(v.title)}</h1>
    <p class="lead"><b>${esc(v.appName)}</b> asks you to connect a ${esc(v.title)} account.${v.reason ? ` ${esc(v.reason)}` : ''}</p>
    <p>Capsule Local stands in for Pipedream: the app's <code>session.pipedream("${esc(v.slug)}")</code> calls go straight to the API below with this token as <code>Authorization: Bearer</code>, as Pipedream Connect's proxy would send it.</p>
    ${errorCount ? `<div class="error-box" role="alert">Please fix ${errorCount === 1 ? 'the highlighted field' : `the ${errorCount} highlighted fields`}.</div>` : ''}
    <form method="post" action="${esc(v.action)}" novalidate>
      ${field('access_token', 'Access token', { type: 'password', value: '', hint: "The API's credential (a personal access token, an API key). Stored only in this workspace's local store; never shown again." })}
      ${field('api_base_url', 'API base URL', { type: 'url', value: v.baseUrl, hint: from, placeholder: 'https://api.example.com' })}
      ${field('account_name', 'Account name', { type: 'text', value: v.account, hint: 'How the account is shown locally (for example your user name).', optional: true })}
      <div class="buttons">
        <button class="btn btn-primary" type="submit">Connect</button>
        ${v.denyAction ? `<button class="btn btn-cancel" type="submit" formaction="${esc(v.denyAction)}">Deny</button>` : ''}
      </div>
    </form>
    <p class="muted">Simulated by Capsule Local: no Pipedream project is involved.</p>
  </div></div>`;
  return page({ title: `Connect ${v.title}`, css: PLATFORM_CSS, body });
}

export interface ResultView {
  ok: boolean;
  title: string;
  message: string;
  details?: string[];
  code?: string;
}

export function renderResult(v: ResultView): string {
  const body = `<div class="wrap"><div class="card">
    <div class="brand">Capsule</div>
    <h1>${esc(v.title)}</h1>
    <div class="${v.ok ? 'ok-box' : 'error-box'}" role="${v.ok ? 'status' : 'alert'}">${v.code ? `<b>${esc(v.code)}</b>: ` : ''}${esc(v.message)}</div>
    ${v.details?.length ? `<ul>${v.details.map((d) => `<li><code>${esc(d)}</code></li>`).join('')}</ul>` : ''}
    <p class="muted">You can close this tab and return to the chat.</p>
  </div></div>`;
  return page({ title: v.title, css: PLATFORM_CSS, body });
}
