// The platform's own integration pages (not a provider's): the secret form for secret-form
// integrations (aws, tailscale, custom `fields=[...]`), and the result shown after a connection.
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
