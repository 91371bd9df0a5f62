/**
 * A minimal XML element tree and serialiser for the exporter. XPDL's schema is a strict
 * xsd:sequence almost everywhere, so the exporter needs exact control over element order, which
 * is simpler to get right by building the tree by hand than through an object-to-XML mapper.
 */

export interface XmlElement {
  name: string;
  attributes: Array<[string, string]>;
  children: XmlElement[];
  text?: string;
}

type Content = XmlElement | string | undefined | false | null | Content[];

/**
 * `el('xpdl:Performer', {}, 'clerk')`. Attributes whose value is undefined are left out; child
 * entries that are undefined/false/null are skipped, so optional parts read inline.
 */
export function el(name: string, attributes: Record<string, string | undefined> = {}, ...content: Content[]): XmlElement {
  const element: XmlElement = {
    name,
    attributes: Object.entries(attributes).filter((entry): entry is [string, string] => entry[1] !== undefined),
    children: [],
  };
  const add = (item: Content): void => {
    if (item === undefined || item === false || item === null) return;
    if (Array.isArray(item)) item.forEach(add);
    else if (typeof item === 'string') element.text = (element.text ?? '') + item;
    else element.children.push(item);
  };
  content.forEach(add);
  return element;
}

// XML 1.0 cannot carry these code points at all, not even as character references.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checked(value: string, where: string): string {
  if (FORBIDDEN.test(value)) {
    throw new Error(`${where} contains a control character that XML 1.0 cannot represent`);
  }
  return value;
}

/** A carriage return too: written raw, every XML parser would read it as a line feed. */
export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Tabs and line breaks become character references: a parser would otherwise turn them into spaces. */
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

export function serialise(root: XmlElement): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const write = (element: XmlElement, depth: number): void => {
    const indent = '  '.repeat(depth);
    const attributes = element.attributes
      .map(([name, value]) => ` ${name}="${escapeAttribute(checked(value, `Attribute ${name} of ${element.name}`))}"`)
      .join('');
    const open = `${indent}<${element.name}${attributes}`;
    if (element.children.length === 0) {
      lines.push(element.text === undefined || element.text === '' ? `${open}/>` : `${open}>${escapeText(checked(element.text, element.name))}</${element.name}>`);
      return;
    }
    // Elements with children never carry text in what the exporter writes (no mixed content).
    lines.push(`${open}>`);
    for (const c of element.children) write(c, depth + 1);
    lines.push(`${indent}</${element.name}>`);
  };
  write(root, 0);
  return `${lines.join('\n')}\n`;
}
