import { api, ApiError } from '../api.js';
import { h, link, section, table, timeEl, deptChip, fmtValue } from '../dom.js';
import { renderGraph } from '../graph.js';
import { fieldInput } from '../forms.js';

export async function renderList() {
  const { items } = await api.get('/definitions');
  const order = [...new Set(items.flatMap((d) => d.departments))].sort();
  return [
    h('h1', {}, 'Process definitions'),
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
  ];
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
