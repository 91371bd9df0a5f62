import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { SignedXml } from 'xml-crypto';
import { loadSigningIdentity, ReplayCache, SignatureError, verifyEnvelope, type SignatureErrorCode, type SigningIdentity, type VerifiedEnvelope, type VerifyOptions } from '../../../src/transfer/signing';

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
