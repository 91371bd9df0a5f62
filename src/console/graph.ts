import ELK from 'elkjs/lib/elk.bundled.js';
import type { ActivityDef, ProcessDefinition, TransitionDef } from '../engine';

/**
 * Process graphs are laid out here, on the server, with ELK's layered algorithm (elkjs), and the
 * browser only draws the result: the console ships no layout code to browsers, the layout is
 * deterministic and testable without a browser, and a definition version never changes, so each
 * layout is computed once and cached.
 */

export type GatewayType = 'and' | 'xor' | 'or' | 'deferred';

export interface GraphNode {
  /** Node id: the activity id, or `<activity>~join` / `<activity>~split` for a task's own gateway. */
  id: string;
  activityId: string;
  shape: 'start' | 'end' | 'task' | 'gateway';
  kind: ActivityDef['kind'];
  gateway?: GatewayType;
  /** What the gateway does: a route activity, or the join/split of a task drawn beside it. */
  role?: 'route' | 'join' | 'split';
  name: string;
  /** The name wrapped for drawing (tasks), at most three lines. */
  lines: string[];
  department?: string;
  performers: string[];
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where to write the name of an event or gateway (below it). */
  label?: Box;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The text wrapped to the box. */
  lines?: string[];
}

export interface GraphEdge {
  id: string;
  transitionId?: string;
  from: string;
  to: string;
  kind: TransitionDef['kind'] | 'internal';
  label?: Box & { text: string };
  /** The routed path, start to end. */
  points: Array<[number, number]>;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Departments performing activities of this process, in order of first appearance. */
  departments: string[];
}

const CHAR_W = 6.6; // ≈ advance of a 12 px sans-serif character
const LABEL_CHAR_W = 6.1; // 11 px
const TASK_MIN_W = 120;
const TASK_MAX_W = 190;
const EVENT = 36;
const GATEWAY = 40;

interface ElkLabel { text: string; width: number; height: number; x?: number; y?: number }
interface ElkNode { id: string; width: number; height: number; x?: number; y?: number; labels?: ElkLabel[]; layoutOptions?: Record<string, string> }
interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: ElkLabel[];
  sections?: Array<{ startPoint: { x: number; y: number }; endPoint: { x: number; y: number }; bendPoints?: Array<{ x: number; y: number }> }>;
}
interface ElkGraph { id: string; layoutOptions: Record<string, string>; children: ElkNode[]; edges: ElkEdge[]; width?: number; height?: number }

const elk = new ELK();

const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '46',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.edgeNodeBetweenLayers': '18',
  'elk.spacing.edgeLabel': '3',
  'elk.spacing.labelNode': '4',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.edgeLabels.sideSelection': 'ALWAYS_UP',
  // Keep the author's order: the first branch stays on top, and a loop back is drawn as the back edge.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.padding': '[top=16,left=16,bottom=16,right=16]',
  // A long process wraps into rows, so it stays readable at full size on a screen instead of
  // shrinking into one very wide line; 2.2 fits a laptop screen.
  'elk.layered.wrapping.strategy': 'SINGLE_EDGE',
  'elk.aspectRatio': '2.2',
};

const cache = new Map<string, Promise<GraphLayout>>();
const CACHE_LIMIT = 200;

/** The layout of one definition version (cached: versions are immutable). */
export function layoutDefinition(def: ProcessDefinition): Promise<GraphLayout> {
  const key = `${def.id}\u0000${def.version ?? 0}`;
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    hit = computeLayout(def);
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

export async function computeLayout(def: ProcessDefinition): Promise<GraphLayout> {
  const nodes = new Map<string, Omit<GraphNode, 'x' | 'y'>>();
  const edges: Array<Omit<GraphEdge, 'points' | 'label'> & { text?: string }> = [];
  const departments: string[] = [];
  const byId = new Map(def.activities.map((a) => [a.id, a]));
  const incoming = new Map<string, number>();
  const outgoing = new Map<string, number>();
  for (const t of def.transitions) {
    incoming.set(t.to, (incoming.get(t.to) ?? 0) + 1);
    outgoing.set(t.from, (outgoing.get(t.from) ?? 0) + 1);
  }

  // A task's own join or split is drawn as a gateway beside it, as BPMN would, so that every
  // split and join is visible whatever the definition's source format put it on.
  const entryOf = new Map<string, string>();
  const exitOf = new Map<string, string>();
  for (const a of def.activities) {
    if (a.department && !departments.includes(a.department)) departments.push(a.department);
    const name = a.name?.trim() || a.id;
    const base = { activityId: a.id, kind: a.kind, name, department: a.department, performers: a.performers };
    if (a.kind === 'start' || a.kind === 'end') {
      nodes.set(a.id, { ...base, id: a.id, shape: a.kind, lines: [], width: EVENT, height: EVENT });
    } else if (a.kind === 'route') {
      const split = a.split !== 'none' ? (a.split as GatewayType) : undefined;
      const join = a.join !== 'none' ? (a.join as GatewayType) : undefined;
      if (split && join && split !== join && (incoming.get(a.id) ?? 0) > 1) addGateway(a, 'join', join);
      nodes.set(a.id, { ...base, id: a.id, shape: 'gateway', gateway: split ?? join ?? 'xor', role: 'route', lines: [], width: GATEWAY, height: GATEWAY });
    } else {
      const lines = wrap(name, 22, 3);
      const width = Math.round(Math.min(TASK_MAX_W, Math.max(TASK_MIN_W, Math.max(...lines.map((l) => l.length)) * CHAR_W + 24)));
      const height = 30 + lines.length * 15 + (a.department || a.performers.length ? 14 : 0) + (a.kind !== 'manual' ? 8 : 0);
      // The join goes first: ELK breaks cycles by model order, so a node's order decides which
      // edge of a loop is drawn as the one going back.
      if (a.join !== 'none' && (incoming.get(a.id) ?? 0) > 1) addGateway(a, 'join', a.join as GatewayType);
      nodes.set(a.id, { ...base, id: a.id, shape: 'task', lines, width, height });
      if (a.split !== 'none' && (outgoing.get(a.id) ?? 0) > 1) addGateway(a, 'split', a.split as GatewayType);
    }
  }

  function addGateway(a: ActivityDef, role: 'join' | 'split', type: GatewayType): void {
    const id = `${a.id}~${role}`;
    nodes.set(id, {
      id,
      activityId: a.id,
      kind: 'route',
      shape: 'gateway',
      gateway: type,
      role,
      name: `${role === 'join' ? 'Join' : 'Split'} of ${a.name?.trim() || a.id}`,
      lines: [],
      department: a.department,
      performers: [],
      width: GATEWAY,
      height: GATEWAY,
    });
    if (role === 'join') {
      entryOf.set(a.id, id);
      edges.push({ id: `${id}~edge`, from: id, to: a.id, kind: 'internal' });
    } else {
      exitOf.set(a.id, id);
      edges.push({ id: `${id}~edge`, from: a.id, to: id, kind: 'internal' });
    }
  }

  for (const t of def.transitions) {
    if (!byId.has(t.from) || !byId.has(t.to)) continue;
    edges.push({ id: t.id, transitionId: t.id, from: exitOf.get(t.from) ?? t.from, to: entryOf.get(t.to) ?? t.to, kind: t.kind, text: transitionLabel(t) });
  }

  const graph: ElkGraph = {
    id: 'root',
    layoutOptions: LAYOUT_OPTIONS,
    children: [...nodes.values()].map((n) => ({
      id: n.id,
      width: n.width,
      height: n.height,
      ...(n.shape !== 'task' && n.role !== 'join' && n.role !== 'split'
        ? { labels: [labelBox(n.name, 16)], layoutOptions: { 'elk.nodeLabels.placement': 'OUTSIDE V_BOTTOM H_CENTER' } }
        : {}),
    })),
    edges: edges.map((e) => ({
      id: e.id,
      sources: [e.from],
      targets: [e.to],
      ...(e.text ? { labels: [labelBox(e.text, 24)] } : {}),
    })),
  };

  const laid = (await elk.layout(graph as never)) as unknown as ElkGraph;
  const placed = new Map(laid.children.map((c) => [c.id, c]));
  const outNodes: GraphNode[] = [...nodes.values()].map((n) => {
    const p = placed.get(n.id)!;
    const node: GraphNode = { ...n, x: round(p.x ?? 0), y: round(p.y ?? 0) };
    const l = p.labels?.[0];
    if (l) node.label = { x: round((p.x ?? 0) + (l.x ?? 0)), y: round((p.y ?? 0) + (l.y ?? 0)), width: round(l.width), height: round(l.height), lines: wrap(n.name, 16, 2) };
    return node;
  });
  const laidEdges = new Map(laid.edges.map((e) => [e.id, e]));
  const outEdges: GraphEdge[] = edges.map(({ text, ...e }) => {
    const le = laidEdges.get(e.id)!;
    const points: Array<[number, number]> = [];
    for (const s of le.sections ?? []) {
      points.push([round(s.startPoint.x), round(s.startPoint.y)]);
      for (const b of s.bendPoints ?? []) points.push([round(b.x), round(b.y)]);
      points.push([round(s.endPoint.x), round(s.endPoint.y)]);
    }
    const l = le.labels?.[0];
    return { ...e, points, ...(text && l ? { label: { text, lines: wrap(text, 24, 2), x: round(l.x ?? 0), y: round(l.y ?? 0), width: round(l.width), height: round(l.height) } } : {}) };
  });
  return { width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0), nodes: outNodes, edges: outEdges, departments };
}

/** A label's box for ELK: the text wrapped to `width` characters, two lines at most. */
function labelBox(text: string, width: number): ElkLabel {
  const lines = wrap(text, width, 2);
  return { text, width: Math.round(Math.max(...lines.map((l) => l.length)) * LABEL_CHAR_W + 6), height: lines.length * 13 + 2 };
}

/** "Both reviews passed: envOk && fireOk", "otherwise", "on Timeout". */
export function transitionLabel(t: TransitionDef): string | undefined {
  const name = t.name?.trim();
  const expr = t.condition?.trim();
  let text: string | undefined;
  switch (t.kind) {
    case 'condition':
      text = name && expr ? `${name}: ${expr}` : (expr ?? name);
      break;
    case 'otherwise':
      text = name ? `${name} (otherwise)` : 'otherwise';
      break;
    case 'exception':
      text = `on ${expr || name || 'exception'}`;
      break;
    default:
      text = name;
  }
  return text && text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Greedy word wrap; a word longer than a line is cut. The last line ends in … when text is left. */
export function wrap(text: string, width: number, maxLines: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    if (w.length > width) w = `${w.slice(0, width - 1)}…`;
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
    if (lines.length === maxLines) {
      const last = lines[maxLines - 1]!;
      lines[maxLines - 1] = last.length >= width ? `${last.slice(0, width - 1)}…` : `${last}…`;
      return lines;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [text.slice(0, width)];
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
