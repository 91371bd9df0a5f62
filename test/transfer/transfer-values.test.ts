import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { decodeEntities } from '../../src/services/soap';
import { signCanonical } from '../../src/transfer/signing';
import { deliverContent, TRANSFER_SERVICE_PATH, type TransferItem } from '../../src/transfer';
import { importXpdl } from '../../src/xpdl';
import { waitFor } from '../support/wait-for';
import { closedCase, TransferFederation } from './federation-support';

/**
 * market starts a case and hands "assess" to tax; tax's answer comes back. Every kind of value a
 * data field holds must arrive as it left: null, arrays, structured (ANY) values.
 */
const VALUES_XPDL = `<?xml version="1.0" encoding="UTF-8"?>
<xpdl:Package xmlns:xpdl="http://www.wfmc.org/2008/XPDL2.1" Id="transfer_values" Name="Transfer values">
  <xpdl:PackageHeader><xpdl:XPDLVersion>2.1</xpdl:XPDLVersion><xpdl:Vendor>Interflow</xpdl:Vendor><xpdl:Created>2026-12-01T00:00:00Z</xpdl:Created></xpdl:PackageHeader>
  <xpdl:Participants>
    <xpdl:Participant Id="market"><xpdl:ParticipantType Type="ORGANIZATIONAL_UNIT"/></xpdl:Participant>
    <xpdl:Participant Id="tax"><xpdl:ParticipantType Type="ORGANIZATIONAL_UNIT"/></xpdl:Participant>
  </xpdl:Participants>
  <xpdl:Applications>
    <xpdl:Application Id="prepare"><xpdl:ExtendedAttributes><xpdl:ExtendedAttribute Name="Script" Value="prepared = true"/></xpdl:ExtendedAttributes></xpdl:Application>
  </xpdl:Applications>
  <xpdl:DataFields>
    <xpdl:DataField Id="prepared"><xpdl:DataType><xpdl:BasicType Type="BOOLEAN"/></xpdl:DataType><xpdl:InitialValue>false</xpdl:InitialValue></xpdl:DataField>
    <xpdl:DataField Id="note"><xpdl:DataType><xpdl:BasicType Type="STRING"/></xpdl:DataType><xpdl:InitialValue>"the receiver's initial note"</xpdl:InitialValue></xpdl:DataField>
    <xpdl:DataField Id="tags" IsArray="true"><xpdl:DataType><xpdl:BasicType Type="STRING"/></xpdl:DataType></xpdl:DataField>
    <xpdl:DataField Id="remark"><xpdl:DataType><xpdl:BasicType Type="STRING"/></xpdl:DataType><xpdl:InitialValue>"set at home"</xpdl:InitialValue></xpdl:DataField>
    <xpdl:DataField Id="counts" IsArray="true"><xpdl:DataType><xpdl:BasicType Type="INTEGER"/></xpdl:DataType></xpdl:DataField>
    <xpdl:DataField Id="detail"><xpdl:DataType><xpdl:SchemaType/></xpdl:DataType></xpdl:DataField>
  </xpdl:DataFields>
  <xpdl:WorkflowProcesses>
    <xpdl:WorkflowProcess Id="values_case">
      <xpdl:Activities>
        <xpdl:Activity Id="start"><xpdl:Event><xpdl:StartEvent Trigger="None"/></xpdl:Event></xpdl:Activity>
        <xpdl:Activity Id="prepare">
          <xpdl:Implementation><xpdl:Task><xpdl:TaskApplication Id="prepare"/></xpdl:Task></xpdl:Implementation>
          <xpdl:Performers><xpdl:Performer>market</xpdl:Performer></xpdl:Performers>
        </xpdl:Activity>
        <xpdl:Activity Id="assess">
          <xpdl:Implementation><xpdl:Task><xpdl:TaskUser Implementation="Unspecified"/></xpdl:Task></xpdl:Implementation>
          <xpdl:Performers><xpdl:Performer>tax</xpdl:Performer></xpdl:Performers>
          <xpdl:ExtendedAttributes>
            <xpdl:ExtendedAttribute Name="VariableToProcess_VIEW" Value="note"/>
            <xpdl:ExtendedAttribute Name="VariableToProcess_VIEW" Value="tags"/>
            <xpdl:ExtendedAttribute Name="VariableToProcess_UPDATE" Value="remark"/>
            <xpdl:ExtendedAttribute Name="VariableToProcess_UPDATE" Value="counts"/>
            <xpdl:ExtendedAttribute Name="VariableToProcess_UPDATE" Value="detail"/>
          </xpdl:ExtendedAttributes>
        </xpdl:Activity>
        <xpdl:Activity Id="end"><xpdl:Event><xpdl:EndEvent/></xpdl:Event></xpdl:Activity>
      </xpdl:Activities>
      <xpdl:Transitions>
        <xpdl:Transition Id="t1" From="start" To="prepare"/>
        <xpdl:Transition Id="t2" From="prepare" To="assess"/>
        <xpdl:Transition Id="t3" From="assess" To="end"/>
      </xpdl:Transitions>
    </xpdl:WorkflowProcess>
  </xpdl:WorkflowProcesses>
</xpdl:Package>`;

describe('data values across a transfer: null, arrays and structured values arrive as they left', function () {
  this.timeout(60_000);
  let fed: TransferFederation;
  before(async () => {
    fed = await TransferFederation.open(['market', 'tax'], { coordinator: 'market' });
    await fed.dept('market').engine.deploy(importXpdl(VALUES_XPDL), { source: VALUES_XPDL, publish: true });
    await waitFor(async () => (await fed.dept('tax').engine.listDefinitions()).some((r) => r.processId === 'values_case'), 'values_case to be installed at tax');
  });
  after(async () => fed?.close());

  /** Starts a case at market and waits for tax's work item on it. */
  async function handedOver(data: Record<string, unknown>) {
    const market = fed.dept('market');
    const tax = fed.dept('tax');
    const c = await market.engine.startProcess('values_case', { data });
    const performing = await waitFor(async () => (await tax.engine.listInstances({ homeInstanceId: c.id, limit: 1 })).items[0], `tax to take case ${c.id}`);
    const item = await waitFor(() => tax.item(performing.id, 'assess'), `tax's work item of case ${c.id}`);
    return { caseId: c.id, performing: await tax.engine.getInstance(performing.id), item: item! };
  }

  it('regression: a null handed over arrived as the receiver\'s initial value (a transfer left nulls out)', async () => {
    const { performing } = await handedOver({ note: null, tags: ['x'] });
    expect(performing.data).to.have.property('note', null);
  });

  it('regression: an array crossed a transfer as JSON text ("[\\"a\\",\\"b\\"]" instead of ["a","b"]), both ways; so did a structured value', async () => {
    const tags = ['a', 'b & <c>', '', ' spaced '];
    const { caseId, performing, item } = await handedOver({ note: 'n', tags });
    expect(performing.data.tags).to.deep.equal(tags);
    const detail = { a: 1, b: [true, null, 'x'], c: { d: '2026-12-01' } };
    await fed.dept('tax').engine.completeWorkItem(item.id, { data: { counts: [3, 1, 2], detail } });
    const closed = await closedCase(fed.dept('market'), caseId);
    expect(closed.data.counts).to.deep.equal([3, 1, 2]);
    expect(closed.data.detail).to.deep.equal(detail);
    expect(closed.data.tags).to.deep.equal(tags);
  });

  it('an empty array and a one-element array stay arrays (not null, not a single value)', async () => {
    const { caseId, performing, item } = await handedOver({ note: 'n', tags: [] });
    expect(performing.data.tags).to.deep.equal([]);
    await fed.dept('tax').engine.completeWorkItem(item.id, { data: { counts: [7] } });
    expect((await closedCase(fed.dept('market'), caseId)).data.counts).to.deep.equal([7]);
  });

  it('regression: a field cleared by the performing department stayed set at home (a result left nulls out)', async () => {
    const { caseId, item } = await handedOver({ note: 'n', tags: ['t'] });
    expect((await fed.dept('market').engine.getInstance(caseId)).data).to.have.property('remark', 'set at home');
    await fed.dept('tax').engine.completeWorkItem(item.id, { data: { remark: null } });
    const closed = await closedCase(fed.dept('market'), caseId);
    expect(closed.data).to.have.property('remark', null);
  });

  /** Posts items signed by `from`'s own key, as its dispatcher would, and returns their acks. */
  async function deliver(from: string, to: string, items: TransferItem[]): Promise<Array<{ status: string; reason: string }>> {
    const header = { messageId: randomUUID(), sender: from, receiver: to, sentAt: new Date() };
    const envelope = signCanonical(deliverContent(header, items), fed.dept(from).federation!.identity);
    const res = await fetch(fed.dept(to).url + TRANSFER_SERVICE_PATH, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: envelope });
    const body = await res.text();
    expect(res.status, body).to.equal(200);
    return [...body.matchAll(/<tr:Status>([^<]+)<\/tr:Status>(?:<tr:Reason>([^<]*)<\/tr:Reason>)?/g)].map((m) => ({ status: m[1], reason: decodeEntities(m[2] ?? '') }));
  }

  it('least privilege holds for null: a null for a field the activity does not read (hand-over) or write (result) is refused like a value', async () => {
    const caseId = randomUUID();
    const [handOver] = await deliver('market', 'tax', [{
      kind: 'hand-over', itemId: randomUUID(), caseId, home: 'market', processId: 'values_case', version: 1,
      activityId: 'assess', activityInstanceId: `${caseId}/assess`, data: { note: 'n', prepared: null },
    }]);
    expect(handOver.status).to.equal('refused');
    expect(handOver.reason).to.match(/not authorised: .*"prepared", which the activity does not read/);

    const { caseId: waiting, item } = await handedOver({ note: 'n', tags: [] });
    const activityInstanceId = (await fed.dept('market').engine.getInstance(waiting)).openActivities.find((a) => a.activityId === 'assess')!.activityInstanceId;
    const [result] = await deliver('tax', 'market', [{ kind: 'result', itemId: randomUUID(), caseId: waiting, activityInstanceId, outcome: 'completed', data: { note: null } }]);
    expect(result.status).to.equal('refused');
    expect(result.reason).to.match(/not authorised: .*"note", which the activity does not write/);
    // Nothing changed: the case still waits, and the real result still completes it.
    await fed.dept('tax').engine.completeWorkItem(item.id, { data: {} });
    expect((await closedCase(fed.dept('market'), waiting)).data).to.have.property('note', 'n');
  });
});
