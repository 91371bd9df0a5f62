// DOM helpers. Text always goes in through text nodes and attributes through setAttribute, never
// through innerHTML: whatever a definition, a case or a registry entry holds cannot become markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** h('a', { href }, 'text', child...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function fmtTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function timeEl(value) {
  return value ? h('time', { datetime: new Date(value).toISOString() }, fmtTime(value)) : '';
}

export function stateBadge(state) {
  const cls = state.startsWith('closed.completed') ? 'ok' : state.startsWith('closed.') ? 'bad' : state.includes('suspended') ? 'warn' : 'run';
  return h('span', { class: `badge state-${cls}` }, state);
}

export function fmtValue(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A table with a caption and column headers; rows are arrays of cells (nodes or text). */
export function table(caption, headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))),
  );
}

export function link(href, ...children) {
  return h('a', { href }, ...children);
}

export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/**
 * Department colours: from the department's code alone (twelve classes in the CSS), so a
 * department has the same colour on every server, whatever departments each one knows. `order`
 * is accepted for the callers' sake and not used.
 */
export const DEPT_COLOURS = 12;
export function deptClass(code, _order) {
  if (!code) return 'dept-none';
  return `dept-${hash(code) % DEPT_COLOURS}`;
}

/** "Tax bureau (tax)", "tax", "registry hub" or "" (an engine without a department): whose console this is. */
export function consoleOwner(session) {
  if (session?.role === 'hub') return 'registry hub';
  if (!session?.department) return '';
  return session.departmentName && session.departmentName !== session.department ? `${session.departmentName} (${session.department})` : session.department;
}

export function deptChip(code, order, label) {
  return h('span', { class: `chip ${deptClass(code, order)}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), label ?? code);
}

function hash(text) {
  let n = 0;
  for (const ch of text) n = (n * 31 + ch.codePointAt(0)) >>> 0;
  return n;
}
