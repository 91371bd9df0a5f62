import { xml, type FieldReader, type XmlFragment } from '../soap';

/**
 * Process data travels as Name/Value text pairs so that every toolkit can send it; the engine
 * converts each value to its field's declared type and refuses what does not fit, naming the field.
 * A Name given more than once is an array field's elements; an Item without Value is null.
 */
export function readDataItems(parent: FieldReader, element = 'Data'): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const list = parent.optionalChild(element);
  if (!list) return data;
  for (const item of list.children('Item')) {
    const name = item.identifier('Name');
    const value = item.optionalString('Value') ?? null;
    if (!Object.prototype.hasOwnProperty.call(data, name)) data[name] = value;
    else data[name] = ([] as unknown[]).concat(data[name], value);
  }
  return data;
}

export function dataItems(data: Record<string, unknown>): XmlFragment[] {
  const out: XmlFragment[] = [];
  for (const [name, value] of Object.entries(data)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      out.push(v === null || v === undefined ? xml`<Item><Name>${name}</Name></Item>` : xml`<Item><Name>${name}</Name><Value>${textOf(v)}</Value></Item>`);
    }
  }
  return out;
}

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
