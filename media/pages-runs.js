// ui.RunList on a workflow's screen, drawn for media/pages.js (which passes its helpers in): the
// workflow's runs, newest first, from /api/pages/<app>/runs (emulator/pages/runs.ts: the app's
// sessions its start handler tagged, as many as the workflow's scope lets the viewer see). Each
// run opens in the web chat (as RunStatus links it), or becomes the run the screen's action
// buttons act on. The list is read again after each start or action on the screen, and when the
// page's change feed says a session's data or a background task's status changed (a run started
// or moved on elsewhere: the CLI, the API, another browser); only while the feed is down every
// 15 s. Its `empty_message` is shown when there is no run. Everything is text (textContent).
'use strict';

window.capsuleRuns = (() => {
  function runList(node, h) {
    const { el, get, text, api, withViewer, appName } = h;
    const empty = text(get(node, 'empty_message'), 1000) || 'No runs yet';
    const box = el('section', { class: 'ui-run-list card bordered' }, el('span', { class: 'muted' }, 'loading…'));
    const url = withViewer(`/api/pages/${encodeURIComponent(appName)}/runs?workflow=${encodeURIComponent(h.workflow)}`);
    const when = (iso) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? text(iso, 40) : d.toLocaleString();
    };
    let generation = 0;
    async function load() {
      const mine = ++generation;
      try {
        const r = await api(url);
        if (mine !== generation) return;
        const runs = Array.isArray(r.runs) ? r.runs : [];
        if (!runs.length) return void box.replaceChildren(el('div', { class: 'ui-empty' }, empty));
        const items = runs.map((run) => {
          const id = text(run.id, 200);
          const use = el('button', { type: 'button', onclick: () => h.useRun(id) }, 'Continue this run');
          return el('li', { class: 'ui-run', 'data-session': id },
            el('div', {}, el('strong', {}, `Started ${when(run.created_at)}`), ` by ${text(run.user, 200)} · ${Number(run.messages) || 0} message${run.messages === 1 ? '' : 's'}`),
            run.last ? el('div', { class: 'muted last' }, text(run.last, 300)) : null,
            el('div', { class: 'ui-run-actions' }, el('a', { href: `/chat?session=${encodeURIComponent(id)}` }, `Open ${id} in the chat`), use));
        });
        const more = r.total > runs.length ? el('p', { class: 'muted' }, `The newest ${runs.length} of ${r.total} runs are listed.`) : null;
        box.replaceChildren(...[el('h3', {}, `Runs (${Number(r.total) || runs.length})`), el('ul', {}, items), more].filter(Boolean));
      } catch (e) {
        if (mine !== generation) return;
        box.replaceChildren(el('p', { class: 'ui-result bad' }, `The runs could not be read: ${e.message}`), el('button', { type: 'button', onclick: load }, 'Retry'));
      }
    }
    h.onRun(load);
    // A run is a session tagged by its start (its data saved), and runs start tasks: a notice of
    // either is this list's (sessions null: any session; tasks null: any task).
    const wants = (c) => {
      const sessions = get(c, 'sessions');
      const tasks = get(c, 'tasks');
      return sessions === null || tasks === null || (Array.isArray(sessions) && sessions.length > 0) || (Array.isArray(tasks) && tasks.length > 0);
    };
    h.follow({ node: box, wants, load, fallbackMs: 15_000 });
    load();
    return box;
  }

  return Object.freeze({ runList });
})();
