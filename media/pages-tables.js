// ui.TableBrowser and ui.TableGroup of an app's cpsl.ui page, drawn for media/pages.js (which passes
// its helpers in): the browser's items as a tree on the left (a TableGroup is a folder of tables
// and groups, open or closed), the chosen table on the right, drawn as the page draws any
// ui.Table over a collection (its rows page by page, sorted by a header click when sortable). A
// table is drawn the first time it is chosen and kept; the first one is chosen at the start. The
// SDK lets only collection-backed tables in (ui.py `_validate_table_browser_item`); anything else
// in the list says so in place. Everything from the app is text (textContent).
'use strict';

window.capsuleTables = (() => {
  const tableName = (node, h) => h.text(h.get(node, 'label') || h.get(node, 'collection') || h.get(node, 'collection_ref') || 'table', 200);

  function tableBrowser(node, h, depth) {
    const { el, get, text, note, isObject, limits } = h;
    const tree = el('nav', { class: 'ui-table-tree', 'aria-label': text(get(node, 'title'), 200) || 'Tables' });
    const pane = el('div', { class: 'ui-table-pane' });
    const drawn = new Map();
    let first = null;
    let current = null;
    let count = 0;

    function choose(item, button) {
      if (current) current.button.removeAttribute('aria-current');
      button.setAttribute('aria-current', 'true');
      if (!drawn.has(item)) drawn.set(item, el('div', { class: 'ui-table-slot' }, h.render(item, depth + 1)));
      for (const slot of drawn.values()) slot.hidden = true;
      const slot = drawn.get(item);
      slot.hidden = false;
      if (!slot.isConnected) pane.append(slot);
      current = { item, button };
    }

    function list(items, level) {
      const ul = el('ul', {});
      for (const item of (Array.isArray(items) ? items : []).slice(0, limits.widgets)) {
        if (level + depth > limits.depth) {
          ul.append(el('li', {}, note(`Groups nested deeper than ${limits.depth} levels are not shown.`)));
          break;
        }
        if (!isObject(item)) {
          ul.append(el('li', {}, note('An item that is not a JSON object is not shown.')));
          continue;
        }
        const type = get(item, 'type');
        if (type === 'table_group') {
          const details = el('details', { open: true }, el('summary', {}, text(get(item, 'label'), 200)), list(get(item, 'items'), level + 1));
          ul.append(el('li', { class: 'group' }, details));
        } else if (type === 'table' && (typeof get(item, 'collection') === 'string' || typeof get(item, 'collection_ref') === 'string')) {
          count += 1;
          const button = el('button', { type: 'button', class: 'link' }, tableName(item, h));
          button.addEventListener('click', () => choose(item, button));
          if (!first) first = { item, button };
          ul.append(el('li', { class: 'table' }, button));
        } else {
          ul.append(el('li', {}, note(`${type === 'table' ? 'A ui.Table without a collection' : h.widgetName(type)} is not shown: a ui.TableBrowser lists collection-backed tables only.`)));
        }
      }
      return ul;
    }

    tree.append(list(get(node, 'items'), 0));
    const title = get(node, 'title') ? el('h3', {}, text(get(node, 'title'), 200)) : null;
    const box = el('section', { class: 'ui-table-browser card bordered' }, title, el('div', { class: 'ui-table-browser-body' }, tree, pane));
    if (first) choose(first.item, first.button);
    else pane.append(el('div', { class: 'ui-empty' }, 'No tables.'));
    box.dataset.tables = String(count);
    return box;
  }

  /** A TableGroup met outside a TableBrowser: its tables drawn one under the other, under its label. */
  function tableGroup(node, h, depth) {
    const { el, get, text } = h;
    const items = (Array.isArray(get(node, 'items')) ? get(node, 'items') : []).map((c) => h.render(c, depth + 1));
    return el('section', { class: 'ui-table-group' }, el('h3', {}, text(get(node, 'label'), 200)), ...items);
  }

  return Object.freeze({ tableBrowser, tableGroup });
})();
