import { randomUUID } from 'node:crypto';
import { childElements, DS_NS, parseStrict, signEnvelope, SignatureError, textOnly, TRANSFER_NS, verifyEnvelope, WSSE_CODE_OF_SIGNATURE_ERROR, type ReplayCacheLike, type SigningIdentity } from '../../transfer/signing';
import { wsseSubcode, type WsseFaultCode } from '../security';
import { ENVELOPE_NAMESPACES, escapeXml, parseEnvelope, type SignedCall, type SoapContext } from '../soap';
import { asapFault, AsapErrorCodes } from './asap-fault';
import { keyPath } from './keys';

/**
 * Trust between department engines over Wf-XML (docs/wfxml.md, "Between departments"). Calls
 * between departments are signed exactly as transfers are (src/transfer/signing, docs/signing.md):
 * a WS-Security X.509 signature by the sending department over the Body, a Timestamp and a
 * `tr:TransferHeader` naming Sender and Receiver, checked against the sender's certificate in the
 * registry, never one the message carries. The header also carries the ASAP SenderKey and
 * ReceiverKey, so the signature binds the message to the resource it was sent to: a signed
 * Completed cannot be replayed to another correlation.
 */

export type WfxmlServiceType = 'wfxml-factory' | 'wfxml-observer';

/** Which registered department publishes a Wf-XML address (src/transfer/registered-endpoints.ts). */
export interface WfxmlEndpointOwners {
  /** The department whose published access point the URL is (a factory) or lies under (an observer); undefined for none. */
  ownerOf(url: string, service: WfxmlServiceType): Promise<string | undefined>;
  publishes(department: string, url: string, service: WfxmlServiceType): Promise<boolean>;
}

/** What a department engine needs to sign its Wf-XML calls and to check those it receives. */
export interface WfxmlTrust {
  /** This department's code: the Receiver a signed call must name. */
  department: string;
  identity: SigningIdentity;
  /** The registry's certificates of a department (the trust store); undefined for a non-participant. */
  certificateFor(department: string): Promise<string | readonly string[] | undefined>;
  replayCache: ReplayCacheLike;
  endpoints: WfxmlEndpointOwners;
}

/** The signer's side: whom the message is for, and the keys its signed header repeats. */
export interface AsapSigning {
  identity: SigningIdentity;
  /** The receiving department's code. */
  receiver: string;
}

/** The signed header of a Wf-XML call between departments. */
export function signedCallHeader(p: { sender: string; receiver: string; senderKey?: string; receiverKey: string; at?: Date }): string {
  const senderKey = p.senderKey ? `<tr:SenderKey>${escapeXml(p.senderKey)}</tr:SenderKey>` : '';
  return (
    `<tr:TransferHeader xmlns:tr="${TRANSFER_NS}"><tr:MessageId>${randomUUID()}</tr:MessageId>` +
    `<tr:Sender>${escapeXml(p.sender)}</tr:Sender><tr:Receiver>${escapeXml(p.receiver)}</tr:Receiver>` +
    `<tr:SentAt>${(p.at ?? new Date()).toISOString()}</tr:SentAt>${senderKey}<tr:ReceiverKey>${escapeXml(p.receiverKey)}</tr:ReceiverKey></tr:TransferHeader>`
  );
}

export function signCall(envelopeXml: string, signing: AsapSigning): string {
  return signEnvelope(envelopeXml, signing.identity);
}

/**
 * The SOAP layer's verifySignature for the Wf-XML resources of a department engine. A message
 * that carries no XML signature is left to the server's caller authentication (undefined); one that
 * does must verify, be signed for this department and for the resource it was posted to, and is then
 * read from its signed parts only. Every refusal is logged and answered with a fault; nothing is done.
 */
export function verifySignedCall(trust: WfxmlTrust): (ctx: SoapContext) => Promise<SignedCall | undefined> {
  return async (ctx) => {
    // No signature namespace anywhere: nothing to verify (UsernameToken, Basic or anonymous callers).
    if (!ctx.envelope.includes(DS_NS)) return undefined;
    let verified;
    try {
      verified = await verifyEnvelope(ctx.envelope, { certificateFor: (d) => trust.certificateFor(d), replayCache: trust.replayCache, receiver: trust.department });
    } catch (error) {
      if (!(error instanceof SignatureError)) {
        ctx.log.error({ err: error }, 'Wf-XML signature could not be checked (registry unreachable?)');
        throw asapFault('Server', AsapErrorCodes.internal, 'The signature cannot be checked right now (the registry holds the certificates); retry later', 'SIGNATURE_UNCHECKED');
      }
      // A signature placed where none is looked for signs nothing: such a message is an ordinary,
      // unsigned one, and its caller must authenticate like any other.
      if (error.code === 'unsigned') return undefined;
      throw refused(ctx, `SIGNATURE_${error.code.toUpperCase().replace(/-/g, '_')}`, error.message, error.sender, WSSE_CODE_OF_SIGNATURE_ERROR[error.code]);
    }
    const header = headerFields(verified.signedHeader);
    const receiverKey = header.ReceiverKey;
    if (!receiverKey || keyPath(receiverKey) !== keyPath(ctx.endpoint)) {
      throw refused(ctx, 'SIGNATURE_WRONG_RESOURCE', `the message is signed for ${receiverKey ?? 'no resource (no ReceiverKey in the signed header)'}, but was posted to ${ctx.endpoint}`, verified.sender, 'FailedCheck');
    }
    const soapNs = ENVELOPE_NAMESPACES[ctx.version];
    // The SOAP parser resolves Body against the Envelope's declarations, so the wrapper declares the
    // prefix the signed Body uses (exclusive c14n declared it on the Body itself).
    const prefix = /^<(?:([A-Za-z_][\w.-]*):)?Body[\s>]/.exec(verified.signedBody)?.[1];
    const tag = prefix ? `${prefix}:Envelope` : 'Envelope';
    const signed = parseEnvelope(`<${tag} xmlns${prefix ? `:${prefix}` : ''}="${soapNs}">${verified.signedBody}</${tag}>`);
    if (signed.operation.namespace !== ctx.operation.namespace || signed.operation.localName !== ctx.operation.localName) {
      throw refused(ctx, 'SIGNATURE_WRONG_OPERATION', 'the signed Body holds another operation than the one dispatched', verified.sender, 'FailedCheck');
    }
    ctx.log.debug({ department: verified.sender, operation: ctx.operation.localName }, 'signed Wf-XML call verified');
    return { party: verified.sender, body: signed.body, header };
  };
}

function refused(ctx: SoapContext, code: string, reason: string, sender: string | undefined, wsse: WsseFaultCode): unknown {
  ctx.log.warn({ code, reason, claimedSender: sender, operation: ctx.operation.localName }, 'Wf-XML call refused: signature');
  return asapFault('Client', AsapErrorCodes.forbidden, `Wf-XML refused: ${reason}`, code, wsseSubcode(wsse));
}

/** The text fields of the signed tr:TransferHeader, by local name. */
function headerFields(xml: string): Record<string, string> {
  const doc = parseStrict(xml);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (typeof doc === 'string') return out;
  for (const child of childElements(doc.documentElement!)) {
    if (child.namespaceURI !== TRANSFER_NS) continue;
    const text = textOnly(child)?.trim();
    if (text) out[child.localName] = text;
  }
  return out;
}
