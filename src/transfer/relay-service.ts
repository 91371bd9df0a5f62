import type { Logger } from 'pino';
import { ENVELOPE_NAMESPACES, SoapFault, rawXml, soapCall, type SoapCallReply, type SoapServiceDefinition } from '../services/soap';
import { childElements, parseStrict, ReplayCache, serialize, TRANSFER_NS, type EnvelopeCrypto, type ReplayCacheLike } from './signing';
import { TRANSFER_WSDL, verifiedDelivery } from './verified-delivery';
import type { MessageLog } from './message-log';
import { TRANSFER_RELAY_PATH, type TransferDirectory } from './transfer-directory';
import { endpointFailureFor } from './registry-directory';
import { transferKindLabel, transfersRefused, transfersSent } from '../monitoring';

export interface RelayServiceOptions {
  directory: TransferDirectory;
  messageLog: MessageLog;
  log: Logger;
  replayCache?: ReplayCacheLike;
  timeoutMs?: number;
  /** Where signatures are verified (default: in the event loop). */
  crypto?: EnvelopeCrypto;
}

/**
 * The hub's relay (the patent's "relayed through the central server"). It checks the sender's
 * signature (so forgeries stop here and the hub's log holds only authentic traffic), logs the
 * message, and forwards the envelope unchanged to the receiver found in the registry. The receiver
 * verifies the signature again: it is end to end, so the hub cannot alter what it relays.
 */
export function relayService(o: RelayServiceOptions): SoapServiceDefinition {
  const replayCache = o.replayCache ?? new ReplayCache();
  return {
    name: 'TransferRelay',
    path: TRANSFER_RELAY_PATH,
    wsdl: TRANSFER_WSDL,
    authenticatesItself: true,
    understoodHeaders: [`{${TRANSFER_NS}}TransferHeader`],
    operations: {
      [`{${TRANSFER_NS}}Deliver`]: async (_body, ctx) => {
        const at = new Date();
        const { header, items } = await verifiedDelivery(ctx.envelope, { ...o, replayCache, receiver: 'hub', refusedBy: 'Relay' });
        let reply: SoapCallReply;
        try {
          reply = await o.directory.deliver(header.receiver, async (url) => {
            const answer = await soapCall({ url, envelope: ctx.envelope, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}), maxReplyBytes: RELAY_MAX_REPLY_BYTES });
            const failure = endpointFailureFor(answer.status, url);
            if (failure) throw failure;
            return answer;
          });
        } catch (error) {
          await o.messageLog.record({ messageId: header.messageId, direction: 'relay', sender: header.sender, receiver: header.receiver, at, outcome: 'failed', reason: (error as Error).message, envelope: ctx.envelope, items: items.map((item) => ({ item, outcome: 'pending' })) });
          throw new SoapFault('Server', `Relay could not reach department ${header.receiver}; the sender will retry`, 'RECEIVER_UNREACHABLE');
        }
        const status = reply.status;
        await o.messageLog.record({ messageId: header.messageId, direction: 'relay', sender: header.sender, receiver: header.receiver, at, outcome: status === 200 ? 'delivered' : 'refused', ...(status === 200 ? {} : { reason: `receiver answered HTTP ${status}` }), envelope: ctx.envelope, items: items.map((item) => ({ item, outcome: status === 200 ? 'forwarded' : 'refused' })) });
        o.log.info({ messageId: header.messageId, from: header.sender, to: header.receiver, items: items.length, status }, 'transfer relayed');
        if (status === 200) for (const item of items) transfersSent.inc({ peer: header.receiver, kind: transferKindLabel(item.kind) });
        else transfersRefused.inc({ peer: header.receiver, direction: 'out', reason: 'receiver-refused' }, items.length || 1);
        // 413 passes through as 413, so the sender splits its batch rather than retrying it whole.
        if (status !== 200) throw new SoapFault(status >= 500 ? 'Server' : 'Client', `Department ${header.receiver} refused the relayed message (HTTP ${status})`, 'RECEIVER_REFUSED', status === 413 ? { httpStatus: 413 } : {});
        // The receiver's DeliverResponse goes back as it is (its elements, with the namespaces they use).
        const body = reply.envelope ? bodyContent(reply.text) : undefined;
        if (body === undefined) throw new SoapFault('Server', `Department ${header.receiver} answered without a SOAP Body${reply.notSoap ? ` (${reply.notSoap})` : ''}`, 'RECEIVER_BAD_ANSWER');
        return { body: rawXml(body) };
      },
    },
  };
}

/** A DeliverResponse holds one acknowledgement per item; a batch is bounded by the request limit. */
const RELAY_MAX_REPLY_BYTES = 4 * 1024 * 1024;

/** The Body's elements of a reply the SOAP client found well-formed, serialised with the namespaces they use. */
function bodyContent(text: string): string | undefined {
  const doc = parseStrict(text);
  if (typeof doc === 'string') return undefined;
  const envelope = doc.documentElement;
  if (!envelope) return undefined;
  const body = childElements(envelope).find((e) => e.localName === 'Body' && Object.values(ENVELOPE_NAMESPACES).includes(e.namespaceURI ?? ''));
  return body ? childElements(body).map(serialize).join('') : undefined;
}
