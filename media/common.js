// Helpers shared by the emulator's pages: JSON calls to the emulator, a tiny element builder and
// server-sent events. Plain browser JavaScript, no framework, nothing loaded from outside.
'use strict';

const capsule = (() => {
  async function api(path, options = {}) {
    const init = { credentials: 'same-origin', ...options, headers: { ...(options.headers || {}) } };
    if (init.body !== undefined && typeof init.body !== 'string') {
      init.body = JSON.stringify(init.body);
      init.headers['content-type'] = 'application/json';
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let data;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      data = { text };
    }
    if (!res.ok) {
      const err = new Error((data && data.error) || `${res.status} ${res.statusText}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  /** el('div', {class: 'x', onclick: fn}, 'text', child) — children are text or nodes. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  /** Opens an EventSource; `handlers` maps event names to functions of the parsed data. */
  function stream(url, handlers) {
    const es = new EventSource(url);
    for (const [name, fn] of Object.entries(handlers)) {
      if (name === 'error' || name === 'open') continue;
      es.addEventListener(name, (ev) => fn(JSON.parse(ev.data), ev));
    }
    if (handlers.open) es.addEventListener('open', handlers.open);
    if (handlers.error) es.addEventListener('error', handlers.error);
    return es;
  }

  function time(iso) {
    const d = typeof iso === 'number' ? new Date(iso * 1000) : new Date(iso);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function banner(message) {
    let b = document.querySelector('.error-banner');
    if (!message) {
      if (b) b.remove();
      return;
    }
    if (!b) {
      b = el('div', { class: 'error-banner', role: 'alert' });
      document.body.prepend(b);
    }
    b.textContent = message;
  }

  return { api, el, stream, time, banner };
})();
