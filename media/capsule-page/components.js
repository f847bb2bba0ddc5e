// The layout and UI components of @capsule/page (the d.ts the SDK generates, typestubs.py), drawn
// with the page's theme (CSS variables that boot.js sets from useTheme(); page.css). Everything
// the app passes is rendered as React text or elements: nothing is parsed as markup.
import { createElement as h, Fragment, useState } from 'react';
import scStyled from '../vendor/styled-components.js';
import { fileUrl } from './nav.js';
import { resolvedTheme } from './theme.js';

const cx = (...names) => names.filter(Boolean).join(' ');
const box = (tag, cls) => ({ children, style, className }) => h(tag, { className: cx(cls, className), style }, children);
const widthStyle = (width, style) => ({ ...(typeof width === 'number' ? { width: `${width}px`, flex: `0 0 ${width}px` } : {}), ...(style || {}) });

export const Layout = {
  Root: box('div', 'cp-layout'),
  Sidebar: ({ width = 240, children, style }) => h('aside', { className: 'cp-pane cp-sidebar', style: widthStyle(width, style) }, children),
  ListPane: ({ width = 320, children, style }) => h('section', { className: 'cp-pane cp-list', style: widthStyle(width, style) }, children),
  Detail: box('section', 'cp-pane cp-detail'),
};
export const Shell = Layout.Root;
export const Pane = {
  Sidebar: Layout.Sidebar,
  List: Layout.ListPane,
  Main: Layout.Detail,
  Inspector: ({ width = 300, children, style }) => h('aside', { className: 'cp-pane cp-inspector', style: widthStyle(width, style) }, children),
};

export function Header({ title, subtitle, action, children }) {
  return h('header', { className: 'cp-header' },
    h('div', { className: 'cp-header-text' }, title !== undefined ? h('h1', { className: 'cp-title' }, title) : null, subtitle !== undefined ? h('p', { className: 'cp-subtitle' }, subtitle) : null),
    action ? h('div', { className: 'cp-header-action' }, action) : null,
    children);
}

export function Badge({ children, tone = 'default', style }) {
  return h('span', { className: cx('cp-badge', `cp-tone-${['success', 'danger', 'accent'].includes(tone) ? tone : 'default'}`), style }, children);
}

export function SectionHeader({ title, subtitle, action, style }) {
  return h('div', { className: 'cp-section-header', style },
    h('div', null, h('h2', { className: 'cp-section-title' }, title), subtitle ? h('p', { className: 'cp-subtitle' }, subtitle) : null),
    action ? h('div', null, action) : null);
}

export function Metric({ label, value, hint, style }) {
  return h('div', { className: 'cp-metric', style },
    h('div', { className: 'cp-metric-label' }, label),
    h('div', { className: 'cp-metric-value' }, value),
    hint ? h('div', { className: 'cp-metric-hint' }, hint) : null);
}

const columnOf = (c) => (typeof c === 'string' ? { key: c, label: c } : c && typeof c === 'object' && typeof c.key === 'string' ? { ...c, label: c.label || c.key } : null);
/** A cell's text: strings and numbers as they are, anything else as JSON. */
function cellText(v, col) {
  if (v === undefined || v === null) return '';
  if (col && col.type === 'boolean') return v ? '✓' : '—';
  if (typeof v === 'string' || typeof v === 'number') return col && col.type === 'currency' && typeof v === 'number' ? v.toLocaleString(undefined, { style: 'currency', currency: 'USD' }) : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v) && col && col.type === 'tags') return v.map(String).join(', ');
  return JSON.stringify(v);
}

export function DataTable({ columns, rows, style }) {
  const list = Array.isArray(rows) ? rows.filter((r) => r && typeof r === 'object') : [];
  let cols = (Array.isArray(columns) ? columns : []).map(columnOf).filter(Boolean);
  if (!cols.length) {
    const keys = new Set();
    for (const r of list.slice(0, 50)) for (const k of Object.keys(r)) if (!k.startsWith('_')) keys.add(k);
    cols = [...keys].slice(0, 30).map((k) => ({ key: k, label: k }));
  }
  return h('div', { className: 'cp-table-wrap', style },
    h('table', { className: 'cp-table' },
      h('thead', null, h('tr', null, cols.map((c) => h('th', { key: c.key }, c.label)))),
      h('tbody', null, list.length
        ? list.map((r, i) => h('tr', { key: typeof r._id === 'string' ? r._id : i }, cols.map((c) => h('td', { key: c.key }, c.type === 'status' && r[c.key] != null ? h(Badge, null, cellText(r[c.key], c)) : cellText(Object.prototype.hasOwnProperty.call(r, c.key) ? r[c.key] : undefined, c)))))
        : h('tr', null, h('td', { colSpan: Math.max(cols.length, 1), className: 'cp-muted' }, 'No rows.')))));
}

export function FieldInspector({ fields, style }) {
  const list = Array.isArray(fields) ? fields : [];
  return h('dl', { className: 'cp-fields', style }, list.map((f, i) => {
    const label = typeof f === 'string' ? f : f && (f.label || f.key || f.name) ? String(f.label || f.key || f.name) : `field ${i + 1}`;
    const value = typeof f === 'string' ? '' : f && 'value' in f ? cellText(f.value, f) : f && f.type ? String(f.type) : '';
    return h(Fragment, { key: i }, h('dt', null, label), h('dd', null, value));
  }));
}

function blockText(m) {
  const p = m.block && m.block.payload;
  if (p && typeof p.text === 'string') return p.text;
  if (p && typeof p.title === 'string') return p.title;
  return m.text || `[${m.block ? m.block.type : 'block'}]`;
}

export function MessageList({ messages, style }) {
  const list = Array.isArray(messages) ? messages : [];
  return h('div', { className: 'cp-messages', style, role: 'log', 'aria-live': 'polite' },
    list.length ? list.map((m, i) => h('div', { key: m.id || i, className: cx('cp-message', `cp-message-${m.role === 'user' ? 'user' : m.role === 'block' ? 'block' : 'assistant'}`) }, m.role === 'block' ? blockText(m) : m.text))
      : h('div', { className: 'cp-muted cp-messages-empty' }, 'No messages yet.'));
}

export function Composer({ value, onChange, onSend, placeholder = 'Type a message…', disabled, style }) {
  const [own, setOwn] = useState('');
  const controlled = typeof value === 'string';
  const text = controlled ? value : own;
  const change = (v) => (controlled ? onChange && onChange(v) : (setOwn(v), onChange && onChange(v)));
  const send = () => {
    if (!text.trim() || disabled) return;
    if (onSend) onSend(text);
    if (!controlled) setOwn('');
  };
  return h('form', { className: 'cp-composer', style, onSubmit: (e) => (e.preventDefault(), send()) },
    h('textarea', { className: 'cp-input', rows: 2, value: text, placeholder, disabled, 'aria-label': placeholder, onChange: (e) => change(e.target.value), onKeyDown: (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); } } }),
    h(Button, { type: 'submit', variant: 'primary', disabled: disabled || !text.trim() }, 'Send'));
}

export function ChatPanel({ messages, onSend, status, statusText, style }) {
  const busy = status === 'sending' || status === 'streaming' || status === 'loading';
  return h('section', { className: 'cp-chat', style },
    h(MessageList, { messages }),
    statusText || busy ? h('div', { className: 'cp-chat-status cp-muted', role: 'status' }, statusText || (status === 'loading' ? 'Loading…' : 'The app is answering…')) : null,
    h(Composer, { onSend, disabled: !onSend || status === 'disabled' || busy }));
}

export function ConversationList({ items, activeId, onSelect, style }) {
  const list = Array.isArray(items) ? items : [];
  return h('ul', { className: 'cp-conversations', style }, list.map((it, i) => {
    const id = String(it.id ?? it.sessionId ?? i);
    const title = it.title ?? it.name ?? it.preview ?? id;
    return h('li', { key: id }, h('button', { type: 'button', className: cx('cp-row', id === activeId && 'cp-active'), onClick: () => onSelect && onSelect(it) }, typeof title === 'string' || typeof title === 'number' ? String(title) : JSON.stringify(title)));
  }));
}

export function NavItem({ icon, active, count, onClick, children, style }) {
  return h('button', { type: 'button', className: cx('cp-nav-item', active && 'cp-active'), onClick, style, 'aria-current': active ? 'page' : undefined },
    icon ? h('span', { className: 'cp-nav-icon' }, icon) : null,
    h('span', { className: 'cp-nav-label' }, children),
    count !== undefined && count !== null ? h('span', { className: 'cp-nav-count' }, String(count)) : null);
}

export function Button({ type = 'button', variant, size = 'md', disabled, onClick, children, style }) {
  return h('button', { type, disabled, onClick, style, className: cx('cp-button', variant && `cp-button-${variant}`, size === 'sm' && 'cp-button-sm') }, children);
}

export const Card = box('div', 'cp-card');

export function Row({ active, onClick, children, style }) {
  return h(onClick ? 'button' : 'div', { type: onClick ? 'button' : undefined, className: cx('cp-row', active && 'cp-active'), onClick, style }, children);
}

export function EmptyState({ icon, title, description, action, style }) {
  return h('div', { className: 'cp-empty', style },
    icon ? h('div', { className: 'cp-empty-icon' }, icon) : null,
    title ? h('div', { className: 'cp-empty-title' }, title) : null,
    description ? h('p', { className: 'cp-muted' }, description) : null,
    action || null);
}

export function Spinner({ size = 16, style }) {
  return h('span', { className: 'cp-spinner', role: 'progressbar', 'aria-label': 'Loading', style: { width: `${size}px`, height: `${size}px`, ...(style || {}) } });
}

export function Tabs({ items, activeKey, onSelect, style }) {
  const list = Array.isArray(items) ? items : [];
  return h('div', { className: 'cp-tabs', role: 'tablist', style }, list.map((t) => h('button', { key: t.key, type: 'button', role: 'tab', 'aria-selected': t.key === activeKey, className: cx('cp-tab', t.key === activeKey && 'cp-active'), onClick: () => onSelect && onSelect(t.key) },
    t.icon ? h('span', { className: 'cp-nav-icon' }, t.icon) : null, t.label, t.count !== undefined && t.count !== null ? h('span', { className: 'cp-nav-count' }, t.count) : null)));
}

export function Avatar({ name, size = 28, style }) {
  const initials = String(name || '?').trim().split(/\s+/).slice(0, 2).map((w) => w[0] || '').join('').toUpperCase() || '?';
  return h('span', { className: 'cp-avatar', title: String(name || ''), style: { width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.4)}px`, ...(style || {}) } }, initials);
}

/** A link to a file mounted into the app (fileUrl); a path fileUrl refuses says why in place. */
export function FileLink({ path, label, children, style }) {
  let href = '';
  let error = '';
  try {
    href = fileUrl(path);
  } catch (e) {
    error = e.message;
  }
  if (error) return h('span', { className: 'cp-unavailable', role: 'note', style }, `${label || children || path}: ${error}`);
  return h('a', { href, style }, children || label || path);
}

/**
 * styled-components of @capsule/page (the d.ts's StyledInterface): our ESM build of the pinned
 * `styled-components` npm package (dist/media/vendor, sharing the page's React). Every styled
 * component gets the page's theme (useTheme()) as `theme`, so an interpolation `(p) =>
 * p.theme.color.primary` reads the app's colours; a `theme` prop the page passes wins.
 */
const STYLED_TAGS = ['div', 'span', 'button', 'a', 'p', 'h1', 'h2', 'h3', 'section', 'article', 'nav', 'header', 'footer', 'main', 'input', 'textarea', 'label', 'img', 'ul', 'li'];
function styledTag(tag) {
  const make = scStyled(tag);
  return (strings, ...exprs) => {
    const Inner = make(strings, ...exprs);
    // React 19: `ref` is a prop, passed on with the others.
    const Themed = (props) => h(Inner, { ...props, theme: props.theme ?? resolvedTheme() });
    Themed.displayName = `styled.${typeof tag === 'string' ? tag : tag.displayName || tag.name || 'Component'}`;
    return Themed;
  };
}
export const styled = (() => {
  const fn = (tag) => styledTag(tag);
  for (const tag of STYLED_TAGS) fn[tag] = styledTag(tag);
  return fn;
})();
