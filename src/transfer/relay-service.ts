import type { Logger } from 'pino';
import { SoapFault, rawXml, type SoapServiceDefinition } from '../services/soap';
import { ReplayCache, SignatureError, TRANSFER_NS, verifyEnvelope, type ReplayCacheLike } from './signing';
import { readDeliver, readTransferHeader } from './transfer-items';
import type { MessageLog } from './message-log';
import { TRANSFER_RELAY_PATH, type TransferDirectory } from './transfer-directory';
import { endpointFailureFor } from './registry-directory';
import { join } from 'node:path';

export interface RelayServiceOptions {
  directory: TransferDirectory;
  messageLog: MessageLog;
  log: Logger;
  replayCache?: ReplayCacheLike;
  timeoutMs?: number;
}

const WSDL_DIR = join(__dirname, '..', '..', 'wsdl');

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
    wsdl: { file: join(WSDL_DIR, 'transfer-service.wsdl'), schemas: { 'transfer-service.xsd': join(WSDL_DIR, 'transfer-service.xsd') } },
    authenticatesItself: true,
    operations: {
      [`{${TRANSFER_NS}}Deliver`]: async (_body, ctx) => {
        const at = new Date();
        let verified;
        try {
          verified = await verifyEnvelope(ctx.envelope, { certificateFor: (d) => o.directory.certificateFor(d), replayCache });
        } catch (error) {
          if (!(error instanceof SignatureError)) throw error;
          await o.messageLog.record({ messageId: `refused-${at.getTime()}`, direction: 'refused', sender: '?', receiver: 'hub', at, outcome: 'refused', reason: `${error.code}: ${error.message}`, envelope: ctx.envelope, items: [] }).catch(() => undefined);
          o.log.warn({ code: error.code, reason: error.message }, 'relay refused a message: signature');
          throw new SoapFault('Client', `Relay refused: ${error.message}`, `SIGNATURE_${error.code.toUpperCase().replace(/-/g, '_')}`);
        }
        const header = readTransferHeader(verified.signedHeader);
        const items = readDeliver(verified.signedBody);
        let status = 0;
        let text = '';
        try {
          [status, text] = await o.directory.deliver(header.receiver, async (url) => {
            const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body: ctx.envelope, signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
            const failure = endpointFailureFor(res.status, url);
            if (failure) {
              await res.body?.cancel();
              throw failure;
            }
            return [res.status, await res.text()] as const;
          });
        } catch (error) {
          await o.messageLog.record({ messageId: header.messageId, direction: 'relay', sender: header.sender, receiver: header.receiver, at, outcome: 'failed', reason: (error as Error).message, envelope: ctx.envelope, items: items.map((item) => ({ item, outcome: 'pending' })) });
          throw new SoapFault('Server', `Relay could not reach department ${header.receiver}; the sender will retry`, 'RECEIVER_UNREACHABLE');
        }
        await o.messageLog.record({ messageId: header.messageId, direction: 'relay', sender: header.sender, receiver: header.receiver, at, outcome: status === 200 ? 'delivered' : 'refused', ...(status === 200 ? {} : { reason: `receiver answered HTTP ${status}` }), envelope: ctx.envelope, items: items.map((item) => ({ item, outcome: status === 200 ? 'forwarded' : 'refused' })) });
        o.log.info({ messageId: header.messageId, from: header.sender, to: header.receiver, items: items.length, status }, 'transfer relayed');
        if (status !== 200) throw new SoapFault(status >= 500 ? 'Server' : 'Client', `Department ${header.receiver} refused the relayed message (HTTP ${status})`, 'RECEIVER_REFUSED');
        // The receiver's DeliverResponse body goes back as it is.
        const body = /<soap:Body[^>]*>([\s\S]*)<\/soap:Body>/.exec(text)?.[1] ?? /<(?:\w+:)?Body[^>]*>([\s\S]*)<\/(?:\w+:)?Body>/.exec(text)?.[1];
        if (!body) throw new SoapFault('Server', `Department ${header.receiver} answered without a SOAP Body`, 'RECEIVER_BAD_ANSWER');
        return { body: rawXml(body) };
      },
    },
  };
}
