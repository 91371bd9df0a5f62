import { expect } from 'chai';

/**
 * The few members of @xmldom/xmldom's DOM these tests read. The package is loaded with require()
 * because its typings pull the browser's DOM library into the whole program (as src/transfer/signing/dom.ts does).
 */
export interface Element {
  readonly nodeType: number;
  readonly localName: string;
  readonly childNodes: ArrayLike<Element>;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<Element>;
}

export interface Document {
  readonly documentElement: Element | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<Element>;
}

const { DOMParser } = require('@xmldom/xmldom') as {
  DOMParser: new (options: { errorHandler: (level: string, message: string) => void }) => { parseFromString(source: string, mimeType: string): Document };
};

/**
 * Case data must cross SOAP exactly as the caller wrote it. These are the values the round-trip
 * tests send through every operation that carries data: the ones a trimming, normalising or
 * half-decoding reader or writer would change. All are legal in XML 1.0 (a carriage return only
 * as a character reference: a literal one is read as a line feed, as XML says).
 */
export const FIDELITY_VALUES: Readonly<Record<string, string>> = {
  spaces: '  A-1, Rue de la Paix  ',
  onlySpaces: '   ',
  onlyWhitespace: ' \t\r\n \r ',
  tabs: '\tcol 1\tcol 2\t',
  crlf: 'first line\r\nsecond line\r\n',
  cr: 'old Mac\rline\r',
  lf: '\nbetween line feeds\n',
  empty: '',
  markup: `<b class="x">&amp; 'single' "double"</b> ]]> &#xD; &lt; & < >`,
  nonBmp: '😀 𠀀 𝄞 (emoji, CJK extension B, music)',
  lineSeparators: 'NEL\u0085LS\u2028PS\u2029end',
  nbsp: '\u00a0no-break\u00a0',
};

/** A field id per value, so one case carries them all. */
export const fieldOf = (key: string) => `f_${key}`;

/**
 * The sender's own escaping, not Interflow's: & < > as entities, a carriage return and a tab as
 * character references (the forms a .NET or Java serialiser writes), quotes as they are.
 */
export function wireText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;').replace(/\t/g, '&#x9;');
}

/**
 * A reply read by an XML 1.0 parser that is not Interflow's (xmldom). xmldom reads U+0085 and
 * U+2028 as line ends, as XML 1.1 does; as XML 1.0 they are ordinary characters, so they are
 * handed to it as character references (they can only stand in text or attribute values).
 */
export function readXml(text: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ errorHandler: (level, message) => void errors.push(`${level}: ${message}`) }).parseFromString(
    text.replace(/\u0085/g, '&#x85;').replace(/\u2028/g, '&#x2028;'),
    'text/xml',
  );
  expect(errors, `a well-formed reply:\n${text}`).to.deep.equal([]);
  return doc;
}

/** Elements of a document or element by local name, in document order, at any depth. */
export function elements(root: Document | Element, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS('*', localName));
}

/** The child elements of an element, by local name. */
export function children(parent: Element, localName?: string): Element[] {
  return Array.from(parent.childNodes).filter((n) => n.nodeType === 1 && (localName === undefined || n.localName === localName));
}

export function textOfElement(element: Element): string {
  return element.textContent ?? '';
}
