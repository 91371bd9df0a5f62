// Draws a process graph the server has laid out (src/console/graph.ts): positions come from ELK,
// this only turns them into SVG. With `statuses` (a case), each activity shows where it stands.
import { h, s, deptClass, deptChip } from './dom.js';

let uid = 0;

const STATE_TEXT = {
  done: 'done',
  active: 'in progress',
  transferred: 'handed to another department',
  waiting: 'waiting (join)',
  failed: 'failed (incident)',
  idle: 'not reached',
};

/**
 * @param layout  GraphLayout from the API
 * @param options { order: department order, statuses?: ActivityStatus[], title: string }
 */
export function renderGraph(layout, options) {
  const id = `g${++uid}`;
  const order = options.order ?? [];
  const status = new Map((options.statuses ?? []).map((st) => [st.activityId, st]));
  const live = status.size > 0;

  const svg = s('svg', {
    class: 'graph',
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    'data-graph': 'process',
  });
  svg.append(
    s('title', { id: `${id}-title` }, options.title),
    s('desc', { id: `${id}-desc` }, describe(layout, status)),
    s(
      'defs',
      {},
      s('marker', { id: `${id}-arrow`, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })),
      s('marker', { id: `${id}-arrow-taken`, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead taken' })),
    ),
  );

  const nodeState = (n) => status.get(n.activityId)?.state ?? 'idle';
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));

  const edges = s('g', { class: 'edges' });
  const labels = s('g', { class: 'edge-labels' });
  for (const e of layout.edges) {
    if (!e.points.length) continue;
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    const taken = live && from && to && nodeState(from) === 'done' && nodeState(to) !== 'idle';
    const d = e.points.map(([x, y], i) => `${i ? 'L' : 'M'}${x},${y}`).join(' ');
    edges.append(
      s('path', {
        d,
        class: `edge kind-${e.kind}${taken ? ' taken' : ''}`,
        'marker-end': `url(#${id}-arrow${taken ? '-taken' : ''})`,
        'data-edge': e.transitionId ?? e.id,
      }),
    );
    if (e.label) labels.append(textBox(e.label, `edge-label kind-${e.kind}`, { 'data-edge-label': e.transitionId ?? e.id }));
  }

  const nodes = s('g', { class: 'nodes' });
  for (const n of layout.nodes) {
    const st = status.get(n.activityId);
    const state = live ? nodeState(n) : undefined;
    const g = s('g', {
      class: `node shape-${n.shape} ${deptClass(n.department, order)}${state ? ` st-${state}` : ''}`,
      'data-activity': n.activityId,
      'data-node': n.id,
      ...(state ? { 'data-state': state } : {}),
    });
    const tip = [n.name, n.department ? `department ${n.department}` : '', n.performers.length ? `performed by ${n.performers.join(', ')}` : '', state ? STATE_TEXT[state] : '', st?.completed > 1 ? `completed ${st.completed} times` : '']
      .filter(Boolean)
      .join(' — ');
    g.append(s('title', {}, tip));
    if (n.shape === 'start' || n.shape === 'end') {
      const r = n.width / 2;
      g.append(s('circle', { cx: n.x + r, cy: n.y + r, r: r - (n.shape === 'end' ? 2 : 1), class: 'shape' }));
    } else if (n.shape === 'gateway') {
      const cx = n.x + n.width / 2;
      const cy = n.y + n.height / 2;
      const r = n.width / 2;
      g.append(s('polygon', { points: `${cx},${cy - r} ${cx + r},${cy} ${cx},${cy + r} ${cx - r},${cy}`, class: 'shape' }));
      g.append(gatewaySymbol(n.gateway, cx, cy));
    } else {
      g.append(s('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: 8, class: 'shape' }));
      let y = n.y + 20;
      if (n.kind !== 'manual') {
        g.append(s('text', { x: n.x + 8, y: n.y + 12, class: 'kind' }, n.kind));
        y += 8;
      }
      for (const line of n.lines) {
        g.append(s('text', { x: n.x + n.width / 2, y, class: 'name', 'text-anchor': 'middle' }, line));
        y += 15;
      }
      const who = [n.department, n.performers.filter((p) => p !== n.department).join(', ')].filter(Boolean).join(' · ');
      if (who) g.append(s('text', { x: n.x + n.width / 2, y: n.y + n.height - 8, class: 'who', 'text-anchor': 'middle' }, who.length > 28 ? `${who.slice(0, 27)}…` : who));
    }
    if (n.label) g.append(textBox(n.label, 'node-label'));
    if (state && state !== 'idle' && n.id === n.activityId) g.append(stateMark(state, n));
    nodes.append(g);
  }
  svg.append(edges, nodes, labels);

  // Zoom: fit to the frame, or actual size with scrolling (text stays readable).
  const frame = h('div', { class: 'graph-frame', tabindex: '0', role: 'region', 'aria-label': `${options.title}, scrollable` }, svg);
  let scale = 1;
  const apply = () => {
    svg.setAttribute('width', String(Math.round(layout.width * scale)));
    svg.setAttribute('height', String(Math.round(layout.height * scale)));
    zoomText.textContent = `${Math.round(scale * 100)} %`;
  };
  const fit = () => {
    const available = frame.clientWidth - 4;
    scale = available > 0 ? Math.min(1, available / layout.width) : 1;
    apply();
  };
  const zoomText = h('span', { class: 'zoom', 'aria-live': 'polite' });
  const tools = h(
    'div',
    { class: 'graph-tools' },
    h('button', { type: 'button', onclick: () => { scale = Math.max(0.3, scale / 1.25); apply(); } }, 'Zoom out'),
    h('button', { type: 'button', onclick: () => { scale = Math.min(2.5, scale * 1.25); apply(); } }, 'Zoom in'),
    h('button', { type: 'button', onclick: fit }, 'Fit'),
    h('button', { type: 'button', onclick: () => { scale = 1; apply(); } }, 'Actual size'),
    zoomText,
  );
  apply();
  // Fit once it is in the page, unless that would make the text too small to read.
  requestAnimationFrame(() => {
    const available = frame.clientWidth - 4;
    if (available > 0 && available < layout.width && available / layout.width >= 0.7) fit();
  });

  const legend = h('div', { class: 'legend', 'aria-label': 'Legend' });
  if (layout.departments.length) legend.append(h('span', { class: 'legend-title' }, 'Departments:'), ...layout.departments.map((d) => deptChip(d, order)));
  if (live) {
    legend.append(
      h('span', { class: 'legend-title' }, 'State:'),
      ...['done', 'active', 'transferred', 'waiting', 'failed'].map((st) => h('span', { class: `chip legend-state st-${st}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), STATE_TEXT[st])),
    );
  }
  return h('figure', { class: 'graph-figure' }, tools, frame, legend);
}

function textBox(box, cls, attrs = {}) {
  const lines = box.lines ?? [box.text ?? ''];
  const g = s('g', { class: cls, ...attrs });
  g.append(s('rect', { x: box.x - 2, y: box.y - 1, width: box.width + 4, height: box.height + 2, rx: 3, class: 'label-bg' }));
  lines.forEach((line, i) => g.append(s('text', { x: box.x + box.width / 2, y: box.y + 11 + i * 13, 'text-anchor': 'middle' }, line)));
  return g;
}

function gatewaySymbol(type, cx, cy) {
  const k = 8;
  switch (type) {
    case 'and':
      return s('path', { d: `M${cx - k},${cy} L${cx + k},${cy} M${cx},${cy - k} L${cx},${cy + k}`, class: 'symbol' });
    case 'xor':
      return s('path', { d: `M${cx - k + 2},${cy - k + 2} L${cx + k - 2},${cy + k - 2} M${cx + k - 2},${cy - k + 2} L${cx - k + 2},${cy + k - 2}`, class: 'symbol' });
    case 'or':
      return s('circle', { cx, cy, r: k - 1, class: 'symbol hollow' });
    default:
      return s('g', {}, s('circle', { cx, cy, r: k, class: 'symbol hollow thin' }), s('circle', { cx, cy, r: k - 3, class: 'symbol hollow thin' }));
  }
}

function stateMark(state, n) {
  const cx = n.shape === 'task' ? n.x + n.width - 4 : n.x + n.width - 2;
  const cy = n.y + 4;
  const g = s('g', { class: `mark mark-${state}`, 'aria-hidden': 'true' }, s('circle', { cx, cy, r: 8 }));
  if (state === 'done') g.append(s('path', { d: `M${cx - 4},${cy} L${cx - 1},${cy + 3} L${cx + 4},${cy - 3}`, class: 'icon' }));
  else if (state === 'active') g.append(s('circle', { cx, cy, r: 3, class: 'icon-fill' }));
  else if (state === 'waiting') g.append(s('path', { d: `M${cx - 2},${cy - 4} L${cx - 2},${cy + 4} M${cx + 2},${cy - 4} L${cx + 2},${cy + 4}`, class: 'icon' }));
  else if (state === 'transferred') g.append(s('path', { d: `M${cx - 4},${cy} L${cx + 4},${cy} M${cx + 1},${cy - 3} L${cx + 4},${cy} L${cx + 1},${cy + 3}`, class: 'icon' }));
  else if (state === 'failed') g.append(s('path', { d: `M${cx},${cy - 4} L${cx},${cy + 1} M${cx},${cy + 3} L${cx},${cy + 4}`, class: 'icon' }));
  return g;
}

function describe(layout, status) {
  const tasks = layout.nodes.filter((n) => n.id === n.activityId && n.shape === 'task').length;
  const gateways = layout.nodes.filter((n) => n.shape === 'gateway').length;
  let text = `${tasks} activities, ${gateways} gateways, ${layout.edges.filter((e) => e.transitionId).length} transitions`;
  if (layout.departments.length) text += `; departments ${layout.departments.join(', ')}`;
  if (status.size) {
    const now = [...status.values()].filter((st) => st.state !== 'idle' && st.state !== 'done').map((st) => `${st.activityId} ${STATE_TEXT[st.state]}`);
    if (now.length) text += `; now: ${now.join(', ')}`;
  }
  return `${text}. The table after the graph lists the same activities.`;
}
