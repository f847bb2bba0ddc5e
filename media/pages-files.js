// The file widgets of an app's cpsl.ui page, drawn for media/pages.js (which passes its helpers in).
//
// ui.FileBrowser: a file manager over one of the app's managed filesystems (its mount, kept in the
// store's .capsule/filesystems/<name>), through the emulator's /api/pages/<app>/files routes
// (emulator/pages/files.ts): the folder's entries, a preview of an image or a text file, a
// download, and (as its allow_* flags let it) upload, new folder, rename and delete. The server
// checks the same flags; a button the flags take away is not drawn. A delete asks once more in
// place (no dialog).
//
// ui.FileInput and ui.ImageInput on a workflow's screen: a file chooser (ImageInput's with a
// preview of what was chosen). The SDK does not say what a workflow's input holds for a file
// field, so a chosen file is not sent: starting with one says so (see fileField).
// Everything from the app and the folder is text (textContent), lookups are own properties only.
'use strict';

window.capsuleFiles = (() => {
  const TEXT_PREVIEW_CHARS = 100_000;

  function size(n) {
    if (typeof n !== 'number') return '';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  }

  function fileBrowser(node, h) {
    const { el, get, text, note, api, appName } = h;
    const mount = typeof get(node, 'mount') === 'string' ? get(node, 'mount') : '';
    const start = typeof get(node, 'path') === 'string' && get(node, 'path').startsWith('/') ? get(node, 'path') : '/';
    const scope = get(node, 'scope');
    const allow = {
      upload: get(node, 'allow_upload') !== false,
      delete: get(node, 'allow_delete') !== false,
      rename: get(node, 'allow_rename') !== false,
      mkdir: get(node, 'allow_mkdir') !== false,
    };
    const title = text(get(node, 'title'), 200) || mount;
    const box = el('section', { class: `ui-file-browser card bordered${get(node, 'fill') === true ? ' fill' : ''}`, 'data-mount': mount });
    if (!mount.startsWith('/')) {
      box.append(note('ui.FileBrowser has no mount= (an absolute app path such as "/data").'));
      return box;
    }
    const base = `/api/pages/${encodeURIComponent(appName)}/files`;
    const q = (extra) => new URLSearchParams({ mount, ...extra }).toString();
    let path = start;
    const crumbs = el('nav', { class: 'ui-file-crumbs', 'aria-label': 'Folder' });
    const status = el('div', { class: 'ui-result', role: 'status' });
    const list = el('tbody');
    const table = el('table', { class: 'ui-file-list' }, el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Size'), el('th', {}, 'Modified'), el('th', {}, ''))), list);
    const preview = el('div', { class: 'ui-file-preview', hidden: true });
    const tools = el('div', { class: 'ui-file-tools' });
    const join = (dir, name) => `${dir.replace(/\/+$/, '')}/${name}`;
    const shown = (p) => (mount === '/' ? '' : mount) + (p === '/' ? '/' : p);
    const say = (message, bad) => {
      status.className = `ui-result${bad ? ' bad' : ''}`;
      status.textContent = message;
    };
    const post = (what, body) => api(`${base}/${what}`, { method: 'POST', body: { mount, ...body } });

    function drawCrumbs(atRoot) {
      const parts = path.split('/').filter(Boolean);
      const rootParts = start.split('/').filter(Boolean);
      const items = [];
      for (let i = rootParts.length; i <= parts.length; i++) {
        const to = `/${parts.slice(0, i).join('/')}`;
        const label = i === rootParts.length ? (mount === '/' && !rootParts.length ? '/' : `${mount === '/' ? '' : mount}${rootParts.length ? `/${rootParts.join('/')}` : ''}`) : parts[i - 1];
        if (items.length) items.push(el('span', { class: 'sep' }, '/'));
        items.push(i === parts.length ? el('strong', {}, label) : el('button', { type: 'button', class: 'link', onclick: () => go(to) }, label));
      }
      crumbs.replaceChildren(...items);
      up.disabled = atRoot;
    }

    const up = el('button', { type: 'button', onclick: () => go(`/${path.split('/').filter(Boolean).slice(0, -1).join('/')}`) }, 'Up');
    const refresh = el('button', { type: 'button', onclick: () => load() }, 'Refresh');
    tools.append(up, refresh);

    if (allow.mkdir) {
      const name = el('input', { type: 'text', placeholder: 'New folder name', 'aria-label': 'New folder name' });
      const make = async () => {
        if (!name.value) return say('Type the new folder\'s name first.', true);
        try {
          await post('mkdir', { path: join(path, name.value) });
          say(`Made the folder ${name.value}.`);
          name.value = '';
          load(true);
        } catch (e) {
          say(`Not made: ${e.message}`, true);
        }
      };
      name.addEventListener('keydown', (ev) => ev.key === 'Enter' && make());
      tools.append(el('span', { class: 'ui-file-mkdir' }, name, el('button', { type: 'button', onclick: make }, 'New folder')));
    }
    if (allow.upload) {
      const input = el('input', { type: 'file', multiple: true, 'aria-label': 'Upload files' });
      input.addEventListener('change', async () => {
        const files = [...input.files];
        input.value = '';
        const done = [];
        for (const f of files) {
          say(`Uploading ${f.name}…`);
          try {
            const res = await fetch(`${base}/upload?${q({ path, name: f.name })}`, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream' }, body: f });
            const answer = await res.json().catch(() => ({}));
            if (!res.ok) throw new Error(answer.error || `${res.status} ${res.statusText}`);
            done.push(f.name);
          } catch (e) {
            say(`${f.name} was not uploaded: ${e.message}`, true);
            load(true);
            return;
          }
        }
        say(`Uploaded ${done.join(', ')}.`);
        load(true);
      });
      tools.append(el('label', { class: 'ui-file-upload button' }, 'Upload…', input));
    }

    async function showPreview(entry) {
      const url = `${base}/content?${q({ path: join(path, entry.name), inline: '1' })}`;
      const close = el('button', { type: 'button', onclick: () => (preview.hidden = true) }, 'Close');
      const head = el('div', { class: 'ui-file-preview-head' }, el('strong', {}, entry.name), close);
      preview.hidden = false;
      if (entry.preview === 'image') return void preview.replaceChildren(head, el('img', { src: url, alt: entry.name }));
      preview.replaceChildren(head, el('span', { class: 'muted' }, 'loading…'));
      try {
        const res = await fetch(url, { credentials: 'same-origin' });
        if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error || `${res.status}`);
        const body = await res.text();
        const cut = body.length > TEXT_PREVIEW_CHARS;
        preview.replaceChildren(...[head, el('pre', {}, cut ? body.slice(0, TEXT_PREVIEW_CHARS) : body), cut ? note(`The first ${TEXT_PREVIEW_CHARS} characters are shown; download the file for the rest.`) : null].filter(Boolean));
      } catch (e) {
        preview.replaceChildren(head, el('p', { class: 'ui-result bad' }, `Could not show it: ${e.message}`));
      }
    }

    function row(entry) {
      const full = join(path, entry.name);
      const nameCell = el('td', { class: `name kind-${entry.kind}` });
      const label = entry.kind === 'dir'
        ? el('button', { type: 'button', class: 'link', onclick: () => go(full) }, `${entry.name}/`)
        : entry.kind === 'file' && entry.preview !== 'none'
          ? el('button', { type: 'button', class: 'link', onclick: () => showPreview(entry) }, entry.name)
          : el('span', {}, entry.name);
      nameCell.append(...[label, entry.kind === 'link' ? el('span', { class: 'pill', title: 'The file browser does not follow links' }, 'link') : null].filter(Boolean));
      const actions = el('div', { class: 'ui-file-actions' });
      if (entry.kind === 'file') actions.append(el('a', { href: `${base}/content?${q({ path: full })}`, download: entry.name }, 'Download'));
      if (allow.rename) {
        actions.append(el('button', { type: 'button', onclick: () => {
          const input = el('input', { type: 'text', value: entry.name, 'aria-label': `New name for ${entry.name}` });
          const save = async () => {
            if (!input.value || input.value === entry.name) return load();
            try {
              await post('rename', { path: full, to: input.value });
              say(`Renamed ${entry.name} to ${input.value}.`);
              load(true);
            } catch (e) {
              say(`Not renamed: ${e.message}`, true);
            }
          };
          input.addEventListener('keydown', (ev) => (ev.key === 'Enter' ? save() : ev.key === 'Escape' ? load() : undefined));
          nameCell.replaceChildren(input, el('button', { type: 'button', onclick: save }, 'Save'), el('button', { type: 'button', onclick: () => load() }, 'Cancel'));
          input.focus();
        } }, 'Rename'));
      }
      if (allow.delete) {
        const del = el('button', { type: 'button', class: 'danger' }, 'Delete');
        let armed = false;
        del.addEventListener('click', async () => {
          if (!armed) {
            armed = true;
            del.textContent = entry.kind === 'dir' ? 'Delete the folder and all in it?' : 'Really delete?';
            return;
          }
          try {
            await post('delete', { path: full });
            say(`Deleted ${entry.name}.`);
            load(true);
          } catch (e) {
            say(`Not deleted: ${e.message}`, true);
          }
        });
        actions.append(del);
      }
      return el('tr', { 'data-name': entry.name, 'data-kind': entry.kind }, nameCell, el('td', {}, size(entry.size)), el('td', {}, entry.modified ? new Date(entry.modified).toLocaleString() : ''), el('td', { class: 'actions' }, actions));
    }

    let generation = 0;
    async function load(keepStatus) {
      const mine = ++generation;
      if (!keepStatus) say('');
      try {
        const r = await api(`${base}?${q({ path })}`);
        if (mine !== generation) return;
        drawCrumbs(r.at_root === true);
        const entries = Array.isArray(r.entries) ? r.entries : [];
        list.replaceChildren(...(entries.length ? entries.map(row) : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'This folder is empty.'))]));
        if (r.truncated) list.append(el('tr', {}, el('td', { colspan: 4 }, note(`${r.total - entries.length} more entries are not listed (the first ${entries.length} are).`))));
      } catch (e) {
        if (mine !== generation) return;
        drawCrumbs(true);
        list.replaceChildren();
        say(`The folder ${shown(path)} could not be read: ${e.message}`, true);
      }
    }
    function go(to) {
      path = to || '/';
      preview.hidden = true;
      load();
    }

    const scopeNote = scope === 'user' || scope === 'owner'
      ? note(`scope="${scope}": the SDK does not say how the platform divides a mount by ${scope}, so Capsule Local shows the whole mount to every viewer.`)
      : null;
    box.append(...[el('h3', {}, title), scopeNote, tools, crumbs, status, el('div', { class: 'ui-table' }, table), preview].filter(Boolean));
    load();
    return box;
  }

  /**
   * A workflow form's ui.FileInput or ui.ImageInput: a file chooser (accept=, multiple=, required=),
   * ImageInput's with a preview. What a workflow's input holds for a file field on Capsule is not
   * in the SDK: WorkflowInput's docstring says file uploads arrive as FileUpload instances, but
   * its runner hands @wf.start() the JSON payload the web app sent, unchanged, and a FileUpload is
   * not JSON. So a chosen file is not sent: `refuse()` says so and the start does not happen; an
   * empty optional field is left out of the input.
   */
  function fileField(node, h) {
    const { el, get, text } = h;
    const type = get(node, 'type');
    const name = text(get(node, 'name'), 200);
    const required = get(node, 'required') === true;
    const label = text(get(node, 'label') || name, 200);
    const image = type === 'image_input';
    const accept = image ? 'image/*' : (Array.isArray(get(node, 'accept')) ? get(node, 'accept').filter((a) => typeof a === 'string').map((a) => text(a, 100)).join(',') : '');
    const input = el('input', { type: 'file', name, accept: accept || null, multiple: get(node, 'multiple') === true, required });
    const chosen = el('div', { class: 'ui-file-chosen' });
    const urls = [];
    input.addEventListener('change', () => {
      for (const u of urls.splice(0)) URL.revokeObjectURL(u);
      const files = [...input.files];
      chosen.replaceChildren(...files.slice(0, 20).map((f) => {
        if (image && f.type.startsWith('image/')) {
          const u = URL.createObjectURL(f);
          urls.push(u);
          return el('figure', { class: 'ui-image' }, el('img', { src: u, alt: f.name }), el('figcaption', {}, `${f.name} (${size(f.size)})`));
        }
        return el('div', {}, `${f.name} (${size(f.size)})`);
      }));
    });
    const widget = image ? 'ui.ImageInput' : 'ui.FileInput';
    h.addField({
      name,
      label,
      required,
      // Nothing chosen: the field is left out of the input. Chosen: refuse() stops the start.
      read: () => (input.files.length ? [...input.files].map((f) => f.name) : undefined),
      refuse: () => (input.files.length
        ? `${label}: Capsule Local does not send files to a workflow. What a workflow's input holds for a ${widget} on Capsule is not in the SDK (WorkflowInput's docstring says FileUpload instances; its runner passes the JSON payload to the handler unchanged, and a FileUpload is not JSON). Clear the file to start without it; session.prompt_file() takes files here.`
        : ''),
    });
    const caption = el('span', { class: 'label' }, `${label}${required ? ' *' : ''}`);
    return el('label', { class: `ui-setting ui-field ui-${type}` }, caption, input, chosen);
  }

  return Object.freeze({ fileBrowser, fileField });
})();
