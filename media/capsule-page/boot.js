// The React page's shell script (emulator/pages/react.ts): reads the app's page info, applies its
// theme, reads the page's bundle through the emulator and mounts its default export with
// react-dom/client. A bundle the SDK could not build (esbuild's message), a bundle that fails to
// load or a component that throws while rendering is shown in the page with its message.
import { Component, createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { api, asViewer, config, setPageInfo, state } from './context.js';
import { resolvedTheme } from './theme.js';

const root = document.getElementById('capsule-page-root');
const status = document.getElementById('capsule-page-status');

function problem(title, message) {
  const box = document.createElement('section');
  box.className = 'cp-problem';
  box.setAttribute('role', 'alert');
  const head = document.createElement('h2');
  head.textContent = title;
  const pre = document.createElement('pre');
  pre.textContent = message;
  box.append(head, pre);
  root.replaceChildren(box);
}

function note(text) {
  const p = document.createElement('p');
  p.className = 'cp-unavailable';
  p.setAttribute('role', 'note');
  p.textContent = text;
  status.append(p);
}

function applyTheme() {
  const t = resolvedTheme();
  const s = document.documentElement.style;
  for (const [k, v] of Object.entries(t.color)) s.setProperty(`--cp-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v);
  for (const [k, v] of Object.entries(t.radius)) s.setProperty(`--cp-radius-${k}`, v);
  s.setProperty('--cp-font-sans', t.font.sans);
  s.setProperty('--cp-font-mono', t.font.mono);
  document.documentElement.dataset.mode = t.mode;
}

function nav(info) {
  const links = [];
  const here = config.route;
  const keep = (path) => {
    const as = new URLSearchParams(location.search).get('as');
    return as ? `${path}?as=${encodeURIComponent(as)}` : path;
  };
  const link = (href, text, current) => {
    const a = document.createElement('a');
    a.href = keep(href);
    a.textContent = text;
    if (current) a.setAttribute('aria-current', 'page');
    links.push(a);
  };
  if (info.home) link(info.home.path, 'Home', false);
  for (const p of info.pages || []) if (!p.hidden) link(p.path, p.name, !config.onboarding && p.route === here);
  if (info.chat) link(info.chat.path, `▸ ${info.chat.sidebar_label}`, false);
  for (const w of info.workflows || []) link(w.path, `▶ ${w.name}`, false);
  if (info.onboarding) link(info.onboarding.path, '▸ Onboarding', !!config.onboarding);
  document.getElementById('app-nav').replaceChildren(...links);
  document.getElementById('viewer').textContent = state.viewer ? `viewing as ${state.viewer}` : 'viewing signed out';
}

/** A component that throws while rendering: its error in the page, not a blank page. */
class Boundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }
  static getDerivedStateFromError(error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    const e = this.state.error;
    return h('section', { className: 'cp-problem', role: 'alert' }, h('h2', null, `${config.title} failed while rendering`), h('pre', null, e && e.message ? e.message : String(e)));
  }
}

async function start() {
  let info;
  try {
    const [i, boot] = await Promise.all([api(`/api/pages/${encodeURIComponent(config.app)}`), api('/api/webchat/bootstrap').catch(() => ({ personas: [] }))]);
    info = i;
    setPageInfo(info, boot.personas);
  } catch (e) {
    return problem('This page could not be loaded', e.message);
  }
  applyTheme();
  nav(info);
  if (config.packages && config.packages.length) {
    note(`This page uses npm packages the Capsule platform serves: ${config.packages.join(', ')}. They are not available in Capsule Local (offline); importing ${config.packages.length > 1 ? 'them fails' : 'it fails'} here.`);
  }
  const url = asViewer(config.bundle);
  try {
    const r = await fetch(url, { credentials: 'same-origin' });
    if (!r.ok) {
      const text = await r.text();
      let message = text;
      try {
        const j = JSON.parse(text);
        message = (j && (j.error === 'bundle_failed' ? j.message : j.message || j.error)) || text;
      } catch {
        // plain text
      }
      return problem(r.status === 503 ? `${config.title} could not be bundled` : `${config.title}'s bundle could not be read (${r.status})`, String(message));
    }
  } catch (e) {
    return problem(`${config.title}'s bundle could not be read`, e.message);
  }
  let mod;
  try {
    mod = await import(url);
  } catch (e) {
    return problem(`${config.title} failed to load`, e && e.message ? e.message : String(e));
  }
  const Page = mod.default;
  if (typeof Page !== 'function' && !(Page && typeof Page === 'object' && Page.$$typeof)) {
    return problem(`${config.title} has no component to show`, `${config.component || 'The page module'} has no default export that is a React component (export default function Page() { ... }).`);
  }
  root.replaceChildren();
  createRoot(root).render(h(Boundary, null, h(Page)));
  document.body.dataset.mounted = 'true';
}

start();
