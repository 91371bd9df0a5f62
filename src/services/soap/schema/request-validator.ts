import { ATTRIBUTES_KEY, TEXT_KEY, type SoapNode } from '../envelope-parser';
import { fieldFault } from '../soap-fault';
import type { ComplexType, ElementParticle, Particle, SchemaType, SimpleType } from './xsd-model';
import { checkSimple, describeSimple } from './simple-types';

/**
 * Checks a parsed request element (SoapNode: children by local name, in document order of first
 * appearance) against its compiled schema type, and throws a Client fault that names the element
 * by path (StartProcess/Data/Item[2]/Valu) and says what was expected. What the parsed tree cannot
 * tell — the namespace of child elements, a repeated element interleaved with another — is listed
 * with the other tolerances in docs/contract.md.
 */
export function validateElement(type: SchemaType, value: unknown, path: string): void {
  if (type.kind === 'simple') {
    simpleValue(type, value, path);
    return;
  }
  complexValue(type, value, path);
}

interface Group {
  name: string;
  values: unknown[];
}

function isNil(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const attrs = (value as SoapNode)[ATTRIBUTES_KEY] as Record<string, string> | undefined;
  return attrs !== undefined && (attrs.nil === 'true' || attrs.nil === '1');
}

function simpleValue(type: SimpleType, value: unknown, path: string): void {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    const node = value as SoapNode;
    for (const key in node) {
      if (key !== ATTRIBUTES_KEY && key !== TEXT_KEY) throw fieldFault(path, `expected text (${describeSimple(type)}), got the child element <${key}>`);
    }
    text = typeof node[TEXT_KEY] === 'string' ? (node[TEXT_KEY] as string) : '';
  }
  const problem = checkSimple(type, text);
  if (problem !== undefined) throw fieldFault(path, problem);
}

function complexValue(type: ComplexType, value: unknown, path: string): void {
  const groups: Group[] = [];
  if (typeof value === 'string') {
    if (type.simple) {
      simpleValue(type.simple, value, path);
      return;
    }
    if (!type.textAllowed && value.trim() !== '') throw fieldFault(path, `expected ${expectation(type)}, got the text "${truncate(value.trim())}"`);
  } else if (value !== null && typeof value === 'object') {
    const node = value as SoapNode;
    if (type.simple) {
      simpleValue(type.simple, node, path);
      return;
    }
    for (const key in node) {
      if (key === ATTRIBUTES_KEY) continue;
      if (key === TEXT_KEY) {
        const text = node[TEXT_KEY] as string;
        if (!type.textAllowed && text.trim() !== '') throw fieldFault(path, `expected ${expectation(type)}, got the text "${truncate(text.trim())}"`);
        continue;
      }
      const v = node[key];
      groups.push({ name: key, values: Array.isArray(v) ? v : [v] });
    }
  }
  if (!type.wildcard) {
    for (const g of groups) {
      if (!type.names.includes(g.name)) {
        throw fieldFault(`${path}/${g.name}`, type.names.length ? `unexpected element; expected one of: ${type.names.join(', ')}` : `unexpected element; ${path} has no child elements`);
      }
    }
  }
  const next = type.content ? match(type.content, groups, 0, path, type) : 0;
  if (next < groups.length) {
    const g = groups[next];
    throw fieldFault(`${path}/${g.name}`, `is out of order; ${path} holds ${order(type)}`);
  }
}

/** Matches `p` against the groups from index i; returns the index after what it consumed. */
function match(p: Particle, groups: Group[], i: number, path: string, owner: ComplexType): number {
  switch (p.kind) {
    case 'element':
      return matchElement(p, groups, i, path, owner);
    case 'any': {
      // lax: consumes names the owner does not declare itself; their content is not checked
      let n = 0;
      while (i < groups.length && n < p.max && !owner.names.includes(groups[i].name)) {
        i++;
        n++;
      }
      return i;
    }
    case 'sequence': {
      let reps = 0;
      while (reps < p.max) {
        const start = i;
        if (reps >= p.min && (i >= groups.length || !firstNames(p).has(groups[i].name))) break;
        for (const item of p.items) i = match(item, groups, i, path, owner);
        reps++;
        if (i === start) break;
      }
      return i;
    }
    case 'choice': {
      let reps = 0;
      while (reps < p.max && i < groups.length) {
        const alternative = p.items.find((item) => firstNames(item).has(groups[i].name));
        if (!alternative) break;
        i = match(alternative, groups, i, path, owner);
        reps++;
      }
      if (reps < p.min && !p.items.some(emptiable)) {
        throw fieldFault(path, `is missing one of: ${[...firstNames(p)].join(', ')}`);
      }
      return i;
    }
    case 'all': {
      const seen = new Set<string>();
      while (i < groups.length) {
        const item = p.items.find((it) => it.kind === 'element' && it.name === groups[i].name) as ElementParticle | undefined;
        if (!item || seen.has(item.name)) break;
        seen.add(item.name);
        i = matchElement(item, groups, i, path, owner);
      }
      for (const item of p.items) {
        if (item.kind === 'element' && item.min > 0 && !seen.has(item.name) && p.min > 0) throw missing(item, path, groups);
      }
      return i;
    }
  }
}

function matchElement(p: ElementParticle, groups: Group[], i: number, path: string, owner: ComplexType): number {
  const g = i < groups.length && groups[i].name === p.name ? groups[i] : undefined;
  if (!g) {
    if (p.min > 0) throw missing(p, path, groups, owner);
    return i;
  }
  let present = 0;
  for (const v of g.values) if (!isNil(v)) present++;
  if (present > p.max) throw fieldFault(`${path}/${p.name}`, `appears ${present} times; expected at most ${p.max === 1 ? 'once' : `${p.max} times`}`);
  if (present < p.min) {
    throw fieldFault(`${path}/${p.name}`, present === 0 ? `is nil; expected ${expectation(p.type)}` : `appears ${present} times; expected at least ${p.min}`);
  }
  const indexed = g.values.length > 1;
  for (let k = 0; k < g.values.length; k++) {
    const v = g.values[k];
    if (isNil(v)) continue;
    validateElement(p.type, v, indexed ? `${path}/${p.name}[${k + 1}]` : `${path}/${p.name}`);
  }
  return i + 1;
}

function missing(p: ElementParticle, path: string, groups: Group[], owner?: ComplexType): Error {
  if (owner && groups.some((g) => g.name === p.name)) return fieldFault(`${path}/${p.name}`, `is out of order; ${path} holds ${order(owner)}`);
  return fieldFault(`${path}/${p.name}`, `is missing; expected ${expectation(p.type)}`);
}

const firstCache = new WeakMap<Particle, Set<string>>();

/** The element names a particle can start with. */
function firstNames(p: Particle): Set<string> {
  let names = firstCache.get(p);
  if (names) return names;
  names = new Set();
  if (p.kind === 'element') names.add(p.name);
  else if (p.kind === 'sequence') {
    for (const item of p.items) {
      for (const n of firstNames(item)) names.add(n);
      if (!emptiable(item)) break;
    }
  } else if (p.kind === 'choice' || p.kind === 'all') for (const item of p.items) for (const n of firstNames(item)) names.add(n);
  firstCache.set(p, names);
  return names;
}

function emptiable(p: Particle): boolean {
  if (p.min === 0) return true;
  if (p.kind === 'element' || p.kind === 'any') return false;
  if (p.kind === 'choice') return p.items.some(emptiable);
  return p.items.every(emptiable);
}

function expectation(type: SchemaType): string {
  if (type.kind === 'simple') return describeSimple(type);
  if (type.simple) return describeSimple(type.simple);
  if (!type.content || type.names.length === 0) {
    if (type.wildcard) return type.label ? `an element of ${type.label} (any content)` : 'an element (any content)';
    return type.label ? `an empty element (${type.label})` : 'an empty element';
  }
  return type.label ? `${type.label} holding ${order(type)}` : `child elements: ${order(type)}`;
}

/** "ProcessDefinitionId, Subject (optional), Data in this order" */
function order(type: ComplexType): string {
  const parts: string[] = [];
  describeParticle(type.content, parts);
  return parts.length ? `${parts.join(', ')}${parts.length > 1 ? ' in this order' : ''}` : 'no child elements';
}

function describeParticle(p: Particle | undefined, parts: string[]): void {
  if (!p) return;
  if (p.kind === 'element') {
    parts.push(p.name + (p.min === 0 && p.max === 1 ? ' (optional)' : p.max > 1 ? (p.min === 0 ? ' (any number)' : ' (one or more)') : ''));
  } else if (p.kind === 'any') parts.push('any elements');
  else if (p.kind === 'choice') parts.push(`one of (${p.items.map((i) => { const sub: string[] = []; describeParticle(i, sub); return sub.join(', '); }).join(' | ')})`);
  else for (const item of p.items) describeParticle(item, parts);
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
