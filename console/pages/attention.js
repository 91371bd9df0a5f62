// What needs an operator's attention: the overview shows the counts (attentionCards), and each
// count links here (/console/attention?show=KIND), to the list of those items.
import { api } from '../api.js';
import { h, link, section, table, timeEl, fmtValue } from '../dom.js';

const PARTS = [
  { key: 'stuck', title: 'Stuck hand-overs', empty: 'No message to another department is stuck.', hint: (a) => `Pending after a failed attempt, or for more than ${Math.round(a.stuckAfterSeconds / 60)} minutes.` },
  { key: 'dead', title: 'Dead hand-overs', empty: 'No message was given up.', hint: () => 'Given up after the last attempt: the case waits until someone acts.' },
  { key: 'incidents', title: 'Incidents', empty: 'No activity has failed.', hint: () => 'Activities whose application failed; the case waits at them until they are retried.' },
  { key: 'held', title: 'Packages held for approval', empty: 'No package waits for approval.', hint: () => 'Published by other departments; approve or reject them on the Definitions page.', adminOnly: true },
  { key: 'refused', title: 'Refused messages', empty: 'No message was refused recently.', hint: (a) => `Refused in the last ${a.refusalsSinceHours} hours (signature, not authorised, invalid).`, adminOnly: true },
  { key: 'leases', title: 'Lapsed leases', empty: 'Every binding has a current lease.', hint: (a) => (a.department ? "This department's bindings in the registry whose lease ran out: other departments may stop choosing this engine." : 'Bindings whose lease ran out: their engines stopped renewing them; the hub withdraws them later.') },
];

/** The attention counts as cards; each links to its list. Parts the user may not see, or the server does not have, are left out. */
export function attentionCards(a) {
  return h(
    'div',
    { class: 'cards attention', 'aria-label': 'Needs attention', role: 'group' },
    PARTS.filter((p) => a[p.key]).map((p) => {
      const part = a[p.key];
      const n = part.count;
      const value = n === null ? '?' : String(n);
      return h(
        'div',
        { class: `card ${n === null || n > 0 ? 'warn' : 'ok'}`, 'data-attention': p.key },
        h('h2', {}, p.title),
        h('p', { class: 'big' }, value),
        h('p', {}, n === null ? h('span', { class: 'error' }, `could not be read: ${part.error}`) : link(`/console/attention?show=${p.key}`, n ? `See the ${p.title.toLowerCase()}` : 'None')),
      );
    }),
  );
}

export async function render(ctx) {
  const a = await api.get('/attention');
  const show = ctx.query.get('show');
  const parts = PARTS.filter((p) => a[p.key] && (!show || p.key === show));
  return [
    h('h1', {}, show ? PARTS.find((p) => p.key === show)?.title ?? 'Needs attention' : 'Needs attention'),
    show ? h('p', {}, link('/console/attention', 'Everything that needs attention'), ' · ', link('/console/', 'Overview')) : h('p', {}, link('/console/', 'Overview')),
    ...parts.map((p) => section(p.title, h('p', { class: 'muted' }, p.hint(a)), list(p, a[p.key]))),
  ];
}

function list(p, part) {
  if (part.count === null) return h('p', { class: 'error', role: 'alert' }, `Could not be read: ${part.error}`);
  if (!part.items.length) return h('p', {}, p.empty);
  const more = part.truncated ? h('p', { class: 'muted' }, 'More exist than are listed here.') : null;
  const caseLink = (id) => link(`/console/cases/${encodeURIComponent(id)}`, id);
  switch (p.key) {
    case 'stuck':
    case 'dead':
      return [table(p.title, ['Case', 'Kind', 'To', 'Attempts', 'Created', 'Next attempt', 'Last error'], part.items.map((m) => [caseLink(m.caseId), m.kind, m.destination, String(m.attempts), timeEl(m.createdAt), p.key === 'dead' ? '—' : timeEl(m.nextAttemptAt), m.lastError ?? '—'])), more];
    case 'incidents':
      return [table(p.title, ['Case', 'Process', 'Activity', 'Error'], part.items.map((i) => [caseLink(i.caseId), i.processId, i.activityName ? `${i.activityName} (${i.activityId})` : i.activityId, i.error ?? '—'])), more];
    case 'held':
      return [table(p.title, ['Package', 'From', 'Received', 'Processes'], part.items.map((x) => [x.packageId, x.sender, timeEl(x.receivedAt), x.processes.join(', ') || '—'])), h('p', {}, link('/console/definitions', 'Decide them on the Definitions page')), more];
    case 'refused':
      return [table(p.title, ['When', 'Cause', 'From', 'To', 'Items', 'Reason'], part.items.map((r) => [timeEl(r.at), r.cause, r.sender, r.receiver, r.items.map((i) => `${i.kind} ${i.caseId}`).join(', ') || '—', fmtValue(r.reason)])), more];
    case 'leases':
      return [table(p.title, ['Binding', 'Department', 'Address', 'Lease ran out'], part.items.map((l) => [l.bindingKey, l.department ?? '—', l.accessPoint ?? '—', timeEl(l.lease)])), h('p', {}, link('/console/registry', 'The registry page')), more];
    default:
      return null;
  }
}
