// A workflow's screen (`@wf.ui()`) for media/pages.js: its form's named fields, its submit buttons
// (Start runs `@wf.start()` with the form's values as the workflow's input, `WorkflowInput`; any
// other button runs that `@wf.action` in the started session) and its RunStatus lines, drawn as
// the platform's launcher draws them. Everything from the app is text (textContent through
// capsule.el) and lookups are own properties only, as in pages.js, whose helpers this draws with.
'use strict';

window.capsuleForms = (() => {
  /** The controls of one form: `helpers.form` holds its fields, session, status lines and hooks. */
  function create({ el, get, text, api, appName, resultLine, user, form }) {
    /** A named field of the form: its control, and how its value is read into the payload. */
    function formField(node) {
      const type = get(node, 'type');
      const name = text(get(node, 'name'), 200);
      const required = get(node, 'required') === true;
      const label = text(get(node, 'label') || name, 200);
      const placeholder = text(get(node, 'placeholder'), 200);
      let control;
      let read;
      if (type === 'checkbox_group') {
        const options = (Array.isArray(get(node, 'options')) ? get(node, 'options') : []).slice(0, 200).map((o) => text(o, 200));
        const chosen = new Set(Array.isArray(get(node, 'default')) ? get(node, 'default').map((o) => text(o, 200)) : []);
        const boxes = options.map((o) => el('input', { type: 'checkbox', value: o, checked: chosen.has(o) }));
        control = el('div', { class: 'ui-checks' }, boxes.map((b, i) => el('label', {}, b, ` ${options[i]}`)));
        read = () => boxes.filter((b) => b.checked).map((b) => b.value);
      } else if (type === 'select') {
        const options = (Array.isArray(get(node, 'options')) ? get(node, 'options') : []).slice(0, 200).map((o) => text(o, 200));
        control = el('select', { name }, options.map((o) => el('option', { value: o }, o)));
        if (typeof get(node, 'default') === 'string' && options.includes(get(node, 'default'))) control.value = get(node, 'default');
        read = () => control.value;
      } else if (type === 'text_area' || type === 'url_list_input' || (type === 'text_input' && get(node, 'multiline'))) {
        control = el('textarea', { name, rows: Number.isInteger(get(node, 'rows')) ? Math.min(get(node, 'rows'), 40) : 4, placeholder: type === 'url_list_input' && !placeholder ? 'one URL per line' : placeholder });
        read = type === 'url_list_input' ? () => control.value.split('\n').map((u) => u.trim()).filter(Boolean) : () => control.value;
      } else if (type === 'number_input') {
        control = el('input', { type: 'number', name });
        for (const k of ['min', 'max', 'step']) if (typeof get(node, k) === 'number') control.setAttribute(k, String(get(node, k)));
        read = () => (control.value === '' ? null : Number(control.value));
      } else {
        control = el('input', { type: type === 'url_input' ? 'url' : 'text', name, placeholder });
        read = () => control.value;
      }
      if (required && control.tagName !== 'DIV') control.required = true;
      form.fields.push({ name, label, required, read });
      const caption = el('span', { class: 'label' }, `${label}${required ? ' *' : ''}`);
      // A group of checkboxes has a label each: the group is named, not wrapped in one more label.
      if (type === 'checkbox_group') return el('div', { class: `ui-setting ui-field ui-${type}`, role: 'group', 'aria-label': label }, caption, control);
      return el('label', { class: `ui-setting ui-field ui-${type}` }, caption, control);
    }

    /** The form's values, as the platform's launcher sends them: the workflow's input (`WorkflowInput`). */
    function formPayload() {
      const payload = {};
      const missing = [];
      for (const f of form.fields) {
        const v = f.read();
        if (f.required && (v === '' || v === null || v === undefined || (Array.isArray(v) && !v.length))) missing.push(f.label);
        // A field with nothing to send (an empty file input) is left out of the input.
        if (v === undefined) continue;
        Object.defineProperty(payload, f.name, { value: v, enumerable: true, writable: true, configurable: true });
      }
      return { payload, missing };
    }

    function submitButton(node) {
      const action = typeof get(node, 'action') === 'string' && get(node, 'action') ? get(node, 'action') : 'start';
      const out = resultLine();
      const b = el('button', { type: 'button', class: get(node, 'primary') ? 'primary' : null }, text(get(node, 'label'), 200) || (action === 'start' ? 'Start' : action));
      b.addEventListener('click', async () => {
        if (action !== 'start' && !form.session) {
          out.className = 'ui-result bad';
          out.textContent = 'Start the workflow first: this button runs its action in the started session.';
          return;
        }
        const { payload, missing } = formPayload();
        if (missing.length) {
          out.className = 'ui-result bad';
          out.textContent = `Fill in ${missing.join(', ')} first.`;
          return;
        }
        // A field whose value Capsule Local cannot send (a chosen file: media/pages-files.js) stops the start, said.
        const refused = form.fields.map((f) => (f.refuse ? f.refuse() : '')).filter(Boolean);
        if (refused.length) {
          out.className = 'ui-result bad';
          out.textContent = refused.join('\n');
          return;
        }
        b.disabled = true;
        out.className = 'ui-result';
        out.textContent = 'running…';
        try {
          const r = action === 'start'
            ? await api('/api/workflows/start', { method: 'POST', body: { app: appName, name: form.workflow, payload, ...user() } })
            : await api('/api/actions/run', { method: 'POST', body: { app: appName, name: action, payload, session_id: form.session, ...user() } });
          form.session = r.session_id || form.session;
          out.textContent = r.reply ? `→ ${text(r.reply)}` : '→ done';
          showRun(action, r);
        } catch (e) {
          out.className = 'ui-result bad';
          out.textContent = e.message;
          showRun(action, { error: e.message });
        } finally {
          b.disabled = false;
          for (const hook of form.afterRun) hook();
        }
      });
      return el('div', { class: 'ui-action' }, b, out);
    }

    /** RunStatus: the started run's session (opened in the web chat), its last answer. */
    function showRun(action, r) {
      for (const box of form.statuses) {
        box.replaceChildren(
          el('strong', {}, r.error ? `${action === 'start' ? 'Start' : action} failed` : action === 'start' ? 'Started' : action === 'continue' ? 'Continuing this run' : `${action} ran`),
          r.error ? el('p', { class: 'ui-result bad' }, text(r.error, 2000)) : r.reply ? el('p', { class: 'ui-text' }, text(r.reply)) : null,
          form.session ? el('a', { href: `/chat?session=${encodeURIComponent(form.session)}` }, `Open session ${text(form.session, 80)} in the chat`) : null);
      }
    }

    function runStatus() {
      const box = el('div', { class: 'ui-run-status card bordered', role: 'status' }, el('span', { class: 'muted' }, 'Not started yet.'));
      form.statuses.push(box);
      return box;
    }

    return { field: formField, submitButton, showRun, runStatus };
  }

  return { create };
})();
