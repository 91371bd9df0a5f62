import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CompiledSchema, validateElement, type SchemaType } from '../../../src/services/soap/schema';
import { SoapFault } from '../../../src/services/soap';

const NS = 'urn:test:schema';

/** Compiles a schema given as text (written to a scratch file, as the service's files are read). */
function compile(body: string): CompiledSchema {
  const dir = mkdtempSync(join(tmpdir(), 'interflow-xsd-'));
  try {
    const file = join(dir, 'test.xsd');
    writeFileSync(file, `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:t="${NS}" targetNamespace="${NS}" elementFormDefault="qualified">${body}</xsd:schema>`);
    return new CompiledSchema({ file, schemas: {} }).compileAll();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function problem(type: SchemaType, value: unknown, root = 'Op'): string | undefined {
  try {
    validateElement(type, value, root);
    return undefined;
  } catch (e) {
    expect(e).to.be.instanceOf(SoapFault);
    expect((e as SoapFault).kind).to.equal('Client');
    expect((e as SoapFault).code).to.equal('INVALID_FIELD');
    return (e as SoapFault).message;
  }
}

describe('request validation from the published schema (src/services/soap/schema)', () => {
  describe('simple types, per XSD 1.0 part 2', () => {
    const schema = compile(`
      <xsd:element name="Op"><xsd:complexType><xsd:sequence>
        <xsd:element name="B" type="xsd:boolean" minOccurs="0"/>
        <xsd:element name="I" type="xsd:int" minOccurs="0"/>
        <xsd:element name="D" type="xsd:dateTime" minOccurs="0"/>
        <xsd:element name="U" type="xsd:anyURI" minOccurs="0"/>
        <xsd:element name="P" minOccurs="0"><xsd:simpleType><xsd:restriction base="xsd:string"><xsd:pattern value="[A-Z]-\\d+"/></xsd:restriction></xsd:simpleType></xsd:element>
        <xsd:element name="L" type="t:Codes" minOccurs="0"/>
      </xsd:sequence></xsd:complexType></xsd:element>
      <xsd:simpleType name="Codes"><xsd:list itemType="xsd:int"/></xsd:simpleType>`);
    const op = schema.element(NS, 'Op')!;

    it('xsd:boolean takes true, false, 1, 0 (whitespace collapsed) and nothing else', () => {
      for (const ok of ['true', 'false', '1', '0', ' true\n']) expect(problem(op, { B: ok }), ok).to.equal(undefined);
      for (const bad of ['yes', 'no', 'TRUE', 'True', 'on']) expect(problem(op, { B: bad }), bad).to.match(/^Op\/B: expected a boolean \(xsd:boolean: true, false, 1 or 0\); got "/);
      expect(problem(op, { B: '' })).to.match(/^Op\/B: is empty; .*PHP SoapClient sends PHP false as an empty element/);
    });

    it('xsd:int is bounded to 32 bits; xsd:dateTime checks the calendar', () => {
      expect(problem(op, { I: '2147483647' })).to.equal(undefined);
      expect(problem(op, { I: '2147483648' })).to.match(/^Op\/I: expected an integer \(xsd:int\)/);
      expect(problem(op, { I: '1.5' })).to.match(/got "1\.5"/);
      expect(problem(op, { D: '2026-12-02T09:30:00Z' })).to.equal(undefined);
      expect(problem(op, { D: '2026-12-02T09:30:00.123+01:00' })).to.equal(undefined);
      expect(problem(op, { D: '2026-02-30T09:30:00Z' })).to.match(/expected a date and time/);
      expect(problem(op, { D: '2026-12-02 09:30' })).to.match(/expected a date and time/);
    });

    it('xsd:anyURI refuses what no escaping makes a URI', () => {
      for (const ok of ['http://a.example/x?y=1#z', 'urn:interflow:x', 'relative/path', 'http://a.example/caf%C3%A9']) expect(problem(op, { U: ok }), ok).to.equal(undefined);
      for (const bad of ['transfer:["market","c1"]', 'http://a.example/a|b', '1http://x', 'http://a.example/%zz']) expect(problem(op, { U: bad }), bad).to.match(/expected a URI \(xsd:anyURI/);
    });

    it('patterns are anchored, lists are checked item by item', () => {
      expect(problem(op, { P: 'A-12' })).to.equal(undefined);
      expect(problem(op, { P: 'xA-12' })).to.match(/matching the pattern/);
      expect(problem(op, { L: '1 2  3' })).to.equal(undefined);
      expect(problem(op, { L: '1 two' })).to.match(/the item "two" is not valid/);
    });
  });

  describe('structure', () => {
    const schema = compile(`
      <xsd:element name="Op"><xsd:complexType><xsd:sequence>
        <xsd:element name="A" type="xsd:string"/>
        <xsd:choice>
          <xsd:element name="X" type="xsd:string"/>
          <xsd:element name="Y" type="xsd:string"/>
        </xsd:choice>
        <xsd:element name="R" type="t:Rec" minOccurs="0" maxOccurs="2"/>
        <xsd:element name="Any" minOccurs="0"><xsd:complexType><xsd:sequence><xsd:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType></xsd:element>
      </xsd:sequence></xsd:complexType></xsd:element>
      <xsd:complexType name="Rec"><xsd:sequence><xsd:element name="N" type="xsd:int"/><xsd:element name="R" type="t:Rec" minOccurs="0"/></xsd:sequence></xsd:complexType>`);
    const op = schema.element(NS, 'Op')!;

    it('a choice takes one of its alternatives, and says which when none is there', () => {
      expect(problem(op, { A: 'a', X: 'x' })).to.equal(undefined);
      expect(problem(op, { A: 'a', Y: 'y' })).to.equal(undefined);
      expect(problem(op, { A: 'a' })).to.equal('Op: is missing one of: X, Y');
      expect(problem(op, { A: 'a', X: 'x', Y: 'y' })).to.match(/^Op\/Y: is out of order/);
    });

    it('counts occurrences, indexes repeated elements in paths, and follows recursive types', () => {
      expect(problem(op, { A: 'a', X: 'x', R: [{ N: '1' }, { N: '2', R: { N: '3' } }] })).to.equal(undefined);
      expect(problem(op, { A: 'a', X: 'x', R: [{ N: '1' }, { N: '2', R: { N: 'z' } }] })).to.match(/^Op\/R\[2\]\/R\/N: expected an integer/);
      expect(problem(op, { A: 'a', X: 'x', R: [{ N: '1' }, { N: '2' }, { N: '3' }] })).to.equal('Op/R: appears 3 times; expected at most 2 times');
      expect(problem(op, { A: ['a', 'b'], X: 'x' })).to.equal('Op/A: appears 2 times; expected at most once');
    });

    it('text where elements belong, and elements where text belongs, are refused', () => {
      expect(problem(op, { A: { Z: 'x' }, X: 'x' })).to.match(/^Op\/A: expected text \(a string \(xsd:string\)\), got the child element <Z>/);
      expect(problem(op, { A: 'a', X: 'x', R: 'seven' })).to.match(/^Op\/R: expected t:Rec holding N, R \(optional\) in this order, got the text "seven"/);
    });

    it('xsi:nil counts as absent; a wildcard takes any content, text included', () => {
      expect(problem(op, { A: { '@': { nil: 'true' } }, X: 'x' })).to.match(/^Op\/A: is nil; expected a string/);
      expect(problem(op, { A: 'a', X: 'x', R: { '@': { nil: 'true' } } })).to.equal(undefined);
      expect(problem(op, { A: 'a', X: 'x', Any: { whatever: { deep: 'x' }, '#text': 'and text' } })).to.equal(undefined);
    });
  });

  it('refuses at compile time, by name, what it cannot check', () => {
    expect(() => compile('<xsd:element name="Op"><xsd:complexType><xsd:sequence><xsd:any processContents="strict"/></xsd:sequence></xsd:complexType></xsd:element>')).to.throw(/xsd:any with processContents="strict" is not supported by the request validator/);
    expect(() => compile('<xsd:element name="Op" type="xsd:ENTITY"/>')).to.throw(/xsd:ENTITY is not a type the request validator knows/);
    expect(() => compile('<xsd:element name="Op" type="t:Missing"/>')).to.throw(/the type t:Missing is not declared/);
    expect(() => compile('<xsd:redefine schemaLocation="x.xsd"/>')).to.throw(/xsd:redefine at the top of a schema is not supported/);
  });

  it('compiles every schema the services publish', () => {
    const wsdl = resolve(__dirname, '../../../wsdl');
    const ps = new CompiledSchema({ file: join(wsdl, 'process-service.wsdl'), schemas: { 'process-service.xsd': join(wsdl, 'process-service.xsd') } }).compileAll();
    expect(ps.element('urn:interflow:process-service:1', 'StartProcess')).to.not.equal(undefined);
    const factory = new CompiledSchema({ file: join(wsdl, 'wfxml-factory.wsdl'), schemas: { 'asap.xsd': join(wsdl, 'asap.xsd'), 'wfxml.xsd': join(wsdl, 'wfxml.xsd') } }).compileAll();
    expect(factory.element('http://www.wfmc.org/wfxml/2.0/', 'SetDefinitionRq')).to.not.equal(undefined);
    const uddi = new CompiledSchema({ file: join(wsdl, 'uddi', 'uddi-inquiry.wsdl'), schemas: {} }).compileAll();
    expect(uddi.elementNames, 'the UDDI WSDLs import a schema the node does not serve').to.deep.equal([]);
  });
});
