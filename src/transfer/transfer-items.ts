import { FieldReader, canonicalText, escapeXml, fieldFault, parseElement, type ParsedEnvelope } from '../services/soap';
import { TRANSFER_NS, XSI_NS, type CanonicalContent } from './signing';

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
  data: TransferData;
}

/**
 * The values a transfer carries, by field name: whatever a data field holds — text, a number, a
 * boolean, null, an array, a structured (ANY) value. The writer picks the form by the value
 * (dataXml), the reader gives back text, null, an array of those or the parsed JSON, and the
 * receiving engine converts it by the field's declared type, as it converts any input.
 */
export type TransferData = Record<string, unknown>;

/** What a performing department sends back to the case's home. */
export interface ResultItem {
  kind: 'result';
  itemId: string;
  caseId: string;
  activityInstanceId: string;
  outcome: 'completed' | 'failed';
  reason?: string;
  data: TransferData;
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

// The signed parts are written in their canonical form (signCanonical digests them as they are):
// escaped as c14n escapes text, never a self-closing tag, no attributes but xsi:nil — declared on
// the element that carries it, as exclusive c14n places a declaration where it is first used.
const e = canonicalText;

const NIL = `<tr:Value xmlns:xsi="${XSI_NS}" xsi:nil="true"></tr:Value>`;

type Scalar = string | number | boolean | Date | null | undefined;

function isScalar(v: unknown): v is Scalar {
  return v === null || v === undefined || typeof v !== 'object' || v instanceof Date;
}

/** A scalar in its XML Schema lexical form (what the receiving engine converts by type); null as xsi:nil. */
function scalarXml(v: Scalar): string {
  if (v === null || v === undefined) return NIL;
  return `<tr:Value>${e(v instanceof Date ? v.toISOString() : String(v))}</tr:Value>`;
}

/**
 * One value's element. Text, numbers and booleans are a Value as they always were (a message
 * without nulls, arrays or structures is byte for byte what older departments send); null is a
 * Value with xsi:nil; an array of those repeats its Value in an Array (the parsed tree keeps the
 * order of one repeated element, not of two interleaved ones); anything else — a structured ANY
 * value, an array holding one — is its JSON in a Json. Every new form is one an older receiver's
 * schema refuses, so it fails loudly there instead of being misread (docs/transfer-design.md).
 */
function valueXml(v: unknown): string {
  if (isScalar(v)) return scalarXml(v);
  if (Array.isArray(v) && v.every(isScalar)) return `<tr:Array>${v.map(scalarXml).join('')}</tr:Array>`;
  return `<tr:Json>${e(JSON.stringify(v))}</tr:Json>`;
}

function dataXml(data: TransferData): string {
  // undefined is no value at all (JSON, the outbox payload's form, has none): left out as before.
  const items = Object.entries(data).filter(([, v]) => v !== undefined);
  return `<tr:Data>${items.map(([k, v]) => `<tr:Item><tr:Name>${e(k)}</tr:Name>${valueXml(v)}</tr:Item>`).join('')}</tr:Data>`;
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

function readData(item: FieldReader): TransferData {
  const data: TransferData = {};
  for (const entry of item.optionalChild('Data')?.children('Item') ?? []) {
    const name = entry.string('Name');
    if (Object.prototype.hasOwnProperty.call(data, name)) throw fieldFault(`${entry.path}/Name`, `"${name}" is given twice; each field is one Item (an array is one Item holding an Array)`);
    data[name] = readValue(entry);
  }
  return data;
}

/** The one value an Item holds: a Value (text, or null when xsi:nil), an Array of those, or Json. */
function readValue(entry: FieldReader): unknown {
  const value = entry.nullableString('Value');
  const array = entry.optionalChild('Array');
  const json = entry.optionalString('Json');
  const forms = [value !== undefined && 'Value', array && 'Array', json !== undefined && 'Json'].filter(Boolean);
  if (forms.length !== 1) throw fieldFault(entry.path, forms.length ? `holds ${forms.join(' and ')}; expected one of Value, Array or Json` : 'holds no Value, Array or Json');
  if (array) return array.nullableStrings('Value');
  if (json === undefined) return value;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw fieldFault(`${entry.path}/Json`, 'is not JSON');
  }
}

/**
 * Reads the items of a Deliver from the signed Body (never from the unsigned envelope), with the
 * request parser and the requests' field reader: a value arrives exactly as sent (its spaces and
 * line breaks kept), and a field given twice or holding elements is refused, naming its path.
 */
export function readDeliver(signedBodyXml: string): TransferItem[] {
  const deliver = new FieldReader(parseElement(signedBodyXml).node, 'Body').optionalChild('Deliver');
  if (!deliver) throw new Error('the signed Body holds no tr:Deliver');
  const items: TransferItem[] = [];
  for (const h of deliver.children('HandOver')) {
    const version = Number(h.string('Version'));
    if (!Number.isInteger(version)) throw new Error('HandOver: Version is not a whole number');
    items.push({
      kind: 'hand-over',
      itemId: h.string('ItemId'),
      caseId: h.string('CaseId'),
      home: h.string('Home'),
      processId: h.string('ProcessId'),
      version,
      contentHash: h.optionalString('ContentHash') || undefined,
      activityId: h.string('ActivityId'),
      activityInstanceId: h.string('ActivityInstanceId'),
      data: readData(h),
    });
  }
  for (const r of deliver.children('Result')) {
    const outcome = r.string('Outcome');
    if (outcome !== 'completed' && outcome !== 'failed') throw new Error(`Result: Outcome "${outcome}" is neither completed nor failed`);
    items.push({
      kind: 'result',
      itemId: r.string('ItemId'),
      caseId: r.string('CaseId'),
      activityInstanceId: r.string('ActivityInstanceId'),
      outcome,
      reason: r.optionalString('Reason') || undefined,
      data: readData(r),
    });
  }
  for (const p of deliver.children('Publish')) {
    const packageId = p.string('PackageId');
    items.push({ kind: 'publish', itemId: p.string('ItemId'), caseId: `package:${packageId}`.slice(0, 64), packageId, source: p.string('Package') });
  }
  return items;
}

export function readTransferHeader(signedHeaderXml: string): TransferHeader {
  const h = new FieldReader(parseElement(signedHeaderXml).node, 'TransferHeader');
  return { messageId: h.string('MessageId'), sender: h.string('Sender'), receiver: h.string('Receiver'), sentAt: new Date(h.string('SentAt')) };
}

/** Reads the acks of a DeliverResponse, from the reply soapCall already parsed. */
export function readAcks(reply: { envelope?: ParsedEnvelope; fault?: { reason: string } }): Ack[] {
  if (reply.fault) throw new Error(`SOAP fault: ${reply.fault.reason}`);
  if (!reply.envelope || reply.envelope.operation.localName !== 'DeliverResponse') throw new Error('the answer holds no DeliverResponse');
  return new FieldReader(reply.envelope.body, 'DeliverResponse').children('Ack').map((a) => {
    const reason = a.optionalString('Reason');
    return { itemId: a.string('ItemId'), status: a.string('Status') as AckStatus, ...(reason ? { reason } : {}) };
  });
}
