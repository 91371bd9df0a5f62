/**
 * Building reply XML by string concatenation is fast, and safe only if every value is escaped.
 * The `xml` tag escapes every interpolated value unless it is itself a fragment built with `xml`,
 * so a handler cannot forget.
 */

export class XmlFragment {
  constructor(readonly xml: string) {}
  toString(): string {
    return this.xml;
  }
}

// XML 1.0 cannot carry these characters at all, not even as character references; a value holding
// one would make the whole reply unreadable to the caller's parser.
const ILLEGAL_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"'\r]/g;
const REPLACEMENT: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

// Anything either replacement below could touch; most values have none and are returned as they are.
const NEEDS_WORK = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/** Escapes text for element content and attribute values alike. */
export function escapeXml(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return value.replace(ILLEGAL_XML_CHARS, '\uFFFD').replace(SPECIAL, (c) => REPLACEMENT[c]);
}

const CANONICAL_TEXT_SPECIAL = /[&<>\r]/g;
const CANONICAL_TEXT_REPLACEMENT: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const CANONICAL_TEXT_NEEDS_WORK = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/**
 * Escapes element content exactly as canonical XML writes it (https://www.w3.org/TR/xml-c14n#ProcessingModel):
 * & < > and carriage return only, quotes left as they are, so text built with it is already its
 * own canonical form and can be digested without being parsed. Characters XML cannot carry are
 * replaced as escapeXml replaces them. Not for attribute values, where c14n escapes other characters.
 * U+0085 and U+2028 stay as they are, as c14n leaves them; the signer writes them on the wire as
 * character references (src/transfer/signing, lineEndsAsReferences).
 */
export function canonicalText(value: string): string {
  if (!CANONICAL_TEXT_NEEDS_WORK.test(value)) return value;
  return value.replace(ILLEGAL_XML_CHARS, '\uFFFD').replace(CANONICAL_TEXT_SPECIAL, (c) => CANONICAL_TEXT_REPLACEMENT[c]);
}

/** Trusted XML (a file, another fragment) inserted as is. */
export function rawXml(value: string): XmlFragment {
  return new XmlFragment(value);
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof XmlFragment) return value.xml;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/** Tagged template: xml`<a>${text}</a>`; `undefined`, `null` and `false` render as nothing. */
export function xml(strings: TemplateStringsArray, ...values: unknown[]): XmlFragment {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new XmlFragment(out);
}

/** `<name>value</name>`, or nothing when the value is absent: optional elements in one call. */
export function optionalElement(name: string, value: unknown): XmlFragment {
  if (value === undefined || value === null) return new XmlFragment('');
  return new XmlFragment(`<${name}>${render(value)}</${name}>`);
}
