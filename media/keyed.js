// Updating a page's lists in place. A poll that rebuilt a list from scratch would detach every
// row, so a button the person is about to click would vanish under the pointer and come back as
// a new element (and a click landing in between would be lost). Here each row carries a key; on
// each refresh a row whose key is still there keeps its element and only what changed in it is
// patched (text, attributes), new rows are inserted where they belong and gone ones removed.
// Also inlined into the integrations panel, whose page is self-contained.
'use strict';

const keyed = (() => {
  /** Makes `target` look like `fresh`, keeping every node of `target` whose tag still matches. */
  function morph(target, fresh) {
    if (target.nodeType !== fresh.nodeType || target.nodeName !== fresh.nodeName) {
      target.replaceWith(fresh);
      return fresh;
    }
    if (target.nodeType !== Node.ELEMENT_NODE) {
      if (target.nodeValue !== fresh.nodeValue) target.nodeValue = fresh.nodeValue;
      return target;
    }
    for (const a of [...target.attributes]) if (!fresh.hasAttribute(a.name)) target.removeAttribute(a.name);
    for (const a of fresh.attributes) if (target.getAttribute(a.name) !== a.value) target.setAttribute(a.name, a.value);
    const kept = [...target.childNodes];
    const wanted = [...fresh.childNodes];
    wanted.forEach((node, i) => (i < kept.length ? morph(kept[i], node) : target.append(node)));
    for (const extra of kept.slice(wanted.length)) extra.remove();
    return target;
  }

  /**
   * Updates `container`'s children to one element per item, in order: `key(item)` identifies a
   * row across refreshes, `render(item)` builds it afresh (then merged into the kept element).
   * `empty()` builds the placeholder shown when there are no items.
   */
  function list(container, items, key, render, empty) {
    const rows = items.map((item) => [String(key(item)), () => render(item)]);
    if (!rows.length && empty) rows.push(['\u0000empty', empty]);
    const old = new Map();
    for (const child of [...container.children]) {
      if (child.dataset.key !== undefined && !old.has(child.dataset.key)) old.set(child.dataset.key, child);
      else child.remove();
    }
    let previous = null;
    for (const [k, build] of rows) {
      const fresh = build();
      fresh.dataset.key = k;
      const existing = old.get(k);
      old.delete(k);
      const node = existing ? morph(existing, fresh) : fresh;
      const slot = previous ? previous.nextSibling : container.firstChild;
      if (node !== slot) container.insertBefore(node, slot);
      previous = node;
    }
    for (const gone of old.values()) gone.remove();
  }

  /** An element from HTML text (one root element; table rows are fine). */
  function fromHtml(html) {
    const t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  return { morph, list, fromHtml };
})();
