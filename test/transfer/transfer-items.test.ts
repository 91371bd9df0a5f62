import { expect } from 'chai';
import { deliverEnvelope, readDeliver, readTransferHeader, type TransferItem } from '../../src/transfer';

/** The readers of a Deliver's signed parts: what was sent is what is read, and nothing ambiguous is read at all. */
describe('transfer items, read from the signed parts', () => {
  const TR = 'xmlns:tr="urn:interflow:transfer:1"';
  const handOver: TransferItem = {
    kind: 'hand-over', itemId: 'i-1', caseId: 'c-1', home: 'market', processId: 'p', version: 2,
    activityId: 'a', activityInstanceId: 'c-1/a', data: { spaced: '  x  ', lines: 'one\r\ntwo\n', markup: '<b> & "q" \'a\'', empty: '' },
  };

  it('reads back every field of what deliverEnvelope wrote, values exactly as given', () => {
    const xml = deliverEnvelope({ messageId: 'm', sender: 'market', receiver: 'tax', sentAt: new Date('2026-12-02T10:00:00Z') }, [handOver]);
    const body = xml.slice(xml.indexOf('<soap:Body'), xml.indexOf('</soap:Body>') + '</soap:Body>'.length).replace('<soap:Body>', '<soap:Body xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">');
    expect(readDeliver(body)).to.deep.equal([{ ...handOver, contentHash: undefined }]);
  });

  it('decodes character references (exclusive c14n writes a carriage return as &#xD;)', () => {
    const [item] = readDeliver(`<Body><tr:Deliver ${TR}><tr:Result><tr:ItemId>r</tr:ItemId><tr:CaseId>c</tr:CaseId><tr:ActivityInstanceId>c/a</tr:ActivityInstanceId><tr:Outcome>completed</tr:Outcome><tr:Data><tr:Item><tr:Name>n</tr:Name><tr:Value>a&#xD;\nb &amp; c</tr:Value></tr:Item></tr:Data></tr:Result></tr:Deliver></Body>`);
    expect(item).to.deep.include({ kind: 'result', data: { n: 'a\r\nb & c' } });
  });

  it('refuses a field given twice or holding elements, rather than picking one', () => {
    const header = (inner: string) => `<tr:TransferHeader ${TR}><tr:MessageId>m</tr:MessageId>${inner}<tr:Receiver>tax</tr:Receiver><tr:SentAt>2026-12-02T10:00:00Z</tr:SentAt></tr:TransferHeader>`;
    expect(readTransferHeader(header('<tr:Sender>market</tr:Sender>'))).to.include({ sender: 'market', receiver: 'tax' });
    expect(() => readTransferHeader(header('<tr:Sender>market</tr:Sender><tr:Sender>fire</tr:Sender>'))).to.throw(/TransferHeader\/Sender: appears 2 times/);
    expect(() => readTransferHeader(header('<tr:Sender><tr:X>market</tr:X></tr:Sender>'))).to.throw(/TransferHeader\/Sender: expected text, got child elements/);
  });
});
