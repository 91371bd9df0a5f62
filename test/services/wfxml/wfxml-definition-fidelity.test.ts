import { expect } from 'chai';
import { importXpdl } from '../../../src/xpdl';
import { envelope, post, type TestServer } from '../support';
import { children, elements, readXml, textOfElement, type Element } from '../text-fidelity';
import { startWfxmlServer, WFXML } from './wfxml-support';

/**
 * An XPDL package whose names, initial value and description hold what a careless reader or
 * writer would change: character references for CR, LF and tab (in attributes, where a literal one
 * would become a space, and in text), escaped markup, a reference that must stay text after one
 * decoding (&amp;#xD;), `]]>`, quotes of both kinds, and characters outside the BMP.
 */
function xpdl(processId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<xpdl:Package xmlns:xpdl="http://www.wfmc.org/2008/XPDL2.1" Id="${processId}_pkg" Name='Quotes "double" &amp; &apos;single&apos;'>
  <xpdl:PackageHeader><xpdl:XPDLVersion>2.1</xpdl:XPDLVersion><xpdl:Vendor>Interflow tests</xpdl:Vendor><xpdl:Created>2026-12-02</xpdl:Created></xpdl:PackageHeader>
  <xpdl:Participants><xpdl:Participant Id="clerk"><xpdl:ParticipantType Type="ROLE"/></xpdl:Participant></xpdl:Participants>
  <xpdl:WorkflowProcesses>
    <xpdl:WorkflowProcess Id="${processId}" Name="Tab&#9;line&#10;return&#13;end 😀 &quot;q&quot;">
      <xpdl:DataFields>
        <xpdl:DataField Id="note" Name="A &lt;note&gt; &amp; more 𠀀">
          <xpdl:DataType><xpdl:BasicType Type="STRING"/></xpdl:DataType>
          <xpdl:InitialValue>first&#xD;&#xA;second&#x9;tab &amp;#xD; ]]&gt; 𠀀 &lt;b&gt; "q" 'a'</xpdl:InitialValue>
          <xpdl:Description>Line one&#13;&#10;line two, with "quotes" &amp; 'apostrophes' &lt;tag/&gt; 😀</xpdl:Description>
        </xpdl:DataField>
      </xpdl:DataFields>
      <xpdl:Activities>
        <xpdl:Activity Id="start"><xpdl:Event><xpdl:StartEvent Trigger="None"/></xpdl:Event></xpdl:Activity>
        <xpdl:Activity Id="work" Name="Work &amp; rest"><xpdl:Implementation><xpdl:Task/></xpdl:Implementation><xpdl:Performers><xpdl:Performer>clerk</xpdl:Performer></xpdl:Performers></xpdl:Activity>
        <xpdl:Activity Id="end"><xpdl:Event><xpdl:EndEvent Result="None"/></xpdl:Event></xpdl:Activity>
      </xpdl:Activities>
      <xpdl:Transitions>
        <xpdl:Transition Id="t1" From="start" To="work"/>
        <xpdl:Transition Id="t2" From="work" To="end"/>
      </xpdl:Transitions>
    </xpdl:WorkflowProcess>
  </xpdl:WorkflowProcesses>
</xpdl:Package>
`;
}

/** The definition as the importer reads the document itself: what every way of sending it must give. */
function imported(document: string, processId: string) {
  const process = importXpdl(document).processes.find((p) => p.id === processId)!;
  return JSON.parse(JSON.stringify(process)) as unknown;
}

const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');

/**
 * The Wf-XML definition reader (src/services/wfxml/definition-xml.ts) and GetDefinition, over real
 * HTTP on loopback: a package sent inline, as escaped text or as CDATA deploys exactly the
 * definition the importer reads from the document, and the one GetDefinition returns, read by
 * another parser, imports to the same.
 */
describe('Wf-XML SetDefinition and GetDefinition carry a definition exactly (references, markup, quotes, non-BMP)', function () {
  this.timeout(30_000);
  let t: TestServer;

  before(async () => {
    t = await startWfxmlServer();
  });
  after(async () => t.close());

  async function setDefinition(processId: string, definition: string): Promise<void> {
    const res = await post(
      `${t.url}/wfxml/factory/${processId}`,
      envelope('1.1', `<wfxml:SetDefinitionRq xmlns:wfxml="${WFXML}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><wfxml:ProcessLanguage>XPDL</wfxml:ProcessLanguage>${definition}</wfxml:SetDefinitionRq>`),
    );
    expect(res.status, res.body).to.equal(200);
  }

  // The engine numbers what it deploys; the rest must be what the importer read.
  const deployed = async (processId: string) => {
    const { version: _version, ...definition } = JSON.parse(JSON.stringify((await t.engine.getDefinition(processId)).definition)) as Record<string, unknown>;
    return definition;
  };

  for (const [how, wrap] of [
    ['inline', (doc: string) => `<wfxml:Definition>${doc.replace(/^<\?xml[^?]*\?>\s*/, '')}</wfxml:Definition>`],
    ['as escaped text', (doc: string) => `<wfxml:Definition>${escaped(doc)}</wfxml:Definition>`],
    ['as CDATA', (doc: string) => `<wfxml:Definition><![CDATA[${doc}]]></wfxml:Definition>`],
  ] as const) {
    it(`a package sent ${how} deploys exactly what the importer reads from it`, async () => {
      const id = `fidelity_${how.replace(/\W/g, '_')}`;
      await setDefinition(id, wrap(xpdl(id)));
      expect(await deployed(id)).to.deep.equal(imported(xpdl(id), id));
    });
  }

  it('regression: a package sent as escaped text in a Definition with xsi:type (as rpc/encoded toolkits send strings) was refused as empty', async () => {
    const id = 'fidelity_typed';
    await setDefinition(id, `<wfxml:Definition xsi:type="xsd:string">${escaped(xpdl(id))}</wfxml:Definition>`);
    expect(await deployed(id)).to.deep.equal(imported(xpdl(id), id));
  });

  it('regression: GetDefinition wrote a carriage return of a description or name raw, so every client read a line feed; another parser now reads the names and description sent, and the same initial value', async () => {
    const id = 'fidelity_get';
    await setDefinition(id, `<wfxml:Definition>${escaped(xpdl(id))}</wfxml:Definition>`);
    const res = await post(`${t.url}/wfxml/factory/${id}`, envelope('1.1', `<wfxml:GetDefinitionRq xmlns:wfxml="${WFXML}"/>`));
    expect(res.status, res.body).to.equal(200);
    const [definition] = elements(readXml(res.body), 'Definition');
    const [returned] = children(definition);
    const sent = readXml(xpdl(id)).documentElement!;
    const values = (root: Element) => ({
      process: elements(root, 'WorkflowProcess').map((e) => e.getAttribute('Name')),
      fields: elements(root, 'DataField').map((e) => [e.getAttribute('Name'), textOfElement(children(e, 'Description')[0])]),
      activities: elements(root, 'Activity').map((e) => e.getAttribute('Name')),
    });
    expect(values(returned)).to.deep.equal(values(sent));
    // The initial value is an expression in the model (a string literal): the returned package,
    // imported, holds the same one.
    const text = /<wfxml:Definition>([\s\S]*)<\/wfxml:Definition>/.exec(res.body)![1];
    expect(importXpdl(text).processes[0].dataFields).to.deep.equal(importXpdl(xpdl(id)).processes[0].dataFields);
  });
});
