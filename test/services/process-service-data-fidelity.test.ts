import { expect } from 'chai';
import type { DataField } from '../../src/engine';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';
import { call, PS_NS, startTestServer, type TestServer } from './support';
import { children, elements, FIDELITY_VALUES, fieldOf, readXml, textOfElement, wireText } from './text-fidelity';

const KEYS = Object.keys(FIDELITY_VALUES);
const fields: DataField[] = [...KEYS.map((k) => ({ id: fieldOf(k), type: 'STRING' as const })), { id: 'list', type: 'STRING', isArray: true }, { id: 'absent', type: 'STRING' }];
const definition = process('fidelity', {
  fields,
  activities: [start(), manual('edit', 'clerk', { updates: fields.map((f) => f.id), views: [] }), manual('look', 'clerk', { views: fields.map((f) => f.id) }), end()],
  transitions: [flow('start', 'edit'), flow('edit', 'look'), flow('look', 'end')],
});

function items(values: Record<string, string>): string {
  return Object.entries(values).map(([k, v]) => `<ps:Item><ps:Name>${fieldOf(k)}</ps:Name><ps:Value>${wireText(v)}</ps:Value></ps:Item>`).join('');
}

/** Data items of a reply element (GetProcessInstance's Data), by name: the Value's text, or null without one. */
function dataOf(parent: Parameters<typeof children>[0]): Record<string, string | null | Array<string | null>> {
  const out: Record<string, string | null | Array<string | null>> = {};
  for (const item of children(parent, 'Item')) {
    const name = textOfElement(children(item, 'Name')[0]);
    const [value] = children(item, 'Value');
    const v = value ? textOfElement(value) : null;
    out[name] = name in out ? ([] as Array<string | null>).concat(out[name], v) : v;
  }
  return out;
}

const expected = Object.fromEntries(KEYS.map((k) => [fieldOf(k), FIDELITY_VALUES[k]]));

/**
 * The audit after the transfer readers trimmed data values: every ProcessService operation that
 * carries case data, over real HTTP on loopback, with values that a trimming, normalising or
 * half-decoding reader or writer would change. What goes in is stored exactly, and what comes out
 * is read back exactly by a parser that is not Interflow's.
 */
describe('ProcessService carries data values exactly (spaces, tabs, CR/CRLF, references, non-BMP, markup)', function () {
  this.timeout(30_000);
  let srv: TestServer;
  let caseId: string;
  const subject = '  Subject\twith <markup> & a line\r\nbreak 😀  ';

  before(async () => {
    srv = await startTestServer();
    await srv.engine.deploy(pkg(definition));
    const res = await call(
      srv.endpoint,
      '1.1',
      `<ps:StartProcess xmlns:ps="${PS_NS}"><ps:ProcessDefinitionId>fidelity</ps:ProcessDefinitionId><ps:Subject>${wireText(subject)}</ps:Subject><ps:Data>${items(FIDELITY_VALUES)}` +
        `<ps:Item><ps:Name>list</ps:Name><ps:Value> one </ps:Value></ps:Item><ps:Item><ps:Name>list</ps:Name><ps:Value></ps:Value></ps:Item><ps:Item><ps:Name>list</ps:Name><ps:Value>&#x9;</ps:Value></ps:Item>` +
        `<ps:Item><ps:Name>absent</ps:Name></ps:Item></ps:Data></ps:StartProcess>`,
    );
    expect(res.status, res.body).to.equal(200);
    caseId = textOfElement(elements(readXml(res.body), 'ProcessInstanceId')[0]);
  });
  after(async () => srv.close());

  it('StartProcess stores every value and the Subject exactly; an empty Value is "", no Value is null', async () => {
    const inst = await srv.engine.getInstance(caseId);
    expect(inst.data).to.deep.include(expected);
    expect(inst.data.list).to.deep.equal([' one ', '', '\t']);
    expect(inst.data.absent).to.equal(null);
    expect(inst.subject).to.equal(subject);
  });

  it('GetProcessInstance returns every value and the Subject exactly, "" as an empty Value and null without one', async () => {
    const res = await call(srv.endpoint, '1.1', `<ps:GetProcessInstance xmlns:ps="${PS_NS}"><ps:ProcessInstanceId>${caseId}</ps:ProcessInstanceId></ps:GetProcessInstance>`);
    expect(res.status, res.body).to.equal(200);
    expect(res.body, 'a carriage return written raw would be read as a line feed').not.to.contain('\r');
    const doc = readXml(res.body);
    const data = dataOf(elements(doc, 'Data')[0]);
    expect(data).to.deep.include(expected);
    expect(data.list).to.deep.equal([' one ', '', '\t']);
    expect(data.absent).to.equal(null);
    expect(textOfElement(elements(doc, 'Subject')[0])).to.equal(subject);
  });

  it('ListProcessInstances returns the Subject exactly', async () => {
    const res = await call(srv.endpoint, '1.2', `<ps:ListProcessInstances xmlns:ps="${PS_NS}"><ps:ProcessDefinitionId>fidelity</ps:ProcessDefinitionId></ps:ListProcessInstances>`);
    expect(res.status, res.body).to.equal(200);
    expect(elements(readXml(res.body), 'Subject').map(textOfElement)).to.deep.equal([subject]);
  });

  it('GetWorklist and GetWorkItem show the current values in the form exactly', async () => {
    const res = await call(srv.endpoint, '1.1', `<ps:GetWorklist xmlns:ps="${PS_NS}"><ps:ProcessInstanceId>${caseId}</ps:ProcessInstanceId></ps:GetWorklist>`);
    expect(res.status, res.body).to.equal(200);
    const [item] = elements(readXml(res.body), 'WorkItem');
    const id = textOfElement(children(item, 'WorkItemId')[0]);
    const one = await call(srv.endpoint, '1.2', `<ps:GetWorkItem xmlns:ps="${PS_NS}"><ps:WorkItemId>${id}</ps:WorkItemId></ps:GetWorkItem>`);
    expect(one.status, one.body).to.equal(200);
    for (const body of [res.body, one.body]) {
      const form = Object.fromEntries(elements(readXml(body), 'Update').map((u) => [textOfElement(children(u, 'Name')[0]), children(u, 'Value').map(textOfElement)]));
      for (const k of KEYS) expect(form[fieldOf(k)], k).to.deep.equal([FIDELITY_VALUES[k]]);
      expect(form.list).to.deep.equal([' one ', '', '\t']);
      expect(form.absent).to.deep.equal([]);
    }
  });

  it('CompleteWorkItem stores every value exactly (reversed, so that each field changes), and the next form shows them', async () => {
    const [item] = await srv.engine.worklist({ instanceId: caseId });
    const reversed = Object.fromEntries(KEYS.map((k, i) => [k, FIDELITY_VALUES[KEYS[KEYS.length - 1 - i]]]));
    const res = await call(
      srv.endpoint,
      '1.2',
      `<ps:CompleteWorkItem xmlns:ps="${PS_NS}"><ps:WorkItemId>${item.id}</ps:WorkItemId><ps:Data>${items(reversed)}<ps:Item><ps:Name>absent</ps:Name><ps:Value/></ps:Item></ps:Data></ps:CompleteWorkItem>`,
    );
    expect(res.status, res.body).to.equal(200);
    const inst = await srv.engine.getInstance(caseId);
    expect(inst.data).to.deep.include(Object.fromEntries(KEYS.map((k) => [fieldOf(k), reversed[k]])));
    expect(inst.data.absent).to.equal('');

    const [next] = await srv.engine.worklist({ instanceId: caseId });
    const shown = await call(srv.endpoint, '1.1', `<ps:GetWorkItem xmlns:ps="${PS_NS}"><ps:WorkItemId>${next.id}</ps:WorkItemId></ps:GetWorkItem>`);
    const reads = Object.fromEntries(elements(readXml(shown.body), 'Read').map((r) => [textOfElement(children(r, 'Name')[0]), children(r, 'Value').map(textOfElement)]));
    for (const k of KEYS) expect(reads[fieldOf(k)], k).to.deep.equal([reversed[k]]);
    expect(reads.absent).to.deep.equal(['']);
  });

  it('a Value with xsi:type (PHP SoapClient and Axis send it on every element) is its text exactly; xsi:nil is null', async () => {
    const typed = (name: string, value: string) => `<ps:Item><ps:Name>${name}</ps:Name><ps:Value xsi:type="xsd:string">${value}</ps:Value></ps:Item>`;
    const res = await call(
      srv.endpoint,
      '1.1',
      `<ps:StartProcess xmlns:ps="${PS_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><ps:ProcessDefinitionId>fidelity</ps:ProcessDefinitionId><ps:Data>` +
        `${typed(fieldOf('onlySpaces'), '   ')}${typed(fieldOf('empty'), '')}${typed(fieldOf('crlf'), wireText(FIDELITY_VALUES.crlf))}` +
        `<ps:Item><ps:Name>${fieldOf('spaces')}</ps:Name><ps:Value xsi:nil="true"/></ps:Item></ps:Data></ps:StartProcess>`,
    );
    expect(res.status, res.body).to.equal(200);
    const id = textOfElement(elements(readXml(res.body), 'ProcessInstanceId')[0]);
    expect((await srv.engine.getInstance(id)).data).to.deep.include({ [fieldOf('onlySpaces')]: '   ', [fieldOf('empty')]: '', [fieldOf('crlf')]: FIDELITY_VALUES.crlf, [fieldOf('spaces')]: null });
  });

  it('a Value sent as CDATA, or as CDATA beside references, is taken exactly', async () => {
    const value = '  <b>bold</b> & co\r\n  ';
    const res = await call(
      srv.endpoint,
      '1.1',
      `<ps:StartProcess xmlns:ps="${PS_NS}"><ps:ProcessDefinitionId>fidelity</ps:ProcessDefinitionId><ps:Data>` +
        `<ps:Item><ps:Name>${fieldOf('spaces')}</ps:Name><ps:Value><![CDATA[  <b>bold</b> & co]]>&#xD;<![CDATA[\n  ]]></ps:Value></ps:Item></ps:Data></ps:StartProcess>`,
    );
    expect(res.status, res.body).to.equal(200);
    const id = textOfElement(elements(readXml(res.body), 'ProcessInstanceId')[0]);
    expect((await srv.engine.getInstance(id)).data[fieldOf('spaces')]).to.equal(value);
  });
});
