// The integrations fault panel page (/integrations): pending prompts with Approve/Deny, every
// user's connections with Expire now / Refresh / Fail next refresh / Revoke, the virtual clock,
// and real-provider mode per type. It drives the JSON API in routes/panel.ts.
import { mediaText } from '../../channels/static';
import { page } from './html';
import { PLATFORM_CSS } from './styles';

const CSS = `${PLATFORM_CSS}
.wrap{max-width:1080px}
table{width:100%;border-collapse:collapse;margin:8px 0 20px;font-size:14px}
th,td{text-align:left;padding:8px;border-bottom:1px solid #e3e6ec;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#6b7384}
td .btn{padding:4px 10px;font-size:13px;margin:0 4px 4px 0}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#eef0f4;margin:0 4px 2px 0}
.pill.bad{background:#fdecec;color:#8f1d1d}.pill.good{background:#e8f6ec;color:#1d5b2c}
h2{font-size:17px;margin:24px 0 4px}
.toolbar{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.toolbar input{width:90px;font:inherit;padding:6px}
#msg{min-height:1.5em}
`;

const SCRIPT = `
const $ = (s) => document.querySelector(s);
const esc = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
async function call(method, url, body) {
  const r = await fetch(url, { method, headers: body ? {'content-type': 'application/json'} : {}, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' });
  const out = await r.json().catch(() => ({}));
  $('#msg').textContent = r.ok ? 'Done.' : (out.error || ('HTTP ' + r.status));
  $('#msg').className = r.ok ? 'ok-box' : 'error-box';
  await load();
  return out;
}
function ago(s) { if (s === null || s === undefined) return 'never'; const a = Math.abs(s); const t = a >= 86400 ? Math.round(a/86400)+' d' : a >= 3600 ? Math.round(a/3600)+' h' : a >= 60 ? Math.round(a/60)+' min' : a+' s'; return s >= 0 ? 'in ' + t : t + ' ago'; }
// Loads overlap (the poll and each action's reload); an older answer arriving after a newer one
// on a busy machine is dropped, or it would take rows away and bring them back as new elements.
let loadsStarted = 0, newestShown = 0;
async function load() {
  const mine = ++loadsStarted;
  const r = await fetch('/api/integrations', { credentials: 'same-origin' });
  if (!r.ok) { $('#state').textContent = 'Cannot load: HTTP ' + r.status; return; }
  const s = await r.json();
  if (mine < newestShown) return;
  newestShown = mine;
  $('#now').textContent = new Date(s.now).toISOString().replace('T', ' ').slice(0, 19) + ' UTC (virtual clock)';
  $('#redirect').textContent = s.redirectUri;
  // Rows are updated in place (keyed.js): a button stays the same element while the page polls.
  const rows = (id, items, key, html, empty) => keyed.list($(id), items, key, (x) => keyed.fromHtml(html(x)), empty ? () => keyed.fromHtml(empty) : undefined);
  rows('#prompts', s.prompts, (p) => p.id, (p) => '<tr><td>' + esc(p.app) + '</td><td>' + esc(p.userId) + '</td><td><b>' + esc(p.type) + '</b> <span class="pill">' + esc(p.mode) + '</span></td><td>' + esc(p.reason) + '</td><td>' + p.scopes.map((x) => '<span class="pill">' + esc(x) + '</span>').join('') + p.fields.map((x) => '<span class="pill">' + esc(x) + '</span>').join('') + '</td><td>times out ' + ago(p.expiresInSeconds) + '</td><td>'
    + '<a class="btn" href="' + esc(p.connectUrl) + '" target="_blank" rel="noopener">Open</a>'
    + (p.mode === 'oauth' ? '<button class="btn btn-primary" data-act="approve" data-id="' + esc(p.id) + '">Approve</button>' : '')
    + '<button class="btn" data-act="deny" data-id="' + esc(p.id) + '">Deny</button></td></tr>', '<tr><td colspan="7" class="muted">No pending prompts.</td></tr>');
  const connections = [];
  for (const u of s.users) for (const c of u.integrations) connections.push({ u, c });
  rows('#connections', connections, ({ u, c }) => JSON.stringify([u.id, c.type]), ({ u, c }) => {
    const exp = c.mode !== 'oauth' ? '—' : (c.expiresAt ? '<span class="pill ' + (c.expired ? 'bad' : 'good') + '">' + (c.expired ? 'expired ' : 'expires ') + ago(c.expiresInSeconds) + '</span>' : 'no expiry');
    const path = '/api/integrations/users/' + encodeURIComponent(u.id) + '/' + encodeURIComponent(c.type);
    return ('<tr><td>' + esc(u.name) + '<br><span class="muted">' + esc(u.id) + '</span></td><td><b>' + esc(c.type) + '</b>' + (c.real ? ' <span class="pill">real provider</span>' : '') + '<br><span class="muted">' + esc(c.account || '') + '</span></td><td>'
      + (c.mode === 'oauth' ? c.scopes.map((x) => '<span class="pill">' + esc(x) + '</span>').join('') : c.mode === 'pipedream' ? '<span class="pill">Pipedream</span> <code>' + esc(c.apiBaseUrl || '') + '</code>' : c.fields.map((x) => '<span class="pill">' + esc(x) + ' = ••••</span>').join('')) + '</td><td>' + exp + (c.failNextRefresh ? '<br><span class="pill bad">next refresh fails</span>' : '') + '</td><td>'
      + (c.mode === 'oauth' ? '<button class="btn" data-post="' + esc(path) + '/expire">Expire now</button><button class="btn" data-post="' + esc(path) + '/refresh">Refresh</button>'
        + (c.hasRefreshToken ? '<button class="btn" data-post="' + esc(path) + '/fail-next-refresh" data-body=' + "'" + JSON.stringify({on: !c.failNextRefresh}) + "'" + '>' + (c.failNextRefresh ? 'Undo fail next refresh' : 'Fail next refresh') + '</button>' : '') : '')
      + '<button class="btn" data-post="' + esc(path) + '/revoke">Revoke</button></td></tr>');
  }, '<tr><td colspan="5" class="muted">No connections yet.</td></tr>');
  const sel = $('#as-user');
  const chosen = sel.value;
  // Kept option elements keep the selection; a removed one falls back to the first.
  keyed.list(sel, s.users, (u) => u.id, (u) => keyed.fromHtml('<option value="' + esc(u.id) + '">' + esc(u.name) + (u.email ? ' (' + esc(u.email) + ')' : '') + '</option>'));
  if (chosen && s.users.some((u) => u.id === chosen)) sel.value = chosen;
  const connectLink = (d) => ' <a class="btn" target="_blank" rel="noopener" href="/connect?' + new URLSearchParams({ app: d.app, type: d.type, user: sel.value }).toString() + '">Connect</a>';
  rows('#declared', s.declared, (d) => JSON.stringify([d.app, d.type]), (d) => '<tr><td>' + esc(d.app) + '</td><td><b>' + esc(d.type) + '</b>' + connectLink(d) + '</td><td>' + esc(d.mode) + '</td><td>' + (d.mode === 'oauth' ? (d.real ? '<span class="pill">real provider</span> <button class="btn" data-real="' + esc(d.type) + '" data-on="0">Use simulated</button>' : '<span class="pill good">simulated</span> <button class="btn" data-real="' + esc(d.type) + '" data-on="1">Use real provider</button>') : '—') + '</td></tr>', '<tr><td colspan="4" class="muted">No app declares integrations.</td></tr>');
  rows('#providers', s.providers, (p) => p.title, (p) => '<tr><td><b>' + esc(p.title) + '</b></td><td><code>' + esc(p.endpoints.authorize) + '</code></td><td>' + p.clients.map((c) => esc(c.app) + ' / ' + esc(c.type) + (c.problems.length ? ' <span class="pill bad">' + esc(c.problems.join(' ')) + '</span>' : '') + (c.note ? ' <span class="pill">' + esc(c.note) + '</span>' : '')).join('<br>') + '</td></tr>');
}
document.addEventListener('click', (ev) => {
  const b = ev.target.closest('button'); if (!b) return;
  if (b.dataset.act === 'approve') call('POST', '/api/integrations/prompts/' + encodeURIComponent(b.dataset.id) + '/approve', {});
  else if (b.dataset.act === 'deny') call('POST', '/api/integrations/prompts/' + encodeURIComponent(b.dataset.id) + '/deny');
  else if (b.dataset.post) call('POST', b.dataset.post, b.dataset.body ? JSON.parse(b.dataset.body) : undefined);
  else if (b.dataset.real) b.dataset.on === '1' ? call('PUT', '/api/integrations/real/' + encodeURIComponent(b.dataset.real), {enabled: true}) : call('DELETE', '/api/integrations/real/' + encodeURIComponent(b.dataset.real));
  else if (b.id === 'advance') call('POST', '/api/integrations/clock/advance', {seconds: Number($('#secs').value) * Number($('#unit').value)});
});
// A Connect link connects the persona chosen when it is clicked, not when the table was last drawn
// (a choice made a moment before the click would otherwise race the redraw).
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('#declared a[href^="/connect?"]'); if (!a) return;
  const u = new URL(a.href); u.searchParams.set('user', $('#as-user').value); a.href = u.pathname + u.search;
}, true);
document.addEventListener('change', (ev) => { if (ev.target.id === 'as-user') load(); });
load(); setInterval(load, 3000);
`;

export function renderPanel(): string {
  const body = `<div class="wrap"><div class="card">
  <div class="brand">Capsule Local</div>
  <h1>Integrations</h1>
  <p class="lead">Answer prompts, break connections on purpose and move time forward to see how the app copes.</p>
  <div class="toolbar"><span>Now: <b id="now">…</b></span>
    <input id="secs" type="number" min="1" value="1" aria-label="Amount">
    <select id="unit" aria-label="Unit"><option value="60">minutes</option><option value="3600" selected>hours</option><option value="86400">days</option></select>
    <button class="btn" id="advance">Advance clock</button></div>
  <div id="msg" role="status"></div>
  <h2>Pending prompts</h2>
  <table><thead><tr><th>App</th><th>User</th><th>Type</th><th>Reason</th><th>Scopes / fields</th><th>Timeout</th><th></th></tr></thead><tbody id="prompts"></tbody></table>
  <h2>Connections</h2>
  <table><thead><tr><th>User</th><th>Integration</th><th>Granted</th><th>Token</th><th></th></tr></thead><tbody id="connections"></tbody></table>
  <h2>Declared integrations</h2>
  <p class="toolbar"><label>Connect as <select id="as-user" aria-label="Connect as"></select></label>
  <span class="muted">(for non-blocking cards: show_integration asks for no prompt)</span></p>
  <p class="muted">Real-provider mode sends the browser to the real provider; register <code id="redirect"></code> as a redirect URI of your OAuth app first.</p>
  <table><thead><tr><th>App</th><th>Type</th><th>Mode</th><th>Provider</th></tr></thead><tbody id="declared"></tbody></table>
  <h2>Simulated providers</h2>
  <table><thead><tr><th>Provider</th><th>Authorize endpoint</th><th>Clients</th></tr></thead><tbody id="providers"></tbody></table>
  <p id="state" class="muted"></p>
  </div></div>`;
  return page({ title: 'Integrations – Capsule Local', css: CSS, body, script: mediaText('keyed.js') + SCRIPT });
}
