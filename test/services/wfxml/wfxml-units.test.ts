import { expect } from 'chai';
import { correlationOf, instanceKey, subprocessObserverKey } from '../../../src/services/wfxml';
import { dataChildren, dataSchema, decodeLocalName, encodeLocalName, readDataElement, resultFields } from '../../../src/services/wfxml/context-data';
import { inlineDefinition, isXpdlLanguage } from '../../../src/services/wfxml/definition-xml';
import { stateHistory, previousState } from '../../../src/services/wfxml/instance-service';
import type { DataField, HistoryRecord } from '../../../src/engine';
import { validate } from './wfxml-support';

describe('Wf-XML building blocks', () => {
  describe('data field names as element names', () => {
    it('keeps valid names and encodes the rest the XmlConvert way, reversibly', () => {
      expect(encodeLocalName('caseRef')).to.equal('caseRef');
      expect(encodeLocalName('2nd-review')).to.equal('_x0032_nd-review');
      expect(encodeLocalName('a b:c')).to.equal('a_x0020_b_x003A_c');
      expect(encodeLocalName('_x0041_')).to.equal('_x005F_x0041_');
      for (const id of ['caseRef', '2nd-review', 'a b:c', '_x0041_', 'ü.x']) expect(decodeLocalName(encodeLocalName(id))).to.equal(id);
    });
  });

  describe('ContextData ↔ data', () => {
    const fields: DataField[] = [
      { id: 'caseRef', type: 'STRING', name: 'Case reference' },
      { id: 'count', type: 'INTEGER', mode: 'OUT' },
      { id: 'tags', type: 'STRING', isArray: true },
      { id: '1st', type: 'BOOLEAN', mode: 'INOUT' },
    ];

    it('reads text, repeated elements as arrays, xsi:nil as null, encoded names decoded', () => {
      const data = readDataElement({ caseRef: 'BP-1', tags: ['a', 'b'], count: { '@': { nil: 'true' } }, _x0031_st: 'true' }, 'ContextData');
      expect(data).to.deep.equal({ caseRef: 'BP-1', tags: ['a', 'b'], count: null, '1st': 'true' });
    });

    it('refuses text directly inside ContextData', () => {
      expect(() => readDataElement({ '#text': '<caseRef>x</caseRef>' }, 'CreateInstanceRq/ContextData')).to.throw(/must hold one element per data field/);
    });

    it('writes declared fields in order, arrays repeated, nulls left out, undeclared ones on request', () => {
      const xml = dataChildren(fields, { tags: ['x', 'y<'], caseRef: 'BP', count: null, extra: { a: 1 } }, true);
      expect(xml).to.equal('<caseRef>BP</caseRef><tags>x</tags><tags>y&lt;</tags><extra>{&quot;a&quot;:1}</extra>');
    });

    it('results are the OUT/INOUT parameters when there are any, else every field', () => {
      expect(resultFields({ dataFields: fields } as never).map((f) => f.id)).to.deep.equal(['count', '1st']);
      expect(resultFields({ dataFields: [fields[0]] } as never).map((f) => f.id)).to.deep.equal(['caseRef']);
    });

    it('the data schema is an XML Schema declaring one element per field', () => {
      const xsd = dataSchema(fields);
      expect(xsd).to.contain('<xsd:element name="count" type="xsd:long">');
      expect(xsd).to.contain('<xsd:element name="_x0031_st" type="xsd:boolean">');
      // Carried in lax open content, as GetPropertiesRs carries it; xmllint also checks it is well-formed.
      validate(`<as:ContextData xmlns:as="http://www.oasis-open.org/asap/0.9/asap.xsd">${xsd}</as:ContextData>`, 'asap.xsd');
    });
  });

  describe('keys', () => {
    it('the correlated observer key carries the instance and the message id, and is read back from a key or URL', () => {
      const key = subprocessObserverKey('http://a.example:8080/', { instanceId: 'i 1', messageId: 'm/2' });
      expect(key).to.equal('http://a.example:8080/wfxml/observer/i%201/m%2F2');
      expect(correlationOf(key)).to.deep.equal({ instanceId: 'i 1', messageId: 'm/2' });
      expect(correlationOf('http://a.example/wfxml/observer')).to.equal(undefined);
      expect(correlationOf('not a url')).to.equal(undefined);
      expect(instanceKey('http://a.example/', 'x')).to.equal('http://a.example/wfxml/instance/x');
    });
  });

  describe('inline definitions', () => {
    it('cuts the Definition element out of the request with the envelope\'s namespace declarations', () => {
      const env =
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="http://www.wfmc.org/2008/XPDL2.1"><s:Body>' +
        '<w:SetDefinitionRq xmlns:w="http://www.wfmc.org/wfxml/2.0/"><w:Definition><x:Package Id="p" Name=\'say "hi" &amp; go\'><x:Script>a &lt; b</x:Script></x:Package></w:Definition></w:SetDefinitionRq>' +
        '</s:Body></s:Envelope>';
      const doc = inlineDefinition(env)!;
      expect(doc).to.contain('<x:Package xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="http://www.wfmc.org/2008/XPDL2.1" xmlns:w="http://www.wfmc.org/wfxml/2.0/" Id="p" Name="say &quot;hi&quot; &amp; go">');
      expect(doc).to.contain('<x:Script>a &lt; b</x:Script>');
    });

    it('finds nothing when Definition holds text', () => {
      expect(inlineDefinition('<s:Envelope xmlns:s="u"><s:Body><R><Definition>&lt;Package/&gt;</Definition></R></s:Body></s:Envelope>')).to.equal(undefined);
    });

    it('accepts XPDL by name, version or namespace and nothing else', () => {
      for (const ok of [undefined, '', 'XPDL', 'xpdl 2.1', 'XPDL1.0', 'http://www.wfmc.org/2002/XPDL1.0']) expect(isXpdlLanguage(ok), String(ok)).to.equal(true);
      for (const no of ['BPEL', 'BPMN 2.0', 'XPDL-ish']) expect(isXpdlLanguage(no), no).to.equal(false);
    });
  });

  describe('state history', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const h = (type: string, detail?: Record<string, unknown>): HistoryRecord => ({ instanceId: 'i', at, type, ...(detail ? { detail } : {}) });
    const records = [
      h('instance.created'),
      h('instance.stateChanged', { from: 'open.notrunning', to: 'open.running' }),
      h('data.changed', { changed: { a: 1 } }),
      h('instance.stateChanged', { from: 'open.running', to: 'open.notrunning.suspended' }),
      h('instance.stateChanged', { from: 'open.notrunning.suspended', to: 'closed.abnormalCompleted.terminated' }),
    ];

    it('keeps creation and state changes only, with old and new states', () => {
      const events = stateHistory(records, { instance: 'I', factory: 'F' });
      expect(events.map((e) => [e.type, e.source, e.oldState, e.newState])).to.deep.equal([
        ['InstanceCreated', 'F', undefined, 'open.notrunning'],
        ['StateChanged', 'I', 'open.notrunning', 'open.running'],
        ['StateChanged', 'I', 'open.running', 'open.notrunning.suspended'],
        ['StateChanged', 'I', 'open.notrunning.suspended', 'closed.abnormalCompleted.terminated'],
      ]);
    });

    it('the previous state of a closed instance comes from its last transition into that state', () => {
      expect(previousState(records, 'closed.abnormalCompleted.terminated')).to.equal('open.notrunning.suspended');
      expect(previousState([h('instance.aborted')], 'closed.abnormalCompleted.aborted')).to.equal('open.running');
    });
  });
});
