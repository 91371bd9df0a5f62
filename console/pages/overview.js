import { api } from '../api.js';
import { h, link, section, deptChip, consoleOwner } from '../dom.js';
import { attentionCards } from './attention.js';

export async function render(ctx) {
  if (ctx.session.role === 'hub') return renderHub(ctx);
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

/** The registry hub's overview: it runs no cases; it watches the leases and the relay's refusals. */
async function renderHub(ctx) {
  const attention = await api.get('/attention');
  return [
    h('h1', {}, 'Overview — registry hub'),
    h('p', { class: 'muted' }, 'This is the federation\'s registry hub: departments register here and find each other here; relayed transfers pass through it.'),
    section('Needs attention', attentionCards(attention), h('p', {}, link('/console/attention', 'Everything that needs attention, listed'))),
    h('p', {}, link('/console/registry', 'Registry: every department, its services, bindings and leases')),
  ];
  void ctx;
}

function card(title, value, footer) {
  return h('div', { class: 'card' }, h('h2', {}, title), h('p', { class: 'big' }, value), h('p', {}, footer));
}
