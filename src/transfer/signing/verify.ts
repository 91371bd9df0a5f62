import { createHash, createVerify, X509Certificate, type KeyObject } from 'crypto';
import { DS_NS, EXC_C14N, RSA_SHA256, SHA256, TRANSFER_NS, WSSE_NS, WSU_NS } from './constants';
import { childElements, childrenNamed, forEachElement, is, parseStrict, type XElement } from './dom';
import { canonical, envelopeParts, idCounts, senderOfTransferHeader, textOnly, transferHeaderField, wsuId } from './envelope';
import { SignatureError } from './errors';
import type { ReplayCacheLike } from './replay-cache';

export interface VerifyOptions {
  /**
   * The trust store: the PEM certificate(s) the registry holds for a department, undefined when it
   * holds none. Several during a key rollover. A rejection (registry unreachable) is passed on as
   * is, not turned into a SignatureError: the sender should retry, not be told it is unknown.
   */
  certificateFor: (department: string) => Promise<string | readonly string[] | undefined>;
  /**
   * Reads the sender's department code from a TransferHeader's XML (default: its tr:Sender). It is
   * called on the header in the envelope, to choose the certificate, and again on the signed copy
   * after verification; both readings must agree.
   */
  senderOf?: (transferHeaderXml: string) => string;
  now?: Date;
  /** Clock difference tolerated between departments, default 60 s. */
  maxSkewSeconds?: number;
  /** Longest accepted time since Created, whatever Expires says, default 300 s (the design's window). */
  maxAgeSeconds?: number;
  replayCache: ReplayCacheLike;
  /**
   * This department's code. When given, the signed TransferHeader's Receiver must be it: a message
   * signed for another department is refused (code wrong-receiver) before it can take a place in
   * the replay cache. Each department has its own cache, so without this check a message PLAN
   * signed for ZONE could be replayed to a third department.
   */
  receiver?: string;
}

export interface VerifiedEnvelope {
  /** The department whose registry certificate verified the signature. */
  sender: string;
  /** Exclusive-c14n XML of the signed soap:Body: the only place the caller may read the data from. */
  signedBody: string;
  /** Exclusive-c14n XML of the signed tr:TransferHeader (MessageId, Sender, Receiver, SentAt). */
  signedHeader: string;
  /** Base64 of the signature (normalised): the replay key and what the message log keeps. */
  signatureValue: string;
  timestamp: { created: Date; expires: Date };
  /** SHA-256 (lower-case hex) of the registry certificate that verified it. */
  certificateFingerprint256: string;
}

export const DEFAULT_MAX_SKEW_SECONDS = 60;
export const DEFAULT_MAX_AGE_SECONDS = 300;

const REFERENCE_URI = /^#[A-Za-z_][A-Za-z0-9._-]*$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Verifies a signed transfer envelope against the sender's certificate from the trust store and
 * returns the signed parts, or throws a SignatureError. Checks run in the order docs/signing.md
 * gives; nothing read before the signature is verified decides anything but which key to try.
 */
export async function verifyEnvelope(envelopeXml: string, options: VerifyOptions): Promise<VerifiedEnvelope> {
  const now = options.now ?? new Date();
  const skewMs = (options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS) * 1000;
  const maxAgeMs = (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  const senderOf = options.senderOf ?? senderOfTransferHeader;

  // 1. A well-formed SOAP envelope, its parts found by position.
  const doc = parseStrict(envelopeXml);
  if (typeof doc === 'string') throw new SignatureError('malformed', `not well-formed XML: ${doc}`);
  const parts = envelopeParts(doc);
  if (typeof parts === 'string') throw new SignatureError('malformed', parts);
  const { envelope, bodies, headers } = parts;
  if (bodies.length === 0) throw new SignatureError('malformed', 'the envelope has no Body');
  if (bodies.length > 1) throw new SignatureError('incomplete', `the envelope has ${bodies.length} Body elements`);
  if (headers.length > 1) throw new SignatureError('incomplete', `the envelope has ${headers.length} Header elements`);

  // 2. Signed at all: one Security header, one Signature, inside it.
  const signatures: XElement[] = [];
  let signedInfos = 0;
  forEachElement(envelope, (e) => {
    if (is(e, DS_NS, 'Signature')) signatures.push(e);
    if (e.localName === 'SignedInfo') signedInfos++;
  });
  if (headers.length === 0 || parts.securities.length === 0 || signatures.length === 0) throw new SignatureError('unsigned', 'the envelope has no wsse:Security header with a ds:Signature');
  if (parts.securities.length > 1) throw new SignatureError('incomplete', 'the envelope has more than one wsse:Security header');
  const [security] = parts.securities;
  if (signatures.length > 1) throw new SignatureError('malformed', `the envelope holds ${signatures.length} ds:Signature elements; exactly one is accepted`);
  const [signature] = signatures;
  if (signature.parentNode !== security) throw new SignatureError('unsigned', 'the ds:Signature is not in the wsse:Security header');
  // xml-crypto finds the SignedInfo's namespace context by local name anywhere in the document.
  if (signedInfos !== 1) throw new SignatureError('malformed', 'the envelope holds more than one SignedInfo element');

  // 3. Only our algorithms, in the plain shape our signer writes.
  const references = signedInfoReferences(signature);

  // 4. The references cover exactly the Body, Timestamp and TransferHeader in their places, by unique ids.
  if (parts.transferHeaders.length === 0) throw new SignatureError('malformed', 'the Header has no {urn:interflow:transfer:1}TransferHeader');
  if (parts.transferHeaders.length > 1) throw new SignatureError('incomplete', 'the Header has more than one TransferHeader');
  const timestamps = childrenNamed(security, WSU_NS, 'Timestamp');
  if (timestamps.length !== 1) throw new SignatureError('incomplete', `the Security header has ${timestamps.length} wsu:Timestamp elements; exactly one is required`);
  const expected = new Map<string, string>([
    ['Body', idOf(bodies[0], 'the Body')],
    ['Timestamp', idOf(timestamps[0], 'the Timestamp')],
    ['TransferHeader', idOf(parts.transferHeaders[0], 'the TransferHeader')],
  ]);
  const counts = idCounts(envelope);
  for (const [part, id] of expected) {
    if (counts.get(id) !== 1) throw new SignatureError('incomplete', `the id "${id}" of the ${part} occurs ${counts.get(id)} times; a signed id must be unique`);
  }
  const partOfId = new Map([...expected].map(([part, id]) => [id, part]));
  const covered = new Set<string>();
  for (const uri of references) {
    const part = partOfId.get(uri.slice(1));
    if (!part) throw new SignatureError('incomplete', `the signature references ${uri}, which is not the Body, the Timestamp or the TransferHeader in its place`);
    if (covered.has(part)) throw new SignatureError('incomplete', `the signature references the ${part} twice`);
    covered.add(part);
  }
  for (const part of expected.keys()) if (!covered.has(part)) throw new SignatureError('incomplete', `the signature does not cover the ${part}`);

  // 5. The claimed sender chooses the key: from the trust store, never from the message.
  const claimed = readSender(senderOf, canonical(parts.transferHeaders[0]), 'malformed');
  const pems = await options.certificateFor(claimed);
  const candidates = trustedKeys(pems);
  if (candidates.length === 0) throw new SignatureError('unknown-sender', `the trust store holds no usable certificate for department "${claimed}"`, claimed);
  preferTokenCertificate(candidates, security);

  // 6. The signature, with each trusted key until one verifies. The references are digested
  // once: only the key differs between candidates.
  const elementOfId = new Map<string, XElement>([
    [expected.get('Body')!, bodies[0]],
    [expected.get('Timestamp')!, timestamps[0]],
    [expected.get('TransferHeader')!, parts.transferHeaders[0]],
  ]);
  const checked = checkReferences(signature, elementOfId, claimed);
  let fingerprint: string | undefined;
  for (const candidate of candidates) {
    if (createVerify('RSA-SHA256').update(checked.signedInfo).verify(candidate.key, checked.signatureValue)) {
      fingerprint = candidate.fingerprint;
      break;
    }
  }
  if (!fingerprint) throw new SignatureError('bad-signature', `the signature does not verify with the registry certificate of "${claimed}"`, claimed);

  // 7. From here on only the signed copies are read.
  const signed = signedParts(checked.references, partOfId, parts.soapNs, claimed);
  const sender = readSender(senderOf, signed.TransferHeader, 'bad-signature');
  if (sender !== claimed) throw new SignatureError('bad-signature', `the signed Sender "${sender}" is not "${claimed}"`, claimed);
  if (options.receiver !== undefined) {
    let receiver: string;
    try {
      receiver = transferHeaderField(signed.TransferHeader, 'Receiver');
    } catch (e) {
      throw new SignatureError('malformed', `cannot read the receiver: ${(e as Error).message}`, claimed);
    }
    if (receiver !== options.receiver) throw new SignatureError('wrong-receiver', `the message is signed for "${receiver}", not for "${options.receiver}"`, claimed);
  }

  // 8. Fresh: the signed Timestamp, within the skew.
  const { created, expires } = readTimestamp(signed.Timestamp, claimed);
  const nowMs = now.getTime();
  if (created.getTime() > nowMs + skewMs) throw new SignatureError('not-yet-valid', `the Timestamp was created at ${created.toISOString()}, in the future beyond the ${skewMs / 1000} s skew`, claimed);
  const acceptedUntil = Math.min(expires.getTime(), created.getTime() + maxAgeMs) + skewMs;
  if (nowMs > acceptedUntil) throw new SignatureError('expired', `the Timestamp (created ${created.toISOString()}, expires ${expires.toISOString()}) is no longer fresh`, claimed);

  // 9. Not seen before. Last, so only authentic and fresh messages ever take a place in the cache.
  const signatureBytes = Buffer.from(textOnly(childrenNamed(signature, DS_NS, 'SignatureValue')[0]) ?? '', 'base64');
  // Keyed on the decoded bytes: base64 has many spellings (whitespace, line breaks) of one value.
  const replayKey = createHash('sha256').update(signatureBytes).digest('base64');
  const remembered = await options.replayCache.remember(replayKey, new Date(acceptedUntil), now);
  if (remembered === 'seen') throw new SignatureError('replay', 'this signature value was already received within its freshness window', claimed);
  if (remembered === 'full') throw new SignatureError('replay', 'the replay cache is full of unexpired entries; refusing rather than forgetting one (retry later)', claimed);

  return {
    sender,
    signedBody: signed.Body,
    signedHeader: signed.TransferHeader,
    signatureValue: signatureBytes.toString('base64'),
    timestamp: { created, expires },
    certificateFingerprint256: fingerprint,
  };
}

function idOf(element: XElement, what: string): string {
  const id = wsuId(element);
  if (!id) throw new SignatureError('incomplete', `${what} has no wsu:Id, so the signature cannot cover it`);
  return id;
}

/** The Reference URIs, after refusing any algorithm, transform or shape other than ours. */
function signedInfoReferences(signature: XElement): string[] {
  const refuse = (why: string): never => {
    throw new SignatureError('bad-signature', `refused signature: ${why}`);
  };
  const children = childElements(signature);
  const names = children.map((c) => (c.namespaceURI === DS_NS ? c.localName : `{${c.namespaceURI ?? ''}}${c.localName}`));
  // Order matters: xml-crypto reads the first CanonicalizationMethod, SignatureMethod and SignatureValue anywhere under Signature.
  if (names.length < 2 || names[0] !== 'SignedInfo' || names[1] !== 'SignatureValue' || names.length > 3 || (names.length === 3 && names[2] !== 'KeyInfo')) {
    refuse(`the Signature must hold SignedInfo, SignatureValue and KeyInfo in that order, not ${names.join(', ')}`);
  }
  const signatureValue = textOnly(children[1]);
  if (signatureValue === undefined || !/^[A-Za-z0-9+/=\s]+$/.test(signatureValue)) refuse('the SignatureValue is not base64 text');

  const signedInfo = childElements(children[0]);
  const [c14n, method, ...references] = signedInfo;
  if (!c14n || !is(c14n, DS_NS, 'CanonicalizationMethod') || !method || !is(method, DS_NS, 'SignatureMethod')) refuse('SignedInfo must start with CanonicalizationMethod and SignatureMethod');
  requireAlgorithm(c14n, EXC_C14N, 'canonicalization', refuse);
  requireAlgorithm(method, RSA_SHA256, 'signature', refuse);
  if (references.length === 0) refuse('SignedInfo has no Reference');
  return references.map((reference) => {
    if (!is(reference, DS_NS, 'Reference')) refuse(`SignedInfo holds {${reference.namespaceURI ?? ''}}${reference.localName}`);
    const uri = reference.getAttributeNode('URI')?.value ?? '';
    if (!REFERENCE_URI.test(uri)) refuse(`the Reference URI "${uri}" is not a same-document #id`);
    const [transforms, digestMethod, digestValue, ...rest] = childElements(reference);
    if (!transforms || !is(transforms, DS_NS, 'Transforms') || !digestMethod || !is(digestMethod, DS_NS, 'DigestMethod') || !digestValue || !is(digestValue, DS_NS, 'DigestValue') || rest.length > 0) {
      refuse(`the Reference ${uri} must hold Transforms, DigestMethod and DigestValue only`);
    }
    const transformList = childElements(transforms);
    if (transformList.length !== 1 || !is(transformList[0], DS_NS, 'Transform')) refuse(`the Reference ${uri} must have exactly one Transform (exclusive c14n)`);
    requireAlgorithm(transformList[0], EXC_C14N, `transform of ${uri}`, refuse);
    requireAlgorithm(digestMethod, SHA256, `digest of ${uri}`, refuse);
    return uri;
  });
}

function requireAlgorithm(element: XElement, algorithm: string, what: string, refuse: (why: string) => never): void {
  const named = element.getAttributeNode('Algorithm')?.value;
  if (named !== algorithm) refuse(`the ${what} algorithm is ${named ?? 'missing'}; only ${algorithm} is accepted`);
  // Parameters such as HMACOutputLength or InclusiveNamespaces change what is computed; ours have none.
  if (childElements(element).length > 0) refuse(`the ${what} algorithm carries parameters`);
}

function readSender(senderOf: (xml: string) => string, headerXml: string, code: 'malformed' | 'bad-signature'): string {
  let sender: string;
  try {
    sender = senderOf(headerXml);
  } catch (e) {
    throw new SignatureError(code, `cannot read the sender: ${(e as Error).message}`);
  }
  if (typeof sender !== 'string' || sender.trim() === '') throw new SignatureError(code, 'the TransferHeader names no sender');
  return sender;
}

interface TrustedKey {
  key: KeyObject;
  fingerprint: string;
}

// Parsed certificates by PEM text: the trust store hands out the same few PEMs over and over.
const parsedCertificates = new Map<string, TrustedKey | null>();
const MAX_PARSED_CERTIFICATES = 256;

function trustedKeys(pems: string | readonly string[] | undefined): TrustedKey[] {
  const list = pems === undefined ? [] : typeof pems === 'string' ? [pems] : [...pems];
  const keys: TrustedKey[] = [];
  for (const pem of list) {
    let parsed = parsedCertificates.get(pem);
    if (parsed === undefined) {
      parsed = parseCertificate(pem);
      if (parsedCertificates.size >= MAX_PARSED_CERTIFICATES) parsedCertificates.delete(parsedCertificates.keys().next().value!);
      parsedCertificates.set(pem, parsed);
    }
    if (parsed) keys.push(parsed);
  }
  return keys;
}

function parseCertificate(pem: string): TrustedKey | null {
  try {
    const cert = new X509Certificate(pem);
    if (cert.publicKey.asymmetricKeyType !== 'rsa') return null;
    return { key: cert.publicKey, fingerprint: createHash('sha256').update(cert.raw).digest('hex') };
  } catch {
    // An unreadable trust store entry verifies nothing; the others may still.
    return null;
  }
}

/**
 * During a rollover the registry lists two certificates; trying first the one the message's token
 * names saves a failed verification. Only the order changes: the token itself is never trusted.
 */
function preferTokenCertificate(candidates: TrustedKey[], security: XElement): void {
  if (candidates.length < 2) return;
  const token = childrenNamed(security, WSSE_NS, 'BinarySecurityToken')[0];
  const text = token ? textOnly(token) : undefined;
  if (!text) return;
  const fingerprint = createHash('sha256').update(Buffer.from(text, 'base64')).digest('hex');
  const index = candidates.findIndex((c) => c.fingerprint === fingerprint);
  if (index > 0) candidates.unshift(...candidates.splice(index, 1));
}

/**
 * XML Signature core validation (https://www.w3.org/TR/xmldsig-core1/#sec-CoreValidation) for the
 * one shape signedInfoReferences admits: exclusive c14n without parameters, SHA-256 digests,
 * same-document references to the three parts found above by position and unique id. The
 * SignedInfo is canonicalised, and the References are read back from that canonical text, so what
 * is digested and compared is exactly what the signature covers. xml-crypto's checkSignature did
 * the same through XPath searches of the whole document (several per reference, each building a
 * new XPath parser) and a second parse of the envelope: ~3/4 of a verification's CPU. The
 * canonicaliser is still xml-crypto's, so the bytes digested are the ones it would digest.
 */
function checkReferences(signature: XElement, elementOfId: Map<string, XElement>, sender: string): { signedInfo: string; signatureValue: Buffer; references: Array<{ uri: string; canonical: string; element: XElement }> } {
  const [signedInfoElement, signatureValueElement] = childElements(signature);
  const signedInfo = canonical(signedInfoElement);
  const reparsed = parseStrict(signedInfo);
  if (typeof reparsed === 'string') throw new SignatureError('bad-signature', `the canonical SignedInfo does not parse: ${reparsed}`, sender);
  const references = childrenNamed(reparsed.documentElement!, DS_NS, 'Reference').map((reference) => {
    const uri = reference.getAttributeNode('URI')?.value ?? '';
    const element = elementOfId.get(uri.slice(1));
    if (!uri.startsWith('#') || !element) throw new SignatureError('incomplete', `the signature references ${uri}, which is not the Body, the Timestamp or the TransferHeader in its place`, sender);
    const digestValue = textOnly(childrenNamed(reference, DS_NS, 'DigestValue')[0]);
    const text = canonical(element);
    const digest = createHash('sha256').update(text, 'utf8').digest();
    if (digestValue === undefined || !digest.equals(Buffer.from(digestValue, 'base64'))) throw new SignatureError('bad-signature', `the digest of ${uri} does not match: the signed part was changed`, sender);
    return { uri, canonical: text, element };
  });
  if (references.length !== elementOfId.size) throw new SignatureError('incomplete', 'the canonical SignedInfo does not hold the three expected references', sender);
  return { signedInfo, signatureValue: Buffer.from(textOnly(signatureValueElement) ?? '', 'base64'), references };
}

/**
 * The canonical XML that was verified, by part: each is the serialisation of the element found
 * for its id, so its root is that element, which must be the part expected there; the positional
 * checks above make this hold, so a mismatch means a bug or an attack. (It used to be parsed back
 * to check this: a second parse of every message for what the element already tells.)
 */
function signedParts(references: Array<{ uri: string; canonical: string; element: XElement }>, partOfId: Map<string, string>, soapNs: string, sender: string): Record<'Body' | 'Timestamp' | 'TransferHeader', string> {
  if (references.length !== partOfId.size) throw new SignatureError('incomplete', 'the verified references are not the three expected', sender);
  const out: Partial<Record<string, string>> = {};
  const expectedRoot: Record<string, [string, string]> = { Body: [soapNs, 'Body'], Timestamp: [WSU_NS, 'Timestamp'], TransferHeader: [TRANSFER_NS, 'TransferHeader'] };
  for (const ref of references) {
    const id = ref.uri.slice(1);
    const part = partOfId.get(id);
    // The canonical text is the element's own serialisation: its root is that element.
    const root = ref.element;
    if (!part || !is(root, ...expectedRoot[part]) || wsuId(root) !== id || !ref.canonical.startsWith(`<${root.tagName}`)) throw new SignatureError('incomplete', `the signed reference ${ref.uri} is not the ${part ?? 'expected part'}`, sender);
    out[part] = ref.canonical;
  }
  return out as Record<'Body' | 'Timestamp' | 'TransferHeader', string>;
}

function readTimestamp(timestampXml: string, sender: string): { created: Date; expires: Date } {
  const doc = parseStrict(timestampXml);
  const timestamp = typeof doc === 'string' ? undefined : doc.documentElement!;
  const value = (name: string): Date => {
    const found = timestamp ? childrenNamed(timestamp, WSU_NS, name) : [];
    const text = found.length === 1 ? textOnly(found[0])?.trim() : undefined;
    const ms = text && DATE_TIME.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(ms)) throw new SignatureError('malformed', `the Timestamp needs exactly one wsu:${name} in xsd:dateTime form with a time zone`, sender);
    return new Date(ms);
  };
  const created = value('Created');
  const expires = value('Expires');
  if (expires.getTime() <= created.getTime()) throw new SignatureError('malformed', 'the Timestamp expires before it is created', sender);
  return { created, expires };
}
