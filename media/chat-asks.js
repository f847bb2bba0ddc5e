// The web chat's cards for the SDK's own blocking prompts: an approval (session.prompt_approval,
// block `approval_prompt`) with the block's approve/reject labels, and a file upload
// (session.prompt_file, block `file_upload`) with a file input that keeps to the block's
// `accept`. Answering needs the emulator's prompt id, which comes in an `ask` event of the turn
// (before or after the block: the SDK sends them on different threads). Same card styles as the
// integration prompts.
'use strict';
const capsuleAsks = (() => {
  const { el } = capsule;
  const messages = () => document.getElementById('messages');
  /** blockId -> {card, kind, timer, ask} of the open turn's cards; asks whose card is not drawn yet. */
  const cards = new Map();
  const early = new Map();

  function pill(text, kind) {
    return el('span', { class: `pill ${kind || ''}`, role: 'status' }, text);
  }

  function settled(p, kind) {
    if (kind === 'approval') return p.approved ? pill('Approved', 'ok') : p.timed_out ? pill('Timed out', 'warn') : pill('Rejected', 'bad');
    return pill(`Uploaded ${p.filename || 'a file'}${p.size !== undefined ? ` (${p.size} bytes)` : ''}`, 'ok');
  }

  function card(block, opts) {
    const p = block.payload || {};
    const kind = block.type === 'approval_prompt' ? 'approval' : 'file';
    const prior = cards.get(block.id);
    const existing = prior ? prior.card : messages().querySelector(`.card[data-block-id="${CSS.escape(block.id)}"]`);
    const heading = kind === 'approval' ? 'Approval needed' : 'File requested';
    const row = el('div', { class: 'row' });
    // The SDK shows the block again, completed, with only the outcome: keep the message.
    const message = p.message || (existing && existing.querySelector(':scope > .reason') ? existing.querySelector(':scope > .reason').textContent : '');
    const node = el('div', { class: 'block card prompt', role: 'group', 'aria-label': heading, dataset: { blockId: block.id, kind } },
      el('h3', {}, heading),
      message ? el('p', { class: 'reason' }, message) : null,
      row);
    if (p.completed) {
      row.append(settled(p, kind));
      if (prior) clearInterval(prior.timer);
      cards.delete(block.id);
    } else if (p.blocking && !opts.historic) {
      if (kind === 'approval') {
        row.append(
          el('button', { type: 'button', class: 'primary approve', disabled: true }, p.approve_label || 'Approve'),
          el('button', { type: 'button', class: 'reject', disabled: true }, p.reject_label || 'Reject'));
      } else {
        const input = el('input', { type: 'file', class: 'file', 'aria-label': 'File to upload', disabled: true });
        if (p.accept) input.accept = p.accept;
        row.append(input, el('button', { type: 'button', class: 'primary upload', disabled: true }, 'Upload'));
      }
      row.append(el('span', { class: 'countdown' }, 'Waiting for the prompt…'));
      cards.set(block.id, { card: node, kind, timer: null });
      if (early.has(block.id)) attach(early.get(block.id));
    } else {
      row.append(pill('Not answered', ''));
    }
    return { node, replaces: existing };
  }

  async function send(entry, ask, request) {
    const row = entry.card.querySelector('.row');
    for (const c of row.querySelectorAll('button, input')) c.disabled = true;
    const res = await fetch(`/api/prompts/${encodeURIComponent(ask.askId)}/${request.path}`, { method: 'POST', credentials: 'same-origin', headers: request.headers, body: request.body });
    if (res.ok) return;
    let message = `the emulator answered ${res.status}`;
    try {
      message = (await res.json()).error || message;
    } catch {
      // not JSON: keep the status
    }
    entry.card.querySelector('.row').append(el('p', { class: 'reason', role: 'alert' }, `Could not answer: ${message}`));
  }

  function attach(ask) {
    const entry = cards.get(ask.blockId);
    if (!entry) {
      early.set(ask.blockId, ask);
      return;
    }
    early.delete(ask.blockId);
    entry.card.dataset.promptId = ask.askId;
    const row = entry.card.querySelector('.row');
    if (entry.kind === 'approval') {
      const answer = (allow) => send(entry, ask, { path: 'answer', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allow }) });
      const approve = row.querySelector('button.approve');
      const reject = row.querySelector('button.reject');
      approve.addEventListener('click', () => answer(true));
      reject.addEventListener('click', () => answer(false));
      approve.disabled = reject.disabled = false;
    } else {
      const input = row.querySelector('input.file');
      const upload = row.querySelector('button.upload');
      input.disabled = false;
      input.addEventListener('change', () => (upload.disabled = !input.files.length));
      upload.addEventListener('click', () => {
        const file = input.files[0];
        if (!file) return;
        send(entry, ask, { path: 'file', headers: { 'content-type': file.type || 'application/octet-stream', 'x-filename': encodeURIComponent(file.name) }, body: file });
      });
    }
    const countdown = row.querySelector('.countdown');
    const offset = ask.serverNow - Date.now();
    const tick = () => {
      const left = Math.max(0, Math.round((ask.deadline - (Date.now() + offset)) / 1000));
      countdown.textContent = `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    };
    tick();
    entry.timer = setInterval(tick, 1000);
  }

  /** The emulator ended the wait; the SDK's completed block may follow (it does not for a file that timed out). */
  function resolved(r) {
    early.delete(r.blockId);
    const entry = cards.get(r.blockId);
    if (!entry) return;
    clearInterval(entry.timer);
    cards.delete(r.blockId);
    const labels = { approved: ['Approved', 'ok'], rejected: ['Rejected', 'bad'], uploaded: ['Uploaded', 'ok'], timed_out: ['Timed out', 'warn'], cancelled: ['Cancelled', 'warn'] };
    const [text, kind] = labels[r.outcome] || [r.outcome, ''];
    entry.card.querySelector('.row').replaceChildren(pill(text, kind));
  }

  function clear() {
    for (const entry of cards.values()) clearInterval(entry.timer);
    cards.clear();
    early.clear();
  }

  return { card, attach, resolved, clear };
})();
