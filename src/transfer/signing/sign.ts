import { createPrivateKey, randomUUID, type KeyObject } from 'crypto';
import { SignedXml } from 'xml-crypto';
import { BASE64_ENCODING_TYPE, EXC_C14N, RSA_SHA256, SHA256, TRANSFER_NS, WSSE_NS, WSU_NS, X509V3_VALUE_TYPE, XMLNS_NS } from './constants';
import { childElements, ensurePrefix, is, parseStrict, serialize, type XDocument, type XElement, type XNode } from './dom';
import { envelopeParts, idCounts, wsuId } from './envelope';
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
 * Body, Timestamp and TransferHeader (docs/signing.md). Returns the signed envelope.
 */
export function signEnvelope(envelopeXml: string, identity: SigningIdentity, options: SignOptions = {}): string {
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new Error(`signEnvelope: ttlSeconds must be a positive number, not ${ttl}`);
  const created = options.now ?? new Date();
  const expires = new Date(created.getTime() + ttl * 1000);

  const doc = parseStrict(envelopeXml);
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

  // Random ids: no two signatures are ever alike, so re-signing the same payload is never a replay.
  const timestampId = `TS-${randomUUID()}`;
  const tokenId = `X509-${randomUUID()}`;
  const bodyId = giveId(body, 'Body');
  const headerId = giveId(transferHeader, 'TH');

  // Timestamp first, then the token, then the Signature (appended by xml-crypto): a receiver
  // processing the header in order meets each item before anything that refers to it.
  const timestamp = element(doc, security, security.firstChild, WSU_NS, 'wsu', 'Timestamp');
  timestamp.setAttributeNS(WSU_NS, 'wsu:Id', timestampId);
  text(doc, element(doc, timestamp, null, WSU_NS, 'wsu', 'Created'), created.toISOString());
  text(doc, element(doc, timestamp, null, WSU_NS, 'wsu', 'Expires'), expires.toISOString());

  const token = element(doc, security, timestamp.nextSibling, WSSE_NS, 'wsse', 'BinarySecurityToken');
  token.setAttribute('EncodingType', BASE64_ENCODING_TYPE);
  token.setAttribute('ValueType', X509V3_VALUE_TYPE);
  token.setAttributeNS(WSU_NS, 'wsu:Id', tokenId);
  text(doc, token, identity.certificateDer.toString('base64'));

  const counts = idCounts(envelope);
  for (const id of [bodyId, headerId]) {
    if ((counts.get(id) ?? 0) > 1) throw new Error(`signEnvelope: the id "${id}" occurs more than once in the envelope; a verifier would refuse it`);
  }

  const signer = new SignedXml({
    privateKey: keyObjectOf(identity),
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    idMode: 'wssecurity',
    // WS-Security's form: KeyInfo points at the token. Receivers take the key from the registry anyway.
    getKeyInfoContent: () => `<wsse:SecurityTokenReference xmlns:wsse="${WSSE_NS}"><wsse:Reference URI="#${tokenId}" ValueType="${X509V3_VALUE_TYPE}"/></wsse:SecurityTokenReference>`,
  });
  // Paths by position, not //*[@Id=…]: each part was checked to be the only one in its place, and
  // a search of every attribute in the document per Reference would dominate the signing time.
  const inHeader = `/*/*[local-name()='Header' and namespace-uri()='${soapNs}']`;
  const securityPath = `${inHeader}/*[local-name()='Security' and namespace-uri()='${WSSE_NS}']`;
  for (const path of [
    `/*/*[local-name()='Body' and namespace-uri()='${soapNs}']`,
    `${securityPath}/*[local-name()='Timestamp' and namespace-uri()='${WSU_NS}']`,
    `${inHeader}/*[local-name()='TransferHeader' and namespace-uri()='${TRANSFER_NS}']`,
  ]) {
    signer.addReference({ xpath: path, transforms: [EXC_C14N], digestAlgorithm: SHA256 });
  }
  signer.computeSignature(serialize(doc), { prefix: 'ds', location: { reference: securityPath, action: 'append' } });
  return signer.getSignedXml();
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

/** A new element inserted into `parent` before `before` (at the end when null). */
function element(doc: XDocument, parent: XElement, before: XNode | null, namespace: string, prefix: string, localName: string): XElement {
  const created = doc.createElementNS(namespace, `${prefix}:${localName}`);
  parent.insertBefore(created, before);
  if (!ensurePrefix(created, prefix, namespace)) throw new Error(`signEnvelope: the prefix "${prefix}" is bound to another namespace in the envelope`);
  return created;
}

function text(doc: XDocument, parent: XElement, value: string): void {
  parent.appendChild(doc.createTextNode(value));
}

function giveId(target: XElement, label: string): string {
  const existing = wsuId(target);
  if (existing) return existing;
  const id = `${label}-${randomUUID()}`;
  if (!ensurePrefix(target, 'wsu', WSU_NS)) throw new Error('signEnvelope: the prefix "wsu" is bound to another namespace in the envelope');
  target.setAttributeNS(WSU_NS, 'wsu:Id', id);
  return id;
}
