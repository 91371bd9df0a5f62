import { expect } from 'chai';
import { resolve } from 'node:path';
import { parseEnvelope } from '../../src/services/soap';
import { CompiledSchema, validateElement } from '../../src/services/soap/schema';
import { deliverContent, deliverEnvelope, readDeliver, readTransferHeader, type TransferItem } from '../../src/transfer';

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

  const header = { messageId: 'm', sender: 'market', receiver: 'tax', sentAt: new Date('2026-12-02T10:00:00Z') };
  const withData = (data: Record<string, unknown>): TransferItem => ({ ...handOver, data });
  const bodyOf = (item: TransferItem) => deliverContent(header, [item]).body;
  const readBack = (item: TransferItem) => (readDeliver(`<Body>${bodyOf(item)}</Body>`)[0] as { data: Record<string, unknown> }).data;

  it('writes text, numbers and booleans as a plain Value, as before: a message without nulls, arrays or structures is unchanged', () => {
    expect(bodyOf(withData({ s: 'a & b', n: 12.5, b: false, d: new Date('2026-12-02T10:00:00Z') }))).to.include(
      '<tr:Data><tr:Item><tr:Name>s</tr:Name><tr:Value>a &amp; b</tr:Value></tr:Item><tr:Item><tr:Name>n</tr:Name><tr:Value>12.5</tr:Value></tr:Item>' +
        '<tr:Item><tr:Name>b</tr:Name><tr:Value>false</tr:Value></tr:Item><tr:Item><tr:Name>d</tr:Name><tr:Value>2026-12-02T10:00:00.000Z</tr:Value></tr:Item></tr:Data>',
    );
    // Text is read back as text; the receiving engine converts it by the field's declared type.
    expect(readBack(withData({ n: 12.5, b: false }))).to.deep.equal({ n: '12.5', b: 'false' });
  });

  it('writes null as a Value with xsi:nil (declared where it is used, as exclusive c14n places it) and reads it back as null, not as the empty string', () => {
    expect(bodyOf(withData({ gone: null, empty: '' }))).to.include(
      '<tr:Item><tr:Name>gone</tr:Name><tr:Value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"></tr:Value></tr:Item><tr:Item><tr:Name>empty</tr:Name><tr:Value></tr:Value></tr:Item>',
    );
    expect(readBack(withData({ gone: null, empty: '' }))).to.deep.equal({ gone: null, empty: '' });
    expect(readBack(withData({ skipped: undefined, kept: 'k' }))).to.deep.equal({ kept: 'k' });
  });

  it('writes an array as its elements repeated in an Array, in order, and reads back an array, also when empty or of one element', () => {
    expect(bodyOf(withData({ tags: ['a', null, 3] }))).to.include(
      '<tr:Item><tr:Name>tags</tr:Name><tr:Array><tr:Value>a</tr:Value><tr:Value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"></tr:Value><tr:Value>3</tr:Value></tr:Array></tr:Item>',
    );
    expect(readBack(withData({ many: ['b', 'a', '', ' x\r\n'], none: [], one: ['only'], holes: [null, 'z'] }))).to.deep.equal({ many: ['b', 'a', '', ' x\r\n'], none: [], one: ['only'], holes: [null, 'z'] });
  });

  it('writes a structured value (and an array holding one) as Json and reads back the same value', () => {
    const detail = { a: 1, b: [true, null, 'x < y'], c: { d: 2.5 } };
    const nested = [[1, 2], { k: 'v' }];
    expect(bodyOf(withData({ detail }))).to.include('<tr:Item><tr:Name>detail</tr:Name><tr:Json>{"a":1,"b":[true,null,"x &lt; y"],"c":{"d":2.5}}</tr:Json></tr:Item>');
    expect(readBack(withData({ detail, nested }))).to.deep.equal({ detail, nested });
  });

  it('refuses an Item holding two forms or none, a field given twice, and Json that is not JSON, rather than picking one', () => {
    const read = (items: string) => () => readDeliver(`<Body><tr:Deliver ${TR}><tr:Result><tr:ItemId>r</tr:ItemId><tr:CaseId>c</tr:CaseId><tr:ActivityInstanceId>c/a</tr:ActivityInstanceId><tr:Outcome>completed</tr:Outcome><tr:Data>${items}</tr:Data></tr:Result></tr:Deliver></Body>`);
    expect(read('<tr:Item><tr:Name>n</tr:Name><tr:Value>a</tr:Value><tr:Json>1</tr:Json></tr:Item>')).to.throw(/Item: holds Value and Json; expected one of Value, Array or Json/);
    expect(read('<tr:Item><tr:Name>n</tr:Name></tr:Item>')).to.throw(/Item: holds no Value, Array or Json/);
    expect(read('<tr:Item><tr:Name>n</tr:Name><tr:Value>a</tr:Value></tr:Item><tr:Item><tr:Name>n</tr:Name><tr:Value>b</tr:Value></tr:Item>')).to.throw(/Name: "n" is given twice/);
    expect(read('<tr:Item><tr:Name>n</tr:Name><tr:Json>{a}</tr:Json></tr:Item>')).to.throw(/Json: is not JSON/);
  });

  /** Validates a Deliver as a receiver does before its handler runs (mountSoapService), against the given schema. */
  function schemaProblem(xsd: string, item: TransferItem): string | undefined {
    const schema = new CompiledSchema({ file: resolve(__dirname, '../../wsdl/transfer-service.wsdl'), schemas: { 'transfer-service.xsd': xsd } }).compileAll();
    try {
      validateElement(schema.element('urn:interflow:transfer:1', 'Deliver')!, parseEnvelope(deliverEnvelope(header, [item])).body, 'Deliver');
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }
  const NOW = resolve(__dirname, '../../wsdl/transfer-service.xsd');
  const BEFORE = resolve(__dirname, 'fixtures/transfer-service-before-values.xsd');

  it('the published schema takes every form; a department on the schema before them refuses each new form with a fault, so it never misreads one', () => {
    const forms = { gone: null, tags: ['a', 'b'], one: ['a'], none: [], detail: { a: 1 } };
    for (const [name, v] of Object.entries(forms)) expect(schemaProblem(NOW, withData({ [name]: v })), name).to.equal(undefined);
    expect(schemaProblem(BEFORE, withData({ s: 'a', n: 1 }))).to.equal(undefined);
    expect(schemaProblem(BEFORE, withData({ gone: null }))).to.match(/Deliver\/HandOver\/Data\/Item\/Value: is nil/);
    for (const name of ['tags', 'one', 'none']) expect(schemaProblem(BEFORE, withData({ [name]: forms[name as keyof typeof forms] })), name).to.match(/Deliver\/HandOver\/Data\/Item\/Array: unexpected element/);
    expect(schemaProblem(BEFORE, withData({ detail: forms.detail }))).to.match(/Deliver\/HandOver\/Data\/Item\/Json: unexpected element/);
  });
});
