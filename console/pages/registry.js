import { api, ApiError, query } from '../api.js';
import { h, section, deptChip, table, link } from '../dom.js';
import { departmentOrder } from './definitions.js';

export async function render(ctx) {
  const r = await api.get('/registry');
  const order = (await departmentOrder()) ?? r.departments.map((d) => d.code).filter(Boolean).sort();
  const out = [h('h1', {}, 'Registry')];
  if (!r.configured) out.push(h('p', { class: 'notice', role: 'note' }, h('strong', {}, 'The registry is not configured on this server. '), r.note));
  else if (r.note) out.push(h('p', { class: 'notice', role: 'note' }, r.note));

  out.push(section(`Departments (${r.departments.length})`, r.departments.length ? h('div', { class: `departments${r.configured ? ' with-registry' : ''}` }, r.departments.map((d) => department(d, order))) : h('p', {}, 'No department is registered or named by a definition.')));

  out.push(
    section(
      'This engine',
      h('p', {}, `Address ${r.engine.address}; `, r.engine.department ? `department ${r.engine.department}.` : 'no department of its own (it performs every department\'s activities).'),
      table(
        'SOAP services of this engine',
        ['Service', 'Path', 'Contract', 'Operations'],
        r.engine.services.map((svc) => [
          svc.name,
          h('code', {}, svc.path),
          svc.wsdlUrl ? h('a', { href: svc.wsdlUrl, target: '_blank', rel: 'noopener' }, 'raw ?wsdl') : h('span', { class: 'muted' }, 'one per case or call'),
          wsdlToggle(`local-${svc.name}-${svc.path}`, query({ local: svc.name })),
        ]),
        { class: 'services' },
      ),
    ),
  );
  return out;
}

function department(d, order) {
  const body = [
    h('h3', {}, d.name, ' ', d.code ? deptChip(d.code, order) : ''),
    h('p', { class: 'tags' }, d.registered ? h('span', { class: 'badge state-ok' }, 'registered') : h('span', { class: 'badge state-warn' }, 'not registered'), d.inDefinitions ? h('span', { class: 'badge' }, 'named by definitions') : ''),
  ];
  if (d.description) body.push(h('p', {}, d.description));
  const facts = [];
  if (d.businessKey) facts.push(['businessKey', h('code', {}, d.businessKey)]);
  if (d.capabilities.length) facts.push(['Capabilities', d.capabilities.join(', ')]);
  if (d.certificates.length) {
    facts.push([
      'Signing certificate',
      ...d.certificates.map((c) => (c.problem ? h('span', { class: 'error' }, c.problem) : h('span', { class: 'cert' }, 'SHA-256 ', h('code', { class: 'fingerprint', 'data-fingerprint': c.fingerprint }, c.fingerprint), c.subject ? h('span', { class: 'muted' }, ` ${c.subject}`) : '', c.validTo ? h('span', { class: 'muted' }, `, valid to ${c.validTo.slice(0, 10)}`) : ''))),
    ]);
  }
  if (facts.length) body.push(h('dl', { class: 'facts' }, facts.map(([k, ...v]) => [h('dt', {}, k), h('dd', {}, ...v)])));
  if (d.performs.length) {
    body.push(
      h('h4', {}, 'Performs'),
      h('ul', { class: 'plain' }, d.performs.map((p) => h('li', {}, link(`/console/definitions/${encodeURIComponent(p.processId)}/latest`, p.processName ?? p.processId), ': ', p.activities.map((a) => a.name ?? a.id).join(', ')))),
    );
  }
  const rows = d.services.flatMap((svc) =>
    (svc.bindings.length ? svc.bindings : [null]).map((b) => [
      h('span', {}, svc.name, svc.type ? h('span', { class: 'badge' }, svc.type) : '', svc.capabilities.length ? h('span', { class: 'muted small' }, h('br'), `performs ${svc.capabilities.join(', ')}`) : ''),
      b?.accessPoint ? h('code', {}, b.accessPoint) : h('span', { class: 'muted' }, 'no binding'),
      b?.lease ? h('span', { class: `badge ${b.leaseExpired ? 'state-bad' : 'state-ok'}`, 'data-lease': b.leaseExpired ? 'expired' : 'live' }, `${b.leaseExpired ? 'expired' : 'alive until'} ${b.lease.replace('T', ' ').slice(0, 19)}`) : h('span', { class: 'muted' }, b ? 'no lease' : ''),
      b?.wsdlUrl ? [h('a', { href: b.wsdlUrl, target: '_blank', rel: 'noopener' }, 'raw ?wsdl'), ' ', wsdlToggle(`binding-${b.bindingKey}`, query({ binding: b.bindingKey }))] : h('span', { class: 'muted' }, '—'),
    ]),
  );
  if (rows.length) body.push(table(`Services and bindings of ${d.name}`, ['Service', 'Access point', 'Lease', 'Contract'], rows, { class: 'bindings' }));
  return h('article', { class: `department ${d.registered ? '' : 'unregistered'}`, 'data-department': d.code ?? d.name }, body);
}

/** A button that loads a contract's operations below itself (the server reads and parses the WSDL). */
function wsdlToggle(key, q) {
  const panel = h('div', { class: 'wsdl', hidden: true, id: `wsdl-${key.replace(/[^A-Za-z0-9_-]/g, '_')}` });
  let loaded = false;
  const button = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': panel.id }, 'Show operations');
  button.addEventListener('click', async () => {
    const open = button.getAttribute('aria-expanded') === 'true';
    button.setAttribute('aria-expanded', String(!open));
    button.textContent = open ? 'Show operations' : 'Hide operations';
    panel.hidden = open;
    if (open || loaded) return;
    loaded = true;
    panel.append(h('p', { class: 'muted' }, 'Reading the contract…'));
    try {
      const w = await api.get(`/wsdl${q}`);
      panel.replaceChildren(...wsdlView(w));
    } catch (e) {
      loaded = false;
      panel.replaceChildren(h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : String(e)));
    }
  });
  return h('div', { class: 'wsdl-toggle' }, button, panel);
}

function wsdlView(w) {
  const out = [];
  if (w.documentation) out.push(h('p', {}, w.documentation));
  if (w.targetNamespace) out.push(h('p', { class: 'muted' }, 'namespace ', h('code', {}, w.targetNamespace)));
  out.push(
    h(
      'ul',
      { class: 'operations' },
      w.operations.map((op) =>
        h(
          'li',
          {},
          h(
            'details',
            {},
            h('summary', {}, h('code', {}, op.name), op.documentation ? h('span', { class: 'muted' }, ` — ${op.documentation}`) : ''),
            message('Input', op.input),
            message('Output', op.output),
            op.faults.length ? h('p', {}, 'Faults: ', op.faults.join(', ')) : '',
          ),
        ),
      ),
    ),
  );
  for (const warning of w.warnings ?? []) out.push(h('p', { class: 'notice' }, warning));
  return out;
}

function message(title, m) {
  if (!m) return h('p', { class: 'muted' }, `${title}: none`);
  return h('div', { class: 'message' }, h('p', {}, h('strong', {}, `${title}`), m.element ? [' ', h('code', {}, m.element)] : ''), m.fields.length ? fieldList(m.fields) : h('p', { class: 'muted' }, 'no fields'));
}

function fieldList(fields) {
  return h(
    'ul',
    { class: 'fields' },
    fields.map((f) => h('li', {}, h('code', {}, f.name), ' ', h('span', { class: 'type' }, f.type), ' ', h('span', { class: 'occurs' }, occurs(f)), f.fields ? fieldList(f.fields) : '')),
  );
}

function occurs(f) {
  if (f.min === 1 && f.max === '1') return '';
  if (f.min === 0 && f.max === '1') return 'optional';
  return `${f.min}..${f.max === 'unbounded' ? '*' : f.max}`;
}
