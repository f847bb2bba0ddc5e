// The simulated provider's consent screen and error page, in the provider's style. One renderer
// with per-provider wording, so every family has the same parts: which app asks, the account
// picker (with "add account"), each requested scope explained with a checkbox, Allow and Deny.
import { avatar, esc, page, SIMULATED_NOTE } from './html';
import { providerCss } from './styles';
import type { ProviderProfile } from '../providers';
import type { ProviderUser } from '../auth-server/model';

export interface ConsentView {
  provider: ProviderProfile;
  appName: string;
  integrationTitle: string;
  consentId: string;
  postUrl: string;
  addAccountUrl: string;
  accounts: ProviderUser[];
  selectedAccount?: string;
  scopes: Array<{ scope: string; description?: string }>;
  /** Set when the app's client is the emulator's generated stand-in (its secrets are undefined). */
  clientNote?: string;
  error?: string;
}

interface Wording {
  heading: (app: string) => string;
  accountsTitle: string;
  scopesTitle: (app: string) => string;
  allow: string;
  deny: string;
  addAccount: string;
}

const WORDING: Record<ProviderProfile['style'], Wording> = {
  github: {
    heading: (app) => `Authorize ${app}`,
    accountsTitle: 'Signed in as',
    scopesTitle: (app) => `${app} wants to access your account`,
    allow: 'Authorize',
    deny: 'Cancel',
    addAccount: 'Use a different account',
  },
  google: {
    heading: (app) => `${app} wants access to your Google Account`,
    accountsTitle: 'Choose an account',
    scopesTitle: (app) => `Select what ${app} can access`,
    allow: 'Continue',
    deny: 'Cancel',
    addAccount: 'Use another account',
  },
  microsoft: {
    heading: () => 'Permissions requested',
    accountsTitle: 'Pick an account',
    scopesTitle: () => 'This app would like to:',
    allow: 'Accept',
    deny: 'Cancel',
    addAccount: 'Use another account',
  },
  linear: {
    heading: (app) => `${app} is requesting access to your Linear account`,
    accountsTitle: 'Workspace account',
    scopesTitle: () => 'Permissions',
    allow: 'Authorize',
    deny: 'Cancel',
    addAccount: 'Log in with another account',
  },
  generic: {
    heading: (app) => `${app} wants to connect`,
    accountsTitle: 'Account',
    scopesTitle: () => 'Requested permissions',
    allow: 'Allow',
    deny: 'Deny',
    addAccount: 'Add account',
  },
};

function wordmark(provider: ProviderProfile): string {
  return esc(provider.style === 'generic' ? `${provider.title} (custom OAuth provider)` : provider.title);
}

export function renderConsent(v: ConsentView): string {
  const w = WORDING[v.provider.style];
  const selected = v.selectedAccount ?? v.accounts[0]?.id;
  const accounts = v.accounts
    .map(
      (a) => `<li><label>
        <input type="radio" name="account" value="${esc(a.id)}"${a.id === selected ? ' checked' : ''} required>
        ${avatar(a.name, a.id)}
        <span><span class="acct-name">${esc(a.name)}</span><br><span class="acct-email">${esc(a.email)}</span></span>
      </label></li>`,
    )
    .join('');
  const scopes = v.scopes.length
    ? `<ul class="scopes">${v.scopes
        .map(
          (s, i) => `<li><input type="checkbox" id="scope-${i}" name="granted" value="${esc(s.scope)}" checked>
          <label for="scope-${i}"><span class="scope-desc">${esc(s.description ?? 'Requested by the app (custom scope)')}</span><br>
          <span class="scope-name">${esc(s.scope)}</span></label></li>`,
        )
        .join('')}</ul>`
    : `<p class="acct-email">No permissions beyond your basic identity.</p>`;
  const error = v.error ? `<div class="error-box" role="alert">${esc(v.error)}</div>` : '';
  const appChip = `<b>${esc(v.appName)}</b>`;
  const addAccount = `<details class="add"><summary>+ ${esc(w.addAccount)}</summary>
    <form method="post" action="${esc(v.addAccountUrl)}">
      <input type="hidden" name="consent_id" value="${esc(v.consentId)}">
      <input name="name" placeholder="Name" aria-label="Name" required maxlength="80">
      <input name="email" type="email" placeholder="Email" aria-label="Email" required maxlength="120">
      <button class="btn" type="submit">Add account</button>
    </form></details>`;

  const form = `<form method="post" action="${esc(v.postUrl)}" id="consent">
    <input type="hidden" name="consent_id" value="${esc(v.consentId)}">
    <h2>${esc(w.accountsTitle)}</h2>
    <ul class="accounts">${accounts}</ul>
    <h2>${esc(w.scopesTitle(v.appName))}</h2>
    ${scopes}
    ${error}
    <!-- Enter submits a form with its first submit button: the positive one comes first in the
         document (the stylesheet still shows Cancel on its left). -->
    <div class="buttons">
      <button class="btn btn-primary" type="submit" name="decision" value="allow">${esc(w.allow)}</button>
      <button class="btn btn-cancel" type="submit" name="decision" value="deny" formnovalidate>${esc(w.deny)}</button>
    </div>
  </form>`;

  const foot = `<p class="foot">${appChip} asks for ${esc(v.integrationTitle)} through ${esc(v.provider.title)}. ${esc(SIMULATED_NOTE)}</p>${v.clientNote ? `<p class="foot" id="client-note">${esc(v.clientNote)}</p>` : ''}`;
  let body: string;
  if (v.provider.style === 'github') {
    body = `<div class="wrap">
      <div class="wordmark">${wordmark(v.provider)}</div>
      <div class="pair"><span class="logo">${esc(v.appName.charAt(0).toUpperCase())}</span><span class="dots">• • •</span><span class="logo">GH</span></div>
      <h1>${esc(w.heading(v.appName))}</h1>
      <div class="box">${form}</div>
      <div class="box">${addAccount}</div>
      ${foot}</div>`;
  } else {
    body = `<div class="wrap"><div class="card">
      <div class="wordmark">${v.provider.style === 'google' ? `<b>Sign in with ${wordmark(v.provider)}</b>` : wordmark(v.provider)}</div>
      <h1>${esc(w.heading(v.appName))}</h1>
      ${v.provider.style === 'linear' && v.integrationTitle !== v.provider.title ? `<p class="sub">${esc(v.integrationTitle)}</p>` : ''}
      ${v.provider.style === 'microsoft' ? `<p class="ident">${appChip} <span class="acct-email">unverified</span></p>` : ''}
      ${form}
      ${addAccount}
      ${foot}</div></div>`;
  }
  return page({ title: `${w.heading(v.appName)} – ${v.provider.title}`, css: providerCss(v.provider.style), body, bodyClass: `provider-${v.provider.style}` });
}

export interface ProviderErrorView {
  provider: ProviderProfile;
  /** The OAuth error code, shown as the provider shows it (e.g. "Error 400: invalid_scope"). */
  code: string;
  title: string;
  description: string;
  details?: string[];
  /** Where "Back to the app" leads (the client's redirect URI with the error), if it is safe. */
  backUrl?: string;
}

export function renderProviderError(v: ProviderErrorView): string {
  const details = v.details?.length ? `<ul>${v.details.map((d) => `<li><code>${esc(d)}</code></li>`).join('')}</ul>` : '';
  const back = v.backUrl ? `<div class="buttons"><a class="btn btn-primary" href="${esc(v.backUrl)}" style="text-decoration:none">Back to the app</a></div>` : '';
  const inner = `<div class="wordmark">${wordmark(v.provider)}</div>
    <h1>${esc(v.title)}</h1>
    <div class="error-box" role="alert"><span class="code">Error: ${esc(v.code)}</span><br>${esc(v.description)}</div>
    ${details}${back}
    <p class="foot">${esc(SIMULATED_NOTE)}</p>`;
  const body = v.provider.style === 'github' ? `<div class="wrap"><div class="box">${inner}</div></div>` : `<div class="wrap"><div class="card">${inner}</div></div>`;
  return page({ title: `${v.title} – ${v.provider.title}`, css: providerCss(v.provider.style), body, bodyClass: `provider-${v.provider.style}` });
}
