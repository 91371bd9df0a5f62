import { ATTRIBUTES_KEY, TEXT_KEY, canonicalText, escapeXml, parseElement, type ParsedEnvelope, type SoapNode } from '../services/soap';
import { TRANSFER_NS, type CanonicalContent } from './signing';

/** One activity handed to the department that performs it (docs/transfer-design.md). */
export interface HandOverItem {
  kind: 'hand-over';
  /** The sender's outbox message id: the receiver's idempotency key. */
  itemId: string;
  caseId: string;
  home: string;
  processId: string;
  version: number;
  contentHash?: string;
  activityId: string;
  activityInstanceId: string;
  data: Record<string, string>;
}

/** What a performing department sends back to the case's home. */
export interface ResultItem {
  kind: 'result';
  itemId: string;
  caseId: string;
  activityInstanceId: string;
  outcome: 'completed' | 'failed';
  reason?: string;
  data: Record<string, string>;
}

/** A definition package published by a participating department to the others. */
export interface PublishItem {
  kind: 'publish';
  itemId: string;
  /** Not a case: the package id, for the log. */
  caseId: string;
  packageId: string;
  /** The XPDL document. */
  source: string;
}

export type TransferItem = HandOverItem | ResultItem | PublishItem;

export interface TransferHeader {
  messageId: string;
  sender: string;
  receiver: string;
  sentAt: Date;
}

export type AckStatus = 'accepted' | 'duplicate' | 'refused' | 'error';

export interface Ack {
  itemId: string;
  status: AckStatus;
  reason?: string;
}

/** Values travel as text; the receiving engine converts them by the declared field types. */
export function toText(data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

// The signed parts are written in their canonical form (signCanonical digests them as they are):
// escaped as c14n escapes text, never a self-closing tag, no attributes.
const e = canonicalText;

function dataXml(data: Record<string, string>): string {
  return `<tr:Data>${Object.entries(data).map(([k, v]) => `<tr:Item><tr:Name>${e(k)}</tr:Name><tr:Value>${e(v)}</tr:Value></tr:Item>`).join('')}</tr:Data>`;
}

function itemXml(item: TransferItem): string {
  if (item.kind === 'hand-over') {
    return `<tr:HandOver><tr:ItemId>${e(item.itemId)}</tr:ItemId><tr:CaseId>${e(item.caseId)}</tr:CaseId><tr:Home>${e(item.home)}</tr:Home>` +
      `<tr:ProcessId>${e(item.processId)}</tr:ProcessId><tr:Version>${item.version}</tr:Version>` +
      (item.contentHash ? `<tr:ContentHash>${e(item.contentHash)}</tr:ContentHash>` : '') +
      `<tr:ActivityId>${e(item.activityId)}</tr:ActivityId><tr:ActivityInstanceId>${e(item.activityInstanceId)}</tr:ActivityInstanceId>${dataXml(item.data)}</tr:HandOver>`;
  }
  if (item.kind === 'publish') {
    return `<tr:Publish><tr:ItemId>${e(item.itemId)}</tr:ItemId><tr:PackageId>${e(item.packageId)}</tr:PackageId><tr:Package>${e(item.source)}</tr:Package></tr:Publish>`;
  }
  return `<tr:Result><tr:ItemId>${e(item.itemId)}</tr:ItemId><tr:CaseId>${e(item.caseId)}</tr:CaseId>` +
    `<tr:ActivityInstanceId>${e(item.activityInstanceId)}</tr:ActivityInstanceId><tr:Outcome>${item.outcome}</tr:Outcome>` +
    (item.reason ? `<tr:Reason>${e(item.reason)}</tr:Reason>` : '') + `${dataXml(item.data)}</tr:Result>`;
}

/** What a Deliver message signs, in exclusive-c14n form: the sender hands it to EnvelopeCrypto.sign (signCanonical). */
export function deliverContent(header: TransferHeader, items: TransferItem[]): CanonicalContent {
  return {
    transferHeader: `<tr:MessageId>${e(header.messageId)}</tr:MessageId><tr:Sender>${e(header.sender)}</tr:Sender>` +
      `<tr:Receiver>${e(header.receiver)}</tr:Receiver><tr:SentAt>${header.sentAt.toISOString()}</tr:SentAt>`,
    // Deliver is the Body's first element to use tr, so canonical form declares it there.
    body: `<tr:Deliver xmlns:tr="${TRANSFER_NS}">${items.map(itemXml).join('')}</tr:Deliver>`,
  };
}

/** The same Deliver message unsigned, for signEnvelope (tests, tools): built from deliverContent. */
export function deliverEnvelope(header: TransferHeader, items: TransferItem[]): string {
  const content = deliverContent(header, items);
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tr="${TRANSFER_NS}">` +
    `<soap:Header><tr:TransferHeader>${content.transferHeader}</tr:TransferHeader></soap:Header><soap:Body>${content.body}</soap:Body></soap:Envelope>`;
}

export function deliverResponse(acks: Ack[]): string {
  return `<tr:DeliverResponse xmlns:tr="${TRANSFER_NS}">${acks.map((a) => `<tr:Ack><tr:ItemId>${escapeXml(a.itemId)}</tr:ItemId><tr:Status>${a.status}</tr:Status>${a.reason ? `<tr:Reason>${escapeXml(a.reason)}</tr:Reason>` : ''}</tr:Ack>`).join('')}</tr:DeliverResponse>`;
}

type Node = SoapNode;

/**
 * A field's text, exactly as sent: the signed parts are read with the request parser (one checked
 * pass, entities decoded, nothing trimmed), so a value's leading and trailing spaces and line
 * breaks arrive as they left. A field given twice, or holding elements, is refused rather than
 * read one way or another.
 */
function text(node: Node, name: string, where: string, optional = false): string {
  let v = node[name];
  if (Array.isArray(v)) throw new Error(`${where}: ${name} appears ${v.length} times; it is given once`);
  if (v !== null && typeof v === 'object') {
    if (Object.keys(v).some((k) => k !== ATTRIBUTES_KEY && k !== TEXT_KEY)) throw new Error(`${where}: ${name} holds elements; it is text`);
    v = (v as Node)[TEXT_KEY] ?? '';
  }
  if (v === undefined || v === '') {
    if (optional) return '';
    throw new Error(`${where}: ${name} is missing`);
  }
  return String(v);
}

/** The elements of a repeatable child: none, one or several. */
function list(node: Node | undefined, name: string): Node[] {
  const v = node?.[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (x !== null && typeof x === 'object' ? (x as Node) : ({ [TEXT_KEY]: x } as Node)));
}

function child(node: Node | undefined, name: string): Node | undefined {
  const v = node?.[name];
  if (Array.isArray(v)) throw new Error(`${name} appears ${v.length} times; it is given once`);
  return v !== null && typeof v === 'object' ? (v as Node) : undefined;
}

function readData(node: Node): Record<string, string> {
  const data: Record<string, string> = {};
  for (const item of list(child(node, 'Data'), 'Item')) data[text(item, 'Name', 'Data/Item')] = text(item, 'Value', 'Data/Item', true);
  return data;
}

/** Reads the items of a Deliver from the signed Body (never from the unsigned envelope). */
export function readDeliver(signedBodyXml: string): TransferItem[] {
  const deliver = child(parseElement(signedBodyXml).node, 'Deliver');
  if (!deliver) throw new Error('the signed Body holds no tr:Deliver');
  const items: TransferItem[] = [];
  for (const h of list(deliver, 'HandOver')) {
    const version = Number(text(h, 'Version', 'HandOver'));
    if (!Number.isInteger(version)) throw new Error('HandOver: Version is not a whole number');
    items.push({
      kind: 'hand-over',
      itemId: text(h, 'ItemId', 'HandOver'),
      caseId: text(h, 'CaseId', 'HandOver'),
      home: text(h, 'Home', 'HandOver'),
      processId: text(h, 'ProcessId', 'HandOver'),
      version,
      contentHash: text(h, 'ContentHash', 'HandOver', true) || undefined,
      activityId: text(h, 'ActivityId', 'HandOver'),
      activityInstanceId: text(h, 'ActivityInstanceId', 'HandOver'),
      data: readData(h),
    });
  }
  for (const r of list(deliver, 'Result')) {
    const outcome = text(r, 'Outcome', 'Result');
    if (outcome !== 'completed' && outcome !== 'failed') throw new Error(`Result: Outcome "${outcome}" is neither completed nor failed`);
    items.push({
      kind: 'result',
      itemId: text(r, 'ItemId', 'Result'),
      caseId: text(r, 'CaseId', 'Result'),
      activityInstanceId: text(r, 'ActivityInstanceId', 'Result'),
      outcome,
      reason: text(r, 'Reason', 'Result', true) || undefined,
      data: readData(r),
    });
  }
  for (const p of list(deliver, 'Publish')) {
    const packageId = text(p, 'PackageId', 'Publish');
    items.push({ kind: 'publish', itemId: text(p, 'ItemId', 'Publish'), caseId: `package:${packageId}`.slice(0, 64), packageId, source: text(p, 'Package', 'Publish') });
  }
  return items;
}

export function readTransferHeader(signedHeaderXml: string): TransferHeader {
  const h = parseElement(signedHeaderXml).node;
  return {
    messageId: text(h, 'MessageId', 'TransferHeader'),
    sender: text(h, 'Sender', 'TransferHeader'),
    receiver: text(h, 'Receiver', 'TransferHeader'),
    sentAt: new Date(text(h, 'SentAt', 'TransferHeader')),
  };
}

/** Reads the acks of a DeliverResponse, from the reply soapCall already parsed. */
export function readAcks(reply: { envelope?: ParsedEnvelope; fault?: { reason: string } }): Ack[] {
  if (reply.fault) throw new Error(`SOAP fault: ${reply.fault.reason}`);
  if (!reply.envelope || reply.envelope.operation.localName !== 'DeliverResponse') throw new Error('the answer holds no DeliverResponse');
  return list(reply.envelope.body, 'Ack').map((a) => {
    const status = text(a, 'Status', 'Ack') as AckStatus;
    const reason = text(a, 'Reason', 'Ack', true);
    return { itemId: text(a, 'ItemId', 'Ack'), status, ...(reason ? { reason } : {}) };
  });
}
