import { api, ApiError } from '../api.js';
import { h, link, table, timeEl, deptChip, fmtValue, stateBadge } from '../dom.js';
import { fieldInput } from '../forms.js';
import { departmentOrder } from './definitions.js';

export async function renderList(ctx) {
  const [w, order] = await Promise.all([api.get('/worklist'), departmentOrder()]);
  const who = w.participants === '*' ? 'every participant' : w.participants.join(', ');
  return [
    h('h1', {}, 'Worklist'),
    h('p', { class: 'muted' }, w.participants === '*' || w.participants.length ? `Open work items of the participants you act as: ${who}.` : 'You act as no participant, so no work item is offered to you. An administrator can add participants to your user.'),
    w.items.length
      ? table(
          `${w.items.length} open work item${w.items.length === 1 ? '' : 's'}`,
          ['Activity', 'Case', 'Participant', 'Department', 'Offered'],
          w.items.map((i) => [
            link(`/console/worklist/${encodeURIComponent(i.id)}`, `${i.activityName ?? i.activityId}${i.loopCounter !== null ? ` #${i.loopCounter + 1}` : ''}`),
            h('span', {}, link(`/console/cases/${encodeURIComponent(i.instanceId)}`, i.subject ?? i.instanceId), i.processId ? h('span', { class: 'muted' }, ` ${i.processId}`) : ''),
            i.participant,
            i.department ? deptChip(i.department, order ?? []) : '—',
            timeEl(i.createdAt),
          ]),
          { class: 'worklist' },
        )
      : h('p', { class: 'empty' }, 'Nothing to do right now.'),
  ];
}

export async function renderOne(ctx) {
  const [id] = ctx.params;
  const [w, order] = await Promise.all([api.get(`/workitems/${encodeURIComponent(id)}`), departmentOrder()]);
  const title = (w.decision ? w.item.activityName : w.activity?.name) ?? w.item.activityName ?? w.item.activityId;
  ctx.setTitle(title);
  const out = [
    h('h1', {}, title),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Case'),
      h('dd', {}, link(`/console/cases/${encodeURIComponent(w.case.id)}`, w.case.subject ?? w.case.id), ' ', stateBadge(w.case.state)),
      h('dt', {}, 'Participant'),
      h('dd', {}, w.item.participant),
      w.activity?.department ? [h('dt', {}, 'Department'), h('dd', {}, deptChip(w.activity.department, order ?? []))] : '',
      h('dt', {}, 'Offered'),
      h('dd', {}, timeEl(w.item.createdAt)),
    ),
    w.activity?.description ? h('p', { class: 'lead' }, w.activity.description) : '',
  ];
  if (w.views.length) {
    out.push(h('h2', {}, 'Case information'), h('dl', { class: 'facts view-fields' }, w.views.map((f) => [h('dt', {}, f.name ?? f.id), h('dd', { 'data-view': f.id }, fmtValue(f.value))])));
  }
  if (w.item.state !== 'open') {
    out.push(h('p', { class: 'notice' }, `This work item is ${w.item.state}; there is nothing left to do.`));
    return out;
  }
  const inputs = w.updates.map((f) => ({ field: f, ...fieldInput(f) }));
  if (w.decision) inputs.unshift(branchInput(w.decision));
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', ...(w.canComplete ? {} : { disabled: true }) }, 'Complete');
  const form = h(
    'form',
    { class: 'work-form', 'aria-labelledby': 'work-form-title' },
    h('h2', { id: 'work-form-title' }, 'Your result'),
    inputs.length ? h('div', { class: 'field-grid' }, inputs.map((i) => i.node)) : h('p', {}, 'This activity has no output fields: completing it records that it is done.'),
    w.canComplete ? '' : h('p', { class: 'notice' }, `The case is ${w.case.state}; work items can be completed only while it runs.`),
    button,
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const data = {};
    for (const i of inputs) {
      const v = i.read();
      if (v !== '' && !(Array.isArray(v) && v.length === 0)) data[i.field.id] = v;
    }
    button.disabled = true;
    try {
      const r = await api.post(`/workitems/${encodeURIComponent(id)}/complete`, { data });
      ctx.flash(`Completed “${title}”. The case is ${r.state}.`);
      ctx.navigate('/worklist');
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : String(e);
      button.disabled = false;
    }
  });
  out.push(form);
  return out;
}

/** A decision work item: one radio button per branch (check boxes when several may be taken), sent as the data item @branch. */
function branchInput(decision) {
  const type = decision.several ? 'checkbox' : 'radio';
  const boxes = decision.branches.map((label) => h('input', { type, name: 'branch', value: label, 'data-branch': label }));
  const node = h(
    'fieldset',
    { class: 'branches' },
    h('legend', {}, decision.several ? 'Which branches are taken?' : 'Which branch is taken?'),
    decision.branches.map((label, i) => h('label', {}, boxes[i], ' ', label)),
  );
  const read = () => {
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    return decision.several ? chosen : chosen[0] ?? '';
  };
  return { field: { id: '@branch' }, node, read };
}
