import { expect } from 'chai';
import { signCanonical, signEnvelope } from '../../../src/transfer/signing';
import { readDeliver, readTransferHeader } from '../../../src/transfer/transfer-items';
import { deliverMessage, envelope, expectRefused, makeDepartments, verifyIn, type Departments } from './helpers';

/**
 * U+0085 and U+2028 are written by both signers as character references (lineEndsAsReferences):
 * the verifier reads a reference as the character and a raw one as a line feed (xmldom's XML 1.1
 * line ends), so swapping one form for the other on the way must break the digest.
 */
describe('signed U+0085 and U+2028 against a man in the middle', () => {
  let d: Departments;
  before(async () => (d = await makeDepartments()));
  after(() => d.cleanup());

  const value = 'a\u0085b\u2028c';

  for (const signer of ['signCanonical', 'signEnvelope'] as const) {
    const signed = (m: ReturnType<typeof deliverMessage>) => (signer === 'signCanonical' ? signCanonical(m.content, d.plan) : signEnvelope(m.envelope, d.plan));

    it(`${signer}: the value arrives exactly; the references written in its place may not be swapped for the raw character or a line feed`, async () => {
      const message = signed(deliverMessage({ value }));
      expect(message).not.to.match(/[\u0085\u2028]/);
      const [item] = readDeliver((await verifyIn(d, message)).signedBody);
      expect(item.kind === 'hand-over' && item.data.amount).to.equal(value);
      for (const [reference, raw] of [['&#x85;', '\u0085'], ['&#x2028;', '\u2028']]) {
        for (const swapped of [raw, '\n', '&#xA;']) {
          await expectRefused(verifyIn(d, message.replace(reference, swapped)), 'bad-signature');
        }
      }
    });

    it(`${signer}: a line feed signed and replaced by a raw U+0085 or U+2028 on the way verifies, but the receiver reads the signed line feed`, async () => {
      const message = signed(deliverMessage({ value: 'x\ny' }));
      for (const raw of ['\u0085', '\u2028']) {
        const [item] = readDeliver((await verifyIn(d, message.replace('x\ny', `x${raw}y`))).signedBody);
        expect(item.kind === 'hand-over' && item.data.amount).to.equal('x\ny');
      }
    });
  }

  it('signEnvelope: U+0085 in a TransferHeader field is handed on as itself', async () => {
    const m = deliverMessage({ value });
    const verified = await verifyIn(d, signEnvelope(m.envelope.replace(m.header.messageId, `m${value}`), d.plan));
    expect(readTransferHeader(verified.signedHeader).messageId).to.equal(`m${value}`);
  });

  it('regression: signEnvelope wrote a message its verifier refuses when a comment outside the signed parts mentions "<![CDATA[" (lineEndsAsReferences took it for a CDATA section up to a later "]]>")', async () => {
    const unsigned = envelope({ items: 2 })
      .replace('<soap:Header>', '<soap:Header><!-- values may come as <![CDATA[ sections -->')
      .replace('<tr:Value>100</tr:Value>', `<tr:Value>${value}</tr:Value>`)
      .replace('<tr:Value>101</tr:Value>', '<tr:Value><![CDATA[C]]></tr:Value>');
    const items = readDeliver((await verifyIn(d, signEnvelope(unsigned, d.plan))).signedBody);
    expect(items.map((i) => i.kind === 'hand-over' && i.data.amount)).to.deep.equal([value, 'C']);
  });
});
