import { api, ApiError, query } from '../api.js';
import { h, link, section, table, timeEl, stateBadge, fmtValue, deptChip, clear } from '../dom.js';
import { renderGraph } from '../graph.js';
import { departmentOrder } from './definitions.js';

const STATES = ['open.', 'open.running', 'open.notrunning', 'open.notrunning.suspended', 'closed.', 'closed.completed', 'closed.abnormalCompleted.terminated', 'closed.abnormalCompleted.aborted'];

export async function renderList(ctx) {
  const q = ctx.query.get('q') ?? '';
  const process = ctx.query.get('process') ?? '';
  const state = ctx.query.get('state') ?? '';
  const offset = Number(ctx.query.get('offset') ?? 0) || 0;
  const [page, defs] = await Promise.all([api.get(`/cases${query({ q, process, state, offset, limit: 25 })}`), api.get('/definitions')]);

  const qInput = h('input', { id: 'case-q', name: 'q', type: 'search', value: q, placeholder: 'case id, subject or a data value' });
  const processSelect = h('select', { id: 'case-process', name: 'process' }, h('option', { value: '' }, 'any process'), defs.items.map((d) => h('option', { value: d.processId, ...(d.processId === process ? { selected: true } : {}) }, d.name ?? d.processId)));
  const stateSelect = h('select', { id: 'case-state', name: 'state' }, h('option', { value: '' }, 'any state'), STATES.map((st) => h('option', { value: st, ...(st === state ? { selected: true } : {}) }, st.endsWith('.') ? `${st}* (all ${st.slice(0, -1)})` : st)));
  const form = h(
    'form',
    { class: 'search', role: 'search', 'aria-label': 'Find cases' },
    h('div', { class: 'field' }, h('label', { for: 'case-q' }, 'Search'), qInput),
    h('div', { class: 'field' }, h('label', { for: 'case-process' }, 'Process'), processSelect),
    h('div', { class: 'field' }, h('label', { for: 'case-state' }, 'State'), stateSelect),
    h('button', { type: 'submit' }, 'Find'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`/cases${query({ q: qInput.value.trim(), process: processSelect.value, state: stateSelect.value })}`);
  });

  const first = page.total ? page.offset + 1 : 0;
  const last = page.offset + page.items.length;
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages of cases' },
    page.offset > 0 ? link(`/console/cases${query({ q, process, state, offset: Math.max(0, page.offset - page.limit) })}`, '← Previous') : '',
    h('span', {}, `${first}–${last} of ${page.total}`),
    last < page.total ? link(`/console/cases${query({ q, process, state, offset: page.offset + page.limit })}`, 'Next →') : '',
  );
  return [
    h('h1', {}, 'Cases'),
    form,
    page.searched !== undefined ? h('p', { class: 'muted' }, `Searched the ${page.searched} newest of ${page.of} cases for “${q}”.`) : '',
    page.items.length
      ? table(
          'Cases, newest first',
          ['Case', 'Process', 'State', 'Started', 'Last change'],
          page.items.map((c) => [
            h('span', {}, link(`/console/cases/${encodeURIComponent(c.id)}`, c.subject ?? c.id), c.subject ? h('span', { class: 'muted id' }, ` ${c.id}`) : '', c.parentInstanceId ? h('span', { class: 'muted' }, ' (subprocess)') : ''),
            `${c.processId} v${c.version}`,
            stateBadge(c.state),
            timeEl(c.createdAt),
            timeEl(c.updatedAt),
          ]),
          { class: 'cases' },
        )
      : h('p', {}, 'No case matches.'),
    pager,
  ];
}

export async function renderOne(ctx) {
  const [id] = ctx.params;
  const order = (await departmentOrder()) ?? [];
  let c = await api.get(`/cases/${encodeURIComponent(id)}`);
  ctx.setTitle(`Case ${c.subject ?? c.id}`);
  const root = h('div', { class: 'case' });
  const liveNote = h('p', { class: 'live muted', 'aria-live': 'polite' });
  const draw = () => {
    clear(root).append(...caseBody(c, order, ctx, reload));
  };
  const reload = async () => {
    c = await api.get(`/cases/${encodeURIComponent(id)}`);
    draw();
  };
  draw();

  // While the case is open the page follows it: other users and departments move it on.
  let timer;
  let stopped = false;
  const poll = async () => {
    if (stopped || !ctx.isCurrent()) return;
    try {
      const next = await api.get(`/cases/${encodeURIComponent(id)}`);
      if (stopped || !ctx.isCurrent()) return;
      const changed = next.updatedAt !== c.updatedAt || next.state !== c.state;
      c = next;
      // Redrawing under a control the user is working would lose what they were doing.
      const busy = root.contains(document.activeElement) && document.activeElement.matches('input, select, textarea, button, summary');
      if (changed && !busy) {
        const headingFocused = document.activeElement?.tagName === 'H1';
        draw();
        if (headingFocused) root.querySelector('h1')?.focus({ preventScroll: true });
        liveNote.textContent = `Updated ${new Date().toLocaleTimeString()}: ${c.state}`;
      } else if (changed) {
        liveNote.textContent = `The case changed (${c.state}); it will be redrawn when you leave the current control.`;
      }
    } catch {
      // a failed poll is retried on the next tick
    }
    if (c.state.startsWith('open.')) timer = setTimeout(poll, 2000);
  };
  if (c.state.startsWith('open.')) timer = setTimeout(poll, 2000);
  ctx.onLeave(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return [root, liveNote];
}

function caseBody(c, order, ctx, reload) {
  const out = [
    h('h1', {}, `Case ${c.subject ?? c.id}`),
    h('p', { class: 'case-state' }, 'State: ', h('span', { 'data-case-state': c.state }, stateBadge(c.state))),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Case id'),
      h('dd', {}, h('code', {}, c.id)),
      h('dt', {}, 'Process'),
      h('dd', {}, link(`/console/definitions/${encodeURIComponent(c.processId)}/${c.version}`, `${c.processName ?? c.processId} v${c.version}`)),
      h('dt', {}, 'Started'),
      h('dd', {}, timeEl(c.createdAt), c.startedBy ? ` by ${c.startedBy}` : ''),
      c.completedAt ? [h('dt', {}, 'Ended'), h('dd', {}, timeEl(c.completedAt))] : '',
      c.parentInstanceId ? [h('dt', {}, 'Parent case'), h('dd', {}, link(`/console/cases/${encodeURIComponent(c.parentInstanceId)}`, c.parentInstanceId))] : '',
    ),
  ];
  if (c.actions.length) out.push(actions(c, ctx, reload));
  if (c.retryable?.length || c.awaitedMessages?.length) out.push(section('Incidents and messages', operations(c, ctx, reload)));
  out.push(section('Where the case is now', whereNow(c, order)));
  const statusById = new Map(c.activities.map((a) => [a.activityId, a]));
  out.push(
    section(
      'Process graph',
      renderGraph(c.graph, { order, statuses: c.activities, title: `Process graph of case ${c.subject ?? c.id} with its live state` }),
      table(
        'Activities and their state',
        ['Activity', 'Department', 'State', 'Completed'],
        c.graph.nodes
          .filter((n) => n.id === n.activityId)
          .map((n) => {
            const st = statusById.get(n.activityId);
            return [n.name, n.department ? deptChip(n.department, order) : '—', st?.state ?? 'idle', String(st?.completed ?? 0)];
          }),
        { class: 'activity-states' },
      ),
    ),
  );
  out.push(section('Cross-department trace', trace(c, order)));
  if (c.messages?.length) {
    out.push(
      section(
        'Transfer messages',
        table(
          'Signed messages of this case in the transfer log',
          ['Time', 'Direction', 'From → to', 'Kind', 'Activity', 'Outcome'],
          c.messages.map((m) => [timeEl(m.at), m.direction, [deptChip(m.from, order), ' → ', deptChip(m.to, order)], m.kind, m.activityId ?? '—', outcomeCell(m)]),
          { class: 'messages' },
        ),
      ),
    );
  }
  if (c.workItems.length) {
    out.push(
      section(
        'Open work items',
        table(
          'Work items waiting on this case',
          ['Activity', 'Participant', 'Department', 'Since', ''],
          c.workItems.map((w) => [w.activityName ?? w.activityId, w.participant, w.department ? deptChip(w.department, order) : '—', timeEl(w.createdAt), w.mine ? link(`/console/worklist/${encodeURIComponent(w.id)}`, 'Open') : h('span', { class: 'muted' }, 'not yours')]),
        ),
      ),
    );
  }
  out.push(
    section(
      'Data',
      c.dataFields.length
        ? table('Case data', ['Field', 'Type', 'Value'], c.dataFields.map((f) => [f.name && f.name !== f.id ? `${f.name} (${f.id})` : f.id, `${f.type}${f.isArray ? '[]' : ''}`, h('span', { 'data-value': f.id }, fmtValue(c.data[f.id]))]), { class: 'case-data' })
        : h('p', {}, 'The process declares no data.'),
    ),
  );
  if (c.children.length) out.push(section('Subprocesses', table('Subprocess cases', ['Case', 'Process', 'State'], c.children.map((ch) => [link(`/console/cases/${encodeURIComponent(ch.id)}`, ch.subject ?? ch.id), ch.processId, stateBadge(ch.state)]))));
  if (c.outbox.length) out.push(section('Outbox', table('Messages this case sends to other departments and engines', ['Kind', 'To', 'State', 'Attempts', 'Created', 'Last error'], c.outbox.map((m) => [m.kind, m.destination, m.state, String(m.attempts), timeEl(m.createdAt), m.lastError ?? '—']))));
  out.push(
    section(
      'History',
      h(
        'details',
        {},
        h('summary', {}, `${c.history.length} events`),
        table(
          'Audit history, oldest first',
          ['Time', 'Event', 'Activity', 'Actor', 'Detail'],
          c.history.map((e) => [timeEl(e.at), e.type, e.activityId ?? '', e.actor ?? '', e.detail ? h('code', {}, JSON.stringify(e.detail)) : '']),
          { class: 'history' },
        ),
      ),
    ),
  );
  return out;
}

function whereNow(c, order) {
  if (c.state.startsWith('closed.')) return h('p', { 'data-where': 'closed' }, `The case ended ${c.state === 'closed.completed' ? 'normally' : 'abnormally'} (${c.state}).`);
  const items = [];
  for (const a of c.openActivities) {
    const n = c.workItems.filter((w) => w.activityId === a.activityId).length;
    const where = a.department ? ['in department ', deptChip(a.department, order)] : ['here'];
    const what = a.state === 'transferred' ? 'handed over, waiting for the result' : a.state === 'failed' ? `failed: ${a.error ?? 'incident'}` : n ? `${n} open work item${n === 1 ? '' : 's'}` : 'in progress';
    items.push(h('li', { 'data-open-activity': a.activityId }, h('strong', {}, a.name ?? a.activityId), ' — ', ...where, ` (${what})`));
  }
  const names = new Map(c.graph.nodes.map((n) => [n.activityId, n.name]));
  for (const w of c.waitingAt) if (!c.openActivities.some((a) => a.activityId === w)) items.push(h('li', { 'data-waiting': w }, h('strong', {}, names.get(w) ?? w), ' — waiting for its other incoming branches'));
  return items.length ? h('ul', { class: 'plain where' }, items) : h('p', {}, `The case is ${c.state}.`);
}

function trace(c, order) {
  const entries = c.trace.entries;
  if (!entries.length) return h('p', {}, 'No activity of this case belongs to a department.');
  return [
    h('p', { class: 'muted' }, c.trace.source === 'history' ? 'Derived from the case history: each step is a department taking the case for an activity.' : 'From the transfer message log.'),
    h(
      'ol',
      { class: 'timeline' },
      entries.map((e) =>
        h(
          'li',
          { class: `step kind-${e.kind} status-${e.status.replace(/\s+/g, '-')}`, 'data-to': e.to },
          h('span', { class: 'when' }, timeEl(e.at)),
          h(
            'span',
            { class: 'hop' },
            e.from.length ? [...e.from.flatMap((f, i) => (i ? [' + ', deptChip(f, order)] : [deptChip(f, order)])), h('span', { class: 'arrow', 'aria-label': 'to' }, ' → ')] : h('span', { class: 'muted' }, 'start → '),
            deptChip(e.to, order),
          ),
          h('span', { class: 'what' }, e.activityName ?? e.activityId, e.kind === 'hand-over' ? h('span', { class: 'badge' }, 'hand-over') : e.kind === 'transfer' ? h('span', { class: 'badge' }, 'transfer') : ''),
          h('span', { class: 'status' }, e.status, e.completedAt ? [' ', timeEl(e.completedAt)] : ''),
        ),
      ),
    ),
  ];
}

/** Administrators retry failed activities and deliver awaited messages (POST with the CSRF header, like every change). */
function operations(c, ctx, reload) {
  const error = h('p', { class: 'error', role: 'alert' });
  const run = async (button, path, body, done) => {
    button.disabled = true;
    try {
      const r = await api.post(`/cases/${encodeURIComponent(c.id)}/${path}`, body);
      ctx.flash(`${done}; case ${c.id} is ${r.state}.`);
      await reload();
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : String(e);
      button.disabled = false;
    }
  };
  const retries = c.retryable.map((a) =>
    h(
      'li',
      { 'data-incident': a.activityInstanceId },
      h('strong', {}, a.name ?? a.activityId),
      ` failed: ${a.error ?? 'incident'} `,
      h('button', { type: 'button', class: 'secondary', 'data-retry': a.activityInstanceId, onclick: (event) => run(event.currentTarget, 'retry', { activityInstanceId: a.activityInstanceId }, `Retried ${a.name ?? a.activityId}`) }, 'Retry'),
    ),
  );
  const deliveries = c.awaitedMessages.map((m) => {
    const data = h('textarea', { rows: 2, name: 'data', 'aria-label': `Data for message ${m.message}`, placeholder: m.fields.length ? m.fields.map((f) => `${f}=…`).join('\n') : 'field=value, one a line' });
    return h(
      'li',
      { 'data-awaits': m.message },
      h('strong', {}, m.name ?? m.activityId),
      ` waits for message "${m.message}" `,
      data,
      h('button', {
        type: 'button',
        class: 'secondary',
        'data-deliver': m.message,
        onclick: (event) => {
          const values = {};
          for (const line of data.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
            const at = line.indexOf('=');
            if (at <= 0) {
              error.textContent = `"${line}" is not field=value`;
              return;
            }
            values[line.slice(0, at).trim()] = line.slice(at + 1).trim();
          }
          return run(event.currentTarget, 'deliver', { message: m.message, data: values }, `Delivered "${m.message}"`);
        },
      }, 'Deliver'),
    );
  });
  return [h('ul', { class: 'plain operations' }, ...retries, ...deliveries), error];
}

function actions(c, ctx, reload) {
  const error = h('p', { class: 'error', role: 'alert' });
  const labels = { suspend: 'Suspend', resume: 'Resume', terminate: 'Terminate' };
  const buttons = c.actions.map((action) =>
    h(
      'button',
      {
        type: 'button',
        class: action === 'terminate' ? 'danger' : 'secondary',
        onclick: async (event) => {
          const button = event.currentTarget;
          if (action === 'terminate' && !window.confirm(`Terminate case ${c.subject ?? c.id}? Its open work is withdrawn; this cannot be undone.`)) return;
          button.disabled = true;
          try {
            const r = await api.post(`/cases/${encodeURIComponent(c.id)}/state`, { action });
            ctx.flash(`Case ${c.id} is now ${r.state}.`);
            await reload();
          } catch (e) {
            error.textContent = e instanceof ApiError ? e.message : String(e);
            button.disabled = false;
          }
        },
      },
      labels[action],
    ),
  );
  return h('div', { class: 'admin-actions', role: 'group', 'aria-label': 'Administrative actions' }, ...buttons, error);
}

/** The outcome in words (refused (signature), refused (not authorised), …) and why. */
function outcomeCell(m) {
  const words = m.outcomeText ?? m.outcome;
  const refused = words.startsWith('refused') || words.startsWith('error');
  return [h('span', { class: refused ? 'outcome outcome-refused' : 'outcome' }, words), m.reason ? h('span', { class: 'muted' }, `: ${m.reason}`) : ''];
}
