import { createHash, createPrivateKey, createSign, randomUUID, type KeyObject } from 'crypto';
import { SOAP11_ENVELOPE_NS } from '../../services/soap';
import { BASE64_ENCODING_TYPE, DS_NS, EXC_C14N, RSA_SHA256, SHA256, TRANSFER_NS, WSSE_NS, WSU_NS, X509V3_VALUE_TYPE, XMLNS_NS } from './constants';
import { childElements, ensurePrefix, is, parseStrict, serialize, type XDocument, type XElement } from './dom';
import { canonical, envelopeParts, idCounts, wsuId } from './envelope';
import type { SigningIdentity } from './identity';

export interface SignOptions {
  /** The Timestamp's Created (default: the current time). */
  now?: Date;
  /** Created → Expires, default 300 s: the design's freshness window. */
  ttlSeconds?: number;
}

export const DEFAULT_TTL_SECONDS = 300;

// Parsing the PEM on every message would cost more than a small envelope's digests.
const keyObjects = new WeakMap<SigningIdentity, KeyObject>();

/**
 * Signs a SOAP envelope holding a `tr:TransferHeader`: adds (or fills) the `wsse:Security` header
 * with a Timestamp, the sender's certificate as a BinarySecurityToken and an XML signature over
 * Body, Timestamp and TransferHeader (docs/signing.md). Returns the signed envelope. For envelopes
 * written elsewhere (Wf-XML calls, tests): it parses them to find and canonicalise Body and
 * TransferHeader. Transfer messages, which Interflow writes itself, go through signCanonical.
 */
export function signEnvelope(envelopeXml: string, identity: SigningIdentity, options: SignOptions = {}): string {
  const validity = validityOf('signEnvelope', options);

  const doc = parseStrict(lineEndsAsReferences(envelopeXml));
  if (typeof doc === 'string') throw new Error(`signEnvelope: the envelope is not well-formed XML: ${doc}`);
  const parts = envelopeParts(doc);
  if (typeof parts === 'string') throw new Error(`signEnvelope: ${parts}`);
  const { soapNs, envelope, bodies, headers } = parts;
  if (bodies.length !== 1) throw new Error(`signEnvelope: the envelope has ${bodies.length} Body elements; exactly one is required`);
  if (headers.length !== 1) throw new Error(`signEnvelope: the envelope has ${headers.length} Header elements; exactly one, holding tr:TransferHeader, is required`);
  if (parts.transferHeaders.length !== 1) throw new Error(`signEnvelope: the Header has ${parts.transferHeaders.length} {urn:interflow:transfer:1}TransferHeader elements; exactly one is required`);
  if (parts.securities.length > 1) throw new Error('signEnvelope: the Header has more than one wsse:Security');
  const [header] = headers;
  const [body] = bodies;
  const [transferHeader] = parts.transferHeaders;

  const security = parts.securities[0] ?? addSecurity(doc, header);
  for (const child of childElements(security)) {
    if (is(child, WSU_NS, 'Timestamp') || child.localName === 'Signature') throw new Error('signEnvelope: the envelope is already signed (its wsse:Security holds a Timestamp or a Signature)');
  }
  markMustUnderstand(security, envelope, soapNs);

  // Both prefixes bound on Security, as signCanonical writes it, so the items share their text.
  for (const [prefix, namespace] of [['wsse', WSSE_NS], ['wsu', WSU_NS]]) {
    if (!ensurePrefix(security, prefix, namespace)) throw new Error(`signEnvelope: the prefix "${prefix}" is bound to another namespace in the envelope`);
  }
  const bodyId = giveId(body, 'Body');
  const headerId = giveId(transferHeader, 'TransferHeader');
  const counts = idCounts(envelope);
  for (const id of [bodyId, headerId]) {
    if ((counts.get(id) ?? 0) > 1) throw new Error(`signEnvelope: the id "${id}" occurs more than once in the envelope; a verifier would refuse it`);
  }
  const items = securityItems({ Body: [bodyId, canonical(body)], TransferHeader: [headerId, canonical(transferHeader)] }, identity, validity);

  // The items are text (their canonical form, as signCanonical writes them): they take the places
  // of two markers in the serialised envelope, before anything Security held and after it.
  const marker = `interflow-signature-${randomUUID()}`;
  security.insertBefore(doc.createTextNode(`${marker}-first`), security.firstChild);
  security.appendChild(doc.createTextNode(`${marker}-last`));
  // A carriage return reaches the DOM only through a character reference; written raw it would
  // parse back as a line feed and break the digest (https://www.w3.org/TR/xml/#sec-line-ends).
  const serialised = lineEndsAsReferences(serialize(doc).replace(/\r/g, '&#xD;')).split(marker);
  if (serialised.length !== 3) throw new Error('signEnvelope: the envelope holds the signature marker');
  return serialised[0] + items.first + serialised[1].slice('-first'.length) + items.last + serialised[2].slice('-last'.length);
}

/**
 * The canonical text of a transfer message's two signed elements' content, as the sender's code
 * generates it: what signCanonical signs. Each must already be in exclusive-c14n form in its place
 * (text escaped as canonicalText does, no self-closing tags, attributes in c14n order); inside
 * tr:TransferHeader the tr prefix is in scope, inside soap:Body nothing is, so the first element
 * using a namespace declares it. Test: test/transfer/signing/canonical.test.ts.
 */
export interface CanonicalContent {
  /** The children of tr:TransferHeader: MessageId, Sender, Receiver, SentAt (and any others). */
  transferHeader: string;
  /** The children of the SOAP 1.1 Body. */
  body: string;
}

/**
 * Signs a SOAP 1.1 transfer message written from its canonical content, without parsing anything:
 * the Timestamp, TransferHeader and Body are generated as their own exclusive-c14n text, so the
 * bytes written are the bytes digested, and so is the SignedInfo, which is signed as written. The
 * message is the one signEnvelope makes of the same content (same elements, ids and algorithms);
 * only its signed parts and SignedInfo repeat the namespace declarations c14n puts on them.
 * Parsing what was just generated and walking it for c14n cost about as much CPU as the RSA
 * signature itself (bench/signing.ts).
 */
export function signCanonical(content: CanonicalContent, identity: SigningIdentity, options: SignOptions = {}): string {
  const validity = validityOf('signCanonical', options);
  const bodyId = newId('Body');
  const headerId = newId('TransferHeader');
  // Namespace declarations first, by prefix, then the attributes: the order c14n writes them in.
  const body = `<soap:Body xmlns:soap="${SOAP11_ENVELOPE_NS}" xmlns:wsu="${WSU_NS}" wsu:Id="${bodyId}">${content.body}</soap:Body>`;
  const transferHeader = `<tr:TransferHeader xmlns:tr="${TRANSFER_NS}" xmlns:wsu="${WSU_NS}" wsu:Id="${headerId}">${content.transferHeader}</tr:TransferHeader>`;
  const items = securityItems({ Body: [bodyId, body], TransferHeader: [headerId, transferHeader] }, identity, validity);
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}" xmlns:tr="${TRANSFER_NS}"><soap:Header>` +
    `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}" soap:mustUnderstand="1">${items.first}${items.last}</wsse:Security>` +
    `${lineEndsAsReferences(transferHeader)}</soap:Header>${lineEndsAsReferences(body)}</soap:Envelope>`;
}

const XML11_LINE_ENDS = /[\u0085\u2028]/;
const XML11_LINE_END_REFERENCE: Readonly<Record<string, string>> = { '\u0085': '&#x85;', '\u2028': '&#x2028;' };

/**
 * U+0085 and U+2028 are ordinary characters to XML 1.0, but @xmldom/xmldom, whose reading every
 * verifier reproduces (parseStrict), takes them for line ends as XML 1.1 does and reads a line
 * feed: written raw, a value holding one would arrive changed (and the canonical text the sender
 * digested would not be the receiver's). As character references they are read as themselves, by
 * any verifier, so the digest is that of the canonical text, which holds them as they are. They
 * can stand only in text, CDATA and attribute values (neither is a name character); a CDATA section
 * is closed around one, where a reference would be text. A comment or processing instruction, which
 * c14n leaves out, would show the reference.
 */
export function lineEndsAsReferences(xml: string): string {
  if (!XML11_LINE_ENDS.test(xml)) return xml;
  // Comments and processing instructions are passed over whole: c14n leaves them out, and a
  // '<![CDATA[' written inside one is no CDATA section.
  return xml.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|[\u0085\u2028]/g, (m) =>
    m.length === 1 ? XML11_LINE_END_REFERENCE[m] : m.startsWith('<![CDATA[') ? m.replace(/[\u0085\u2028]/g, (c) => `]]>${XML11_LINE_END_REFERENCE[c]}<![CDATA[`) : m,
  );
}

/**
 * What both signers put in wsse:Security, as text: the Timestamp and the token first, the
 * Signature last, so a receiver processing the header in order meets each item before anything
 * that refers to it. The Timestamp and the SignedInfo are written in their exclusive-c14n form,
 * so each is digested or signed as written; Body and TransferHeader come as their canonical text.
 * The Signature is written here rather than by xml-crypto's computeSignature, which finds every
 * reference and the signature's place through XPath searches (a new XPath parser each) and parses
 * the envelope again: ~4/5 of a signature's CPU. Written inside a Security that binds wsse and wsu;
 * ids, algorithm URIs, base64 and dates hold nothing text or an attribute would need to escape.
 */
function securityItems(signed: Record<'Body' | 'TransferHeader', [id: string, canonical: string]>, identity: SigningIdentity, validity: { created: Date; expires: Date }): { first: string; last: string } {
  const timestampId = newId('Timestamp');
  const tokenId = newId('Token');
  const timestamp = `<wsu:Timestamp xmlns:wsu="${WSU_NS}" wsu:Id="${timestampId}"><wsu:Created>${validity.created.toISOString()}</wsu:Created><wsu:Expires>${validity.expires.toISOString()}</wsu:Expires></wsu:Timestamp>`;
  const references = signedOrder({ ...signed, Timestamp: [timestampId, timestamp] })
    .map(([id, text]) => `<ds:Reference URI="#${id}"><ds:Transforms><ds:Transform Algorithm="${EXC_C14N}"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="${SHA256}"></ds:DigestMethod><ds:DigestValue>${digestOf(text)}</ds:DigestValue></ds:Reference>`)
    .join('');
  const signedInfo = `<ds:SignedInfo xmlns:ds="${DS_NS}"><ds:CanonicalizationMethod Algorithm="${EXC_C14N}"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>${references}</ds:SignedInfo>`;
  const signatureValue = createSign('RSA-SHA256').update(signedInfo, 'utf8').sign(keyObjectOf(identity), 'base64');
  return {
    first: `${timestamp}<wsse:BinarySecurityToken EncodingType="${BASE64_ENCODING_TYPE}" ValueType="${X509V3_VALUE_TYPE}" wsu:Id="${tokenId}">${identity.certificateDer.toString('base64')}</wsse:BinarySecurityToken>`,
    // Self-contained, as xml-crypto wrote it: the Signature and its KeyInfo declare their prefixes.
    // WS-Security's form: KeyInfo points at the token. Receivers take the key from the registry anyway.
    last: `<ds:Signature xmlns:ds="${DS_NS}">${signedInfo}<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
      `<ds:KeyInfo><wsse:SecurityTokenReference xmlns:wsse="${WSSE_NS}"><wsse:Reference URI="#${tokenId}" ValueType="${X509V3_VALUE_TYPE}"/></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>`,
  };
}

type SignedPart = 'Body' | 'Timestamp' | 'TransferHeader';

/** The References in the order both signers write them (and docs/signing.md shows). */
function signedOrder<T>(parts: Record<SignedPart, T>): T[] {
  return [parts.Body, parts.Timestamp, parts.TransferHeader];
}

function validityOf(signer: string, options: SignOptions): { created: Date; expires: Date } {
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new Error(`${signer}: ttlSeconds must be a positive number, not ${ttl}`);
  const created = options.now ?? new Date();
  return { created, expires: new Date(created.getTime() + ttl * 1000) };
}

const ID_LABEL: Readonly<Record<SignedPart | 'Token', string>> = { Body: 'Body', Timestamp: 'TS', TransferHeader: 'TH', Token: 'X509' };

/** Random ids: no two signatures are ever alike, so re-signing the same payload is never a replay. */
function newId(part: SignedPart | 'Token'): string {
  return `${ID_LABEL[part]}-${randomUUID()}`;
}

function digestOf(canonicalText: string): string {
  return createHash('sha256').update(canonicalText, 'utf8').digest('base64');
}

function keyObjectOf(identity: SigningIdentity): KeyObject {
  let key = keyObjects.get(identity);
  if (!key) {
    key = createPrivateKey(identity.privateKeyPem);
    keyObjects.set(identity, key);
  }
  return key;
}

function addSecurity(doc: XDocument, header: XElement): XElement {
  const security = doc.createElementNS(WSSE_NS, 'wsse:Security');
  header.insertBefore(security, header.firstChild);
  // Declared on Security itself, whatever the envelope binds these prefixes to outside it, so
  // everything added inside needs no declarations of its own.
  security.setAttributeNS(XMLNS_NS, 'xmlns:wsse', WSSE_NS);
  security.setAttributeNS(XMLNS_NS, 'xmlns:wsu', WSU_NS);
  return security;
}

/** SOAP 1.1 and 1.2 both read "1" as true; the attribute must be in the envelope's namespace. */
function markMustUnderstand(security: XElement, envelope: XElement, soapNs: string): void {
  if (envelope.prefix) {
    security.setAttributeNS(soapNs, `${envelope.prefix}:mustUnderstand`, '1');
  } else {
    // The envelope uses the default namespace, which an attribute cannot; give it a prefix here.
    security.setAttributeNS(XMLNS_NS, 'xmlns:soapenv', soapNs);
    security.setAttributeNS(soapNs, 'soapenv:mustUnderstand', '1');
  }
}

function giveId(target: XElement, part: SignedPart): string {
  const existing = wsuId(target);
  if (existing) return existing;
  const id = newId(part);
  if (!ensurePrefix(target, 'wsu', WSU_NS)) throw new Error('signEnvelope: the prefix "wsu" is bound to another namespace in the envelope');
  target.setAttributeNS(WSU_NS, 'wsu:Id', id);
  return id;
}
