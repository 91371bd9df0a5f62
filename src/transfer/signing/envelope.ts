import { SignatureError } from './errors';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS } from '../../services/soap';
import { TRANSFER_NS, WSSE_NS, WSU_NS } from './constants';
import { childElements, childrenNamed, forEachElement, is, parseStrict, TEXT_NODE, type XDocument, type XElement } from './dom';

/** Where the parts that must be signed sit in a SOAP envelope, found by position, never by id. */
export interface EnvelopeParts {
  soapNs: string;
  envelope: XElement;
  headers: XElement[];
  bodies: XElement[];
  /** Children of the (single) Header; empty when there is none or more than one. */
  securities: XElement[];
  transferHeaders: XElement[];
}

/** The envelope's parts, or why the document is not a SOAP envelope. */
export function envelopeParts(doc: XDocument): EnvelopeParts | string {
  const envelope = doc.documentElement!;
  const soapNs = envelope.namespaceURI;
  if (envelope.localName !== 'Envelope' || (soapNs !== SOAP11_ENVELOPE_NS && soapNs !== SOAP12_ENVELOPE_NS)) {
    return `the root element is {${soapNs ?? ''}}${envelope.localName}, not a SOAP 1.1 or 1.2 Envelope`;
  }
  const headers = childrenNamed(envelope, soapNs, 'Header');
  const bodies = childrenNamed(envelope, soapNs, 'Body');
  const header = headers.length === 1 ? headers[0] : undefined;
  return {
    soapNs,
    envelope,
    headers,
    bodies,
    securities: header ? childrenNamed(header, WSSE_NS, 'Security') : [],
    transferHeaders: header ? childrenNamed(header, TRANSFER_NS, 'TransferHeader') : [],
  };
}

export function wsuId(element: XElement): string | undefined {
  return element.getAttributeNodeNS(WSU_NS, 'Id')?.value;
}

/**
 * How many attributes in the document carry each id value. xml-crypto resolves a Reference URI
 * through any attribute named Id, ID or id in any namespace, so uniqueness is counted the same way.
 */
export function idCounts(root: XElement): Map<string, number> {
  const counts = new Map<string, number>();
  forEachElement(root, (element) => {
    const attributes = element.attributes;
    for (let i = 0; i < attributes.length; i++) {
      const attr = attributes[i];
      const local = attr.localName ?? attr.name;
      if (local === 'Id' || local === 'ID' || local === 'id') counts.set(attr.value, (counts.get(attr.value) ?? 0) + 1);
    }
  });
  return counts;
}

/** The canonical form a Reference's digest is computed over (exclusive c14n, no comments). */
export function canonical(element: XElement): string {
  try {
    return new ExclusiveCanonicalization().process(element as never, {}).toString();
  } catch (e) {
    // xml-crypto throws a plain Error for what it cannot canonicalise (a processing instruction
    // in a signed part): that is a malformed message, refused and logged as such, not a crash.
    throw new SignatureError('malformed', `cannot canonicalise ${element.localName}: ${(e as Error).message}`);
  }
}

/**
 * Reads `Sender` from a TransferHeader: its default reading for verifyEnvelope's `senderOf`.
 * Takes the header's XML, so it reads the signed canonical copy the same way as the original.
 */
export function senderOfTransferHeader(transferHeaderXml: string): string {
  return transferHeaderField(transferHeaderXml, 'Sender');
}

/** The text of one tr:TransferHeader child (Sender, Receiver, MessageId, SentAt); throws unless there is exactly one, holding text. */
export function transferHeaderField(transferHeaderXml: string, name: string): string {
  const doc = parseStrict(transferHeaderXml);
  if (typeof doc === 'string') throw new Error(`TransferHeader: ${doc}`);
  const header = doc.documentElement!;
  if (!is(header, TRANSFER_NS, 'TransferHeader')) throw new Error('not a tr:TransferHeader');
  const found = childrenNamed(header, TRANSFER_NS, name);
  if (found.length !== 1) throw new Error(`the TransferHeader has ${found.length} ${name} elements; exactly one is required`);
  if (childElements(found[0]).length > 0) throw new Error(`the TransferHeader ${name} holds elements, not text`);
  const value = (found[0].textContent ?? '').trim();
  if (value === '') throw new Error(`the TransferHeader ${name} is empty`);
  return value;
}

/** The text of an element that must hold text only. */
export function textOnly(element: XElement): string | undefined {
  for (const child of Array.from(element.childNodes)) if (child.nodeType !== TEXT_NODE) return undefined;
  return element.textContent ?? '';
}
