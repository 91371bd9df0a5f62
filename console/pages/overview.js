import { api } from '../api.js';
import { h, link, section, deptChip, consoleOwner } from '../dom.js';
import { attentionCards } from './attention.js';

export async function render(ctx) {
  const [o, attention] = await Promise.all([api.get('/overview'), api.get('/attention')]);
  const states = Object.entries(o.casesByState).sort(([a], [b]) => a.localeCompare(b));
  const total = states.reduce((n, [, c]) => n + c, 0);
  const user = ctx.session.user;
  return [
    h('h1', {}, consoleOwner(ctx.session) ? `Overview — ${consoleOwner(ctx.session)}` : 'Overview'),
    h('p', { class: 'muted' }, ctx.session.department ? `This engine performs the activities of department ${consoleOwner(ctx.session)}.` : 'This engine performs the activities of every department itself (no INTERFLOW_DEPARTMENT).'),
    section('Needs attention', attentionCards(attention), h('p', {}, link('/console/attention', 'Everything that needs attention, listed'))),
    h(
      'div',
      { class: 'cards' },
      card('Cases', String(total), link('/console/cases', 'All cases')),
      card('Open cases', String(states.filter(([st]) => st.startsWith('open.')).reduce((n, [, c]) => n + c, 0)), link('/console/cases?state=open.', 'Open cases')),
      card('My open work items', String(o.myOpenWorkItems), user.participants.length ? link('/console/worklist', 'Worklist') : h('span', { class: 'muted' }, 'you act as no participant')),
      card('Process definitions', String(o.definitions), link('/console/definitions', 'Definitions')),
    ),
    section(
      'Cases by state',
      states.length
        ? h('ul', { class: 'plain' }, states.map(([st, n]) => h('li', {}, link(`/console/cases?state=${encodeURIComponent(st)}`, st), `: ${n}`)))
        : h('p', {}, 'No cases yet.'),
    ),
    section('Departments', o.departments.length ? h('p', { class: 'chips' }, o.departments.map((d) => deptChip(d, o.departments))) : h('p', {}, 'No definition names a department.'), h('p', {}, link('/console/registry', 'Registry and contracts'))),
  ];
}

function card(title, value, footer) {
  return h('div', { class: 'card' }, h('h2', {}, title), h('p', { class: 'big' }, value), h('p', {}, footer));
}
