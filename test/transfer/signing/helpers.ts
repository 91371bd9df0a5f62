import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { SignedXml } from 'xml-crypto';
import { loadSigningIdentity, ReplayCache, SignatureError, verifyEnvelope, type SignatureErrorCode, type SigningIdentity, type VerifiedEnvelope, type VerifyOptions } from '../../../src/transfer/signing';
import { deliverContent, deliverEnvelope, type TransferHeader, type TransferItem } from '../../../src/transfer/transfer-items';

export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';

export interface Departments {
  dir: string;
  plan: SigningIdentity;
  zone: SigningIdentity;
  /** Not in the trust store: an outsider with a perfectly valid key and certificate of its own. */
  evil: SigningIdentity;
  trustStore: Map<string, string | string[]>;
  cleanup(): void;
}

/** RSA key generation takes a while, so each test file makes its departments once. */
export async function makeDepartments(): Promise<Departments> {
  const dir = mkdtempSync(path.join(tmpdir(), 'interflow-signing-'));
  const [plan, zone, evil] = await Promise.all(['PLAN', 'ZONE', 'EVIL'].map((department) => loadSigningIdentity({ dataDir: dir, department })));
  const trustStore = new Map<string, string | string[]>([
    ['PLAN', plan.certificatePem],
    ['ZONE', zone.certificatePem],
  ]);
  return { dir, plan, zone, evil, trustStore, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function envelope(options: { sender?: string; receiver?: string; items?: number; soap?: string; value?: string } = {}): string {
  const soap = options.soap ?? SOAP11;
  const items = Array.from({ length: options.items ?? 1 }, (_, i) => handOver(i, options.value ?? `${100 + i}`)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="${soap}" xmlns:tr="urn:interflow:transfer:1">
  <soap:Header>
    <tr:TransferHeader>
      <tr:MessageId>6f1c2a8e-8c1d-4a5e-9a55-2f0b8d1e7c11</tr:MessageId>
      <tr:Sender>${options.sender ?? 'PLAN'}</tr:Sender>
      <tr:Receiver>${options.receiver ?? 'ZONE'}</tr:Receiver>
      <tr:SentAt>2026-03-01T10:00:00Z</tr:SentAt>
    </tr:TransferHeader>
  </soap:Header>
  <soap:Body>
    <tr:Deliver>${items}</tr:Deliver>
  </soap:Body>
</soap:Envelope>`;
}

/** A Deliver message as the sender's code builds it: `content` for signCanonical, `envelope` (the same, unsigned) for signEnvelope. */
export function deliverMessage(options: { sender?: string; receiver?: string; items?: number; value?: string } = {}): { header: TransferHeader; items: TransferItem[]; content: ReturnType<typeof deliverContent>; envelope: string } {
  const header: TransferHeader = { messageId: '6f1c2a8e-8c1d-4a5e-9a55-2f0b8d1e7c11', sender: options.sender ?? 'PLAN', receiver: options.receiver ?? 'ZONE', sentAt: new Date('2026-03-01T10:00:00Z') };
  const items: TransferItem[] = Array.from({ length: options.items ?? 1 }, (_, i) => ({
    kind: 'hand-over', itemId: `item-${i}`, caseId: `case-${i}`, home: 'PLAN', processId: 'building_permit', version: 3, contentHash: 'sha256:0c5e2d7f',
    activityId: 'zoning-check', activityInstanceId: `ai-${i}`, data: { amount: options.value ?? `${100 + i}`, applicant: 'Chen Wei & Sons' },
  }));
  return { header, items, content: deliverContent(header, items), envelope: deliverEnvelope(header, items) };
}

function handOver(i: number, amount: string): string {
  return `
      <tr:HandOver>
        <tr:CaseId>case-${i}</tr:CaseId><tr:ItemId>item-${i}</tr:ItemId><tr:ProcessId>building_permit</tr:ProcessId><tr:Version>3</tr:Version>
        <tr:ContentHash>sha256:0c5e2d7f</tr:ContentHash><tr:ActivityId>zoning-check</tr:ActivityId><tr:ActivityInstanceId>ai-${i}</tr:ActivityInstanceId><tr:Home>PLAN</tr:Home>
        <tr:Data><tr:Item><tr:Name>amount</tr:Name><tr:Value>${amount}</tr:Value></tr:Item><tr:Item><tr:Name>applicant</tr:Name><tr:Value>Chen Wei &amp; Sons</tr:Value></tr:Item></tr:Data>
      </tr:HandOver>`;
}

export function verifyOptions(departments: Departments, overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    certificateFor: async (department) => departments.trustStore.get(department),
    replayCache: new ReplayCache(),
    ...overrides,
  };
}

export async function refusal(promise: Promise<VerifiedEnvelope>): Promise<SignatureError> {
  try {
    await promise;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(SignatureError);
    return e as SignatureError;
  }
  expect.fail('the envelope was accepted');
}

export async function expectRefused(promise: Promise<VerifiedEnvelope>, code: SignatureErrorCode): Promise<SignatureError> {
  const error = await refusal(promise);
  expect(error.code, error.message).to.equal(code);
  return error;
}

export function verifyIn(departments: Departments, xml: string, overrides: Partial<VerifyOptions> = {}): Promise<VerifiedEnvelope> {
  return verifyEnvelope(xml, verifyOptions(departments, overrides));
}

/** The wsu:Id of the first element with this local name. */
export function idOf(xml: string, localName: string): string {
  const match = new RegExp(`<[\\w]+:${localName}\\b[^>]*wsu:Id="([^"]+)"`).exec(xml);
  if (!match) throw new Error(`no ${localName} with a wsu:Id`);
  return match[1];
}

/** The element (with its content) whose start tag matches, for cut-and-paste attacks. */
export function elementText(xml: string, prefixedName: string): string {
  const start = xml.indexOf(`<${prefixedName}`);
  const endTag = `</${prefixedName}>`;
  const end = xml.indexOf(endTag, start);
  if (start < 0 || end < 0) throw new Error(`no <${prefixedName}> element`);
  return xml.slice(start, end + endTag.length);
}

/**
 * Replaces the signature of a signed envelope by a genuine one with other algorithms, made with the
 * department's real key over the same three parts: what a downgrade would look like.
 */
export function resign(signedXml: string, identity: SigningIdentity, algorithms: { signature?: string; digest?: string; c14n?: string; transform?: string; parts?: string[] }): string {
  const withoutSignature = signedXml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
  const signer = new SignedXml({
    privateKey: identity.privateKeyPem,
    signatureAlgorithm: algorithms.signature ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: algorithms.c14n ?? 'http://www.w3.org/2001/10/xml-exc-c14n#',
    getKeyInfoContent: () => null,
  });
  for (const name of algorithms.parts ?? ['Body', 'Timestamp', 'TransferHeader']) {
    signer.addReference({
      xpath: `//*[@*[local-name()='Id']='${idOf(withoutSignature, name)}']`,
      transforms: [algorithms.transform ?? 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      digestAlgorithm: algorithms.digest ?? 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
  }
  signer.computeSignature(withoutSignature, { prefix: 'ds', location: { reference: "//*[local-name()='Security']", action: 'append' } });
  return signer.getSignedXml();
}

/** Whether xml-crypto with its default (permissive) algorithm tables accepts the signature: proves a refusal is policy, not breakage. */
export function permissiveCheck(signedXml: string, identity: SigningIdentity): boolean {
  const checker = new SignedXml({ publicCert: identity.certificatePem, getCertFromKeyInfo: () => null });
  const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signedXml)![0];
  checker.loadSignature(signature);
  try {
    return checker.checkSignature(signedXml);
  } catch {
    return false;
  }
}

export function createdOf(xml: string): Date {
  return new Date(/<wsu:Created>([^<]+)<\/wsu:Created>/.exec(xml)![1]);
}

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// What c14n escapes or normalises, what it must leave alone, and what XML cannot carry at all.
const PIECES = ['&', '<', '>', '"', "'", '\r', '\n', '\t', '\r\n', ' ', 'é', '中文', '😀', '\u2028', '\u0085', '\u00a0', ']]>', '&amp;', '&#xD;', '<tr:Value>', 'x="1"', '\u0001', '\uD800', '\uFFFE', 'plain', '0'];

function text(next: () => number): string {
  const shape = next();
  if (shape < 0.1) return '';
  if (shape < 0.15) return 'x'.repeat(5000) + PIECES.join('') + 'y'.repeat(5000);
  let out = '';
  const n = 1 + Math.floor(next() * 8);
  for (let i = 0; i < n; i++) out += PIECES[Math.floor(next() * PIECES.length)];
  return out;
}

// Every form a value takes (text, null as xsi:nil, an Array, Json), so the new forms are compared with c14n too.
function value(next: () => number): unknown {
  const shape = next();
  if (shape < 0.6) return text(next);
  if (shape < 0.7) return null;
  if (shape < 0.85) return Array.from({ length: Math.floor(next() * 3) }, () => (next() < 0.3 ? null : text(next)));
  return { text: text(next), list: [1, null, text(next)] };
}

function data(next: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(next() * 4);
  for (let i = 0; i < n; i++) out[`f${i}${text(next).slice(0, 20)}`] = value(next);
  return out;
}

function item(next: () => number, i: number): TransferItem {
  const kind = next();
  if (kind < 0.4) {
    return {
      kind: 'hand-over', itemId: `item-${i}-${text(next)}`, caseId: text(next) || 'case', home: 'PLAN', processId: text(next), version: Math.floor(next() * 10),
      ...(next() < 0.5 ? { contentHash: `sha256:${text(next)}` } : {}), activityId: text(next), activityInstanceId: text(next), data: data(next),
    };
  }
  if (kind < 0.8) {
    const failed = next() < 0.3;
    return { kind: 'result', itemId: `item-${i}`, caseId: text(next), activityInstanceId: text(next), outcome: failed ? 'failed' : 'completed', ...(failed ? { reason: text(next) } : {}), data: failed ? {} : data(next) };
  }
  return { kind: 'publish', itemId: `item-${i}`, caseId: 'package:p', packageId: text(next), source: `<?xml version="1.0"?><Package Id="p" Name="a &amp; b">${text(next)}</Package>` };
}

/**
 * A Deliver message generated from a seed: 0 to 5 items of every kind, their text made of what
 * c14n escapes or normalises, what it must leave alone, what XML cannot carry, empty and long.
 */
export function generatedMessage(seed: number): { header: TransferHeader; items: TransferItem[] } {
  const next = random(seed);
  const items = Array.from({ length: Math.floor(next() * 6) }, (_, i) => item(next, i));
  return { header: { messageId: `m-${seed}-${text(next)}`, sender: 'PLAN', receiver: 'ZONE', sentAt: new Date(1_700_000_000_000 + seed) }, items };
}
