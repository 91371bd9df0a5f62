import { api, ApiError } from '../api.js';
import { h, link, section, table, timeEl, deptChip, fmtValue } from '../dom.js';
import { renderGraph } from '../graph.js';
import { fieldInput } from '../forms.js';

export async function renderList(ctx) {
  const { items } = await api.get('/definitions');
  const order = [...new Set(items.flatMap((d) => d.departments))].sort();
  const held = ctx.session.user?.admin && ctx.session.heldPackages ? await heldPackagesSection(ctx, order) : { node: '', waiting: 0 };
  return [
    h('h1', {}, 'Process definitions'),
    // Packages waiting for a decision come first: they are the page's one call to act.
    held.waiting ? held.node : '',
    items.length
      ? table(
          `${items.length} deployed process${items.length === 1 ? '' : 'es'}`,
          ['Process', 'Latest version', 'Activities', 'Departments', 'Deployed'],
          items.map((d) => [
            h('span', {}, link(`/console/definitions/${encodeURIComponent(d.processId)}/${d.latestVersion}`, d.name ?? d.processId), d.name ? h('span', { class: 'muted' }, ` ${d.processId}`) : ''),
            `v${d.latestVersion}${d.versions.length > 1 ? ` (${d.versions.length} versions)` : ''}`,
            String(d.activities),
            d.departments.length ? h('span', { class: 'chips' }, d.departments.map((c) => deptChip(c, order))) : h('span', { class: 'muted' }, '—'),
            timeEl(d.versions[0]?.deployedAt),
          ]),
          { class: 'definitions' },
        )
      : h('p', {}, 'No process is deployed yet: interflow deploy FILE.xpdl'),
    held.waiting ? '' : held.node,
  ];
}

/**
 * Administrators only: packages other departments published here that wait for a decision
 * (INTERFLOW_INSTALL_FROM does not name their sender), with what each would add here.
 */
async function heldPackagesSection(ctx, order) {
  const { items } = await api.get('/packages?state=held');
  const body = items.length
    ? items.map((p) => heldPackage(p, ctx, order))
    : h('p', {}, 'No published package waits for a decision.');
  return {
    node: section('Packages waiting for approval', h('p', { class: 'muted' }, 'Published by departments this one does not install from automatically (INTERFLOW_INSTALL_FROM).'), body),
    waiting: items.length,
  };
}

function heldPackage(p, ctx, order) {
  const error = h('p', { class: 'error', role: 'alert' });
  const reasonId = `reject-reason-${p.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const reason = h('input', { id: reasonId, type: 'text', maxlength: '2000', name: 'reason' });
  const approve = h('button', { type: 'button' }, 'Approve');
  const reject = h('button', { type: 'button', class: 'danger' }, 'Reject');
  const decide = async (action) => {
    error.textContent = '';
    approve.disabled = reject.disabled = true;
    try {
      await api.post(`/packages/${encodeURIComponent(p.id)}/${action}`, action === 'reject' ? { reason: reason.value } : {});
      ctx.flash(action === 'approve' ? `Installed package ${p.packageId} from ${p.sender}.` : `Rejected package ${p.packageId} from ${p.sender}.`);
      ctx.navigate('/definitions', { replace: true });
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : String(e);
      approve.disabled = reject.disabled = false;
    }
  };
  approve.addEventListener('click', () => void decide('approve'));
  reject.addEventListener('click', () => void decide('reject'));
  const activities = p.activities ?? [];
  return h(
    'article',
    { class: 'held-package' },
    h('h3', {}, h('code', {}, p.packageId), ' from ', deptChip(p.sender, order)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Received'),
      h('dd', {}, timeEl(p.receivedAt)),
      h('dt', {}, 'Processes'),
      h('dd', {}, p.processes.map((id) => ((p.newProcesses ?? []).includes(id) ? `${id} (new here)` : id)).join(', ') || '—'),
      h('dt', {}, 'Held id'),
      h('dd', {}, h('code', {}, p.id)),
    ),
    activities.length
      ? table(
          `What department ${p.department ?? ''} would perform`,
          ['Activity', 'Process', 'Change', 'Receives', 'Returns'],
          activities.map((a) => [a.name ?? a.activityId, a.processId, a.added ? 'added' : 'performed already', a.reads.join(', ') || '—', a.writes.join(', ') || '—']),
        )
      : h('p', {}, 'This department performs no activity in it.'),
    h('div', { class: 'field' }, h('label', { for: reasonId }, 'Reason for rejecting (optional)'), reason),
    h('p', { class: 'actions' }, approve, ' ', reject),
    error,
  );
}

export async function renderOne(ctx) {
  const [processId, version] = ctx.params;
  const d = await api.get(`/definitions/${encodeURIComponent(processId)}/versions/${version}`);
  ctx.setTitle(d.name ?? d.processId);
  const order = (await departmentOrder()) ?? d.graph.departments;
  const base = `/console/api/definitions/${encodeURIComponent(d.processId)}/versions/${d.version}/xpdl`;
  const out = [
    h('h1', {}, d.name ?? d.processId),
    d.description ? h('p', { class: 'lead' }, d.description) : '',
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Process id'),
      h('dd', {}, h('code', {}, d.processId)),
      h('dt', {}, 'Version'),
      h('dd', {}, versionLinks(d)),
      h('dt', {}, 'Deployed'),
      h('dd', {}, timeEl(d.deployedAt), d.deployedBy ? ` by ${d.deployedBy}` : ''),
      d.packageId ? [h('dt', {}, 'Package'), h('dd', {}, h('code', {}, d.packageId))] : '',
    ),
    h(
      'p',
      { class: 'actions' },
      h('a', { href: base, download: `${d.processId}-v${d.version}.xpdl`, class: 'button' }, 'Download XPDL 2.1'),
      d.hasSource ? h('a', { href: `${base}?source=1`, download: `${d.processId}-v${d.version}-source.xpdl`, class: 'button secondary' }, 'Download as deployed') : '',
    ),
  ];
  if (d.canStart) out.push(startForm(d, ctx));
  out.push(
    section('Process graph', renderGraph(d.graph, { order, title: `Process graph of ${d.name ?? d.processId} version ${d.version}` })),
    section(
      'Activities',
      table(
        'Activities, their departments and routing',
        ['Activity', 'Kind', 'Department', 'Performers', 'Join / split', 'Updates'],
        d.activities.map((a) => [
          h('span', {}, a.name ?? a.id, a.name ? h('span', { class: 'muted' }, ` ${a.id}`) : ''),
          a.kind,
          a.department ? deptChip(a.department, order) : '—',
          a.performers.join(', ') || '—',
          `${a.join} / ${a.split}`,
          a.updates.join(', ') || '—',
        ]),
      ),
    ),
    section('Data by department', dataFlows(d, order)),
    section(
      'Transitions',
      table(
        'Transitions with their conditions',
        ['From → to', 'Kind', 'Condition or name'],
        d.transitions.map((t) => [`${t.from} → ${t.to}`, t.kind, [t.name ?? '', t.condition ? h('code', {}, t.condition) : ''].filter(Boolean)]),
      ),
    ),
    section(
      'Data fields',
      d.dataFields.length
        ? table('Declared data fields', ['Field', 'Type', 'Initial value', 'Mode'], d.dataFields.map((f) => [f.name && f.name !== f.id ? `${f.name} (${f.id})` : f.id, `${f.type}${f.isArray ? '[]' : ''}`, f.initialValue ? h('code', {}, f.initialValue) : '—', f.mode ?? '—']))
        : h('p', {}, 'No data fields.'),
    ),
    section('Participants', d.participants.length ? table('Participants', ['Participant', 'Type', 'Department'], d.participants.map((p) => [p.name ? `${p.name} (${p.id})` : p.id, p.type, fmtValue(p.department ?? (p.type === 'ORGANIZATIONAL_UNIT' ? p.id : null))])) : h('p', {}, 'No participants.')),
  );
  return out;
}

/** Which fields reach each department: a hand-over carries only what the activity reads. */
function dataFlows(d, order) {
  if (!d.dataFlows?.length) return h('p', {}, 'No activity is performed by a named department: every field stays at the case\'s home.');
  return [
    table(
      'Fields each department receives and returns',
      ['Department', 'Activities', 'Receives', 'Returns'],
      d.dataFlows.map((f) => [deptChip(f.department, order), f.activities.map((a) => a.name ?? a.activityId).join(', '), f.receives.join(', ') || '—', f.returns.join(', ') || '—']),
      { class: 'data-flows' },
    ),
    h('p', { class: 'muted' }, 'A department receives only the fields its activities read, and may return only those they write.'),
  ];
}

function versionLinks(d) {
  if (d.versions.length <= 1) return `v${d.version}`;
  return h(
    'span',
    { class: 'versions' },
    d.versions.map((v) => (v === d.version ? h('strong', { 'aria-current': 'page' }, `v${v}`) : link(`/console/definitions/${encodeURIComponent(d.processId)}/${v}`, `v${v}`))).flatMap((n, i) => (i ? [' ', n] : [n])),
  );
}

function startForm(d, ctx) {
  const subjectId = 'start-subject';
  const subject = h('input', { id: subjectId, name: 'subject', type: 'text', maxlength: '500' });
  const inputs = d.dataFields.map((f) => fieldInput({ ...f, value: null }, { placeholder: f.initialValue ? `default: ${f.initialValue}` : '' }));
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Start the case');
  const form = h(
    'form',
    { class: 'start-form', 'aria-labelledby': 'start-title' },
    h('div', { class: 'field' }, h('label', { for: subjectId }, 'Subject (optional)'), subject),
    h('p', { class: 'muted' }, 'Leave a field empty to keep its initial value.'),
    h('div', { class: 'field-grid' }, inputs.map((i) => i.node)),
    button,
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    const data = {};
    d.dataFields.forEach((f, i) => {
      const v = inputs[i].read();
      if (v !== '' && !(Array.isArray(v) && v.length === 0)) data[f.id] = v;
    });
    try {
      const started = await api.post(`/definitions/${encodeURIComponent(d.processId)}/start`, { subject: subject.value, data });
      ctx.flash(`Started case ${started.id} (${started.state}).`);
      ctx.navigate(`/cases/${encodeURIComponent(started.id)}`);
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : String(e);
      button.disabled = false;
    }
  });
  return h('section', { class: 'start', 'aria-labelledby': 'start-title' }, h('details', {}, h('summary', {}, h('h2', { id: 'start-title' }, 'Start a case')), form));
}

let cachedOrder;
/** The department order the whole console colours by (the overview's list). */
export async function departmentOrder() {
  if (!cachedOrder) cachedOrder = api.get('/overview').then((o) => o.departments, () => undefined);
  return cachedOrder;
}
