import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import { signCanonical, signEnvelope } from '../../../src/transfer/signing';
import { parseStrict, parseWithXmldom, serialize, type XDocument, type XElement, type XNode } from '../../../src/transfer/signing/dom';
import { canonical } from '../../../src/transfer/signing/envelope';
import { deliverContent } from '../../../src/transfer/transfer-items';
import { deliverMessage, envelope, generatedMessage, makeDepartments, type Departments } from './helpers';

/**
 * parseStrict builds its document from the SOAP layer's scanner; parseWithXmldom is the xmldom
 * parser it replaced. A difference between the two trees would be a parser differential inside
 * the verifier, so: wherever the old parser accepts a document the new one builds the same nodes
 * (types, names, namespaces, values, own properties, serialisation, exclusive c14n of every
 * element), and wherever the old one refuses, so does the new one.
 */

const ROOT = path.join(__dirname, '../../..');

type Described = unknown[];

/** Every node of the document, in order, as the properties anything downstream may read. */
function describe_(doc: XDocument): Described {
  const out: Described = [serialize(doc)];
  const show = (v: unknown) => (v === undefined ? '<undefined>' : typeof v === 'function' ? '<function>' : v);
  const walk = (node: XNode) => {
    const n = node as XNode & Record<string, unknown>;
    const record: unknown[] = [n.nodeType, n.nodeName, show(n.namespaceURI), show(n.prefix), show(n.localName), show(n.nodeValue), show(n.data), Object.keys(n).sort().join(',')];
    if (n.nodeType === 1) {
      const element = node as XElement;
      record.push(JSON.stringify((n as unknown as { _nsMap: unknown })._nsMap), canonicalOrError(element));
      for (let i = 0; i < element.attributes.length; i++) {
        const a = element.attributes[i] as unknown as Record<string, unknown>;
        record.push([a.name, show(a.namespaceURI), show(a.prefix), show(a.localName), a.value, a.nodeValue, Object.keys(a).sort().join(',')]);
      }
    }
    out.push(record);
    for (let c = node.firstChild; c; c = c.nextSibling) walk(c);
  };
  walk(doc);
  return out;
}

/** xml-crypto's canonicaliser refuses some nodes (a processing instruction in content): then its error is compared. */
function canonicalOrError(element: XElement): string {
  try {
    return canonical(element);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

interface Outcome {
  /** Both accept (with identical trees, asserted), both refuse, or only the new parser refuses. */
  kind: 'same' | 'both-refuse' | 'new-refuses';
  reason?: string;
}

function compare(text: string, label: string): Outcome {
  const old = parseWithXmldom(text);
  const now = parseStrict(text);
  if (typeof old === 'string') {
    expect(now, `${label}: xmldom refuses it (${old}) but the new parser accepts it`).to.be.a('string');
    return { kind: 'both-refuse' };
  }
  if (typeof now === 'string') return { kind: 'new-refuses', reason: now };
  expect(describe_(now), `${label}: the trees differ`).to.deep.equal(describe_(old));
  return { kind: 'same' };
}

function documentsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) {
      if (name !== 'node_modules') out.push(...documentsUnder(file));
    } else if (/\.(xml|xpdl|wsdl|xsd)$/.test(name)) out.push(file);
  }
  return out;
}

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';

/** Hostile or malformed input, each refused by xmldom's parseStrict or read the same by both. */
const HOSTILE: string[] = [
  '',
  '   ',
  'plain text',
  '<a>',
  '<a></b>',
  '<a><b></a></b>',
  '<a></a><b/>',
  '<a/><b/>',
  '<a/>text',
  '<a/>junk<!--c-->',
  'junk<a/>',
  '<a/>\u00a0',
  '\u00a0<a/>',
  '\ufeff<a/>',
  '\ufeff<?xml version="1.0"?>\n<a/>\n',
  '<!DOCTYPE a><a/>',
  '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
  '<!doctype a><a/>',
  '<?xml version="1.0"?><!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>',
  '<!ENTITY x "y"><a/>',
  '<a>&x;</a>',
  '<a>&nbsp;</a>',
  '<a>AT&T</a>',
  '<a>a & b</a>',
  '<a>&#0;</a>',
  '<a>&#1;</a>',
  '<a>&#x;</a>',
  '<a>&#X41;</a>',
  '<a>&#65x;</a>',
  '<a>&#xD800;</a>',
  '<a>&#x110000;</a>',
  '<a>&#xFFFE;</a>',
  '<a>&#13;&#xD;&#10;&#9;&#x1F600;&#0000065;&lt;&gt;&amp;&quot;&apos;</a>',
  '<a x="&#13;&#10;&#9;\t\n\r\r\n \u0085\u2028 &lt;&amp;"/>',
  '<a>\u0001</a>',
  '<a>\u0000</a>',
  '<a>\uFFFE</a>',
  '<a>\uD800</a>',
  '<a x="\u0001"/>',
  '<a>\u0085\u2028\r\n\r\u000d\u0085 text</a>',
  '<a\u2028x="1"/>',
  '<a\u0085x="1"/>',
  '<a\rx="1"/>',
  '<a\u0080x="1"/>',
  '<a\u0001x="1"/>',
  '<p:a/>',
  '<a p:x="1"/>',
  '<a xmlns:p="" p:x="1"/>',
  '<p:a xmlns:p=""/>',
  '<a xmlns:p="urn:p"><p:b/></a><p:c/>',
  '<a xmlns="urn:d"><b xmlns=""><c/></b><d/></a>',
  '<a xmlns:p="urn:1"><p:b xmlns:p="urn:2" p:x="1"><p:c/></p:b><p:d p:y="2"/><e xmlns:q="urn:q"/><q:f/></a>',
  '<a xmlns="urn:1"><b xmlns="urn:2"/><c/><d xmlns=""><e xmlns="urn:3"/><f/></d><g/></a>',
  '<a xmlns:__proto__="urn:x"/>',
  '<a xmlns:p="urn:p" xmlns:q="urn:p" p:x="1" q:x="2"/>',
  '<a x="1" x="2"/>',
  '<a xmlns:p="urn:p" p:x="1" p:x="2"/>',
  '<a x="1"y="2"/>',
  '<a x=1/>',
  '<a x/>',
  '<a x="1/>',
  "<a x='1\"'/>",
  '<a x="<"/>',
  '<a x=">"/>',
  '<a/ >',
  '<a / >',
  '<a />',
  '</a>',
  '<a></a >',
  '<a></a\n>',
  '<a></a b>',
  '<a></ a>',
  '<a></A>',
  '<A></a>',
  '<1a/>',
  '<a:b:c xmlns:a="urn:a"/>',
  '<:a/>',
  '<a: xmlns:a="urn:a"/>',
  '<a xmlns:="urn:x"/>',
  '<a×b/>',
  '<a\u0300/>',
  '<\u0300a/>',
  '<a\uD83D\uDE00/>',
  '<toString:a/>',
  '<constructor:a/>',
  '<__proto__:a/>',
  '<a xmlns:__proto__="urn:x"><__proto__:b/></a>',
  '<a hasOwnProperty:x="1"/>',
  '<xml:a/>',
  '<a xml:lang="en"/>',
  '<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>',
  '<a xmlns:xml="" xml:lang="en"/>',
  '<xmlns:a xmlns:xmlns="urn:x"/>',
  '<a xmlns:xmlns="urn:x"/>',
  '<a><![CDATA[x<y&z]]></a>',
  '<a>x<![CDATA[]]>y</a>',
  '<a>x<![CDATA[]]><![CDATA[]]>y<![CDATA[z]]>w</a>',
  '<a><![CDATA[x</a>',
  '<![CDATA[x]]><a/>',
  '<a/><![CDATA[ ]]>',
  '<a><!xCDATA[x]]></a>',
  '<a><!-- c -- d --></a>',
  '<a><!----></a>',
  '<a><!--></a>',
  '<a><!-x</a>',
  '<a><!foo></a>',
  '<!-- before --><a/><!-- after -->',
  '<a/><!--x--> ',
  '<a><?pi data ?></a>',
  '<a><?pi?></a>',
  '<a><?>x?></a>',
  '<a><?>x</a>',
  '<a><? pi?></a>',
  '<a><?a<b c?></a>',
  '<a><?pi\u00a0data?></a>',
  '<a><?pi</a>',
  '<?xml version="1.0"?><?xml version="1.0"?><a/>',
  '<a><?xml version="1.0"?></a>',
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<a>\r\n</a>\r\n',
  '<a>]]></a>',
  '<a>></a>',
  '<a>x < y</a>',
  '<a><</a>',
  '<a><b></a>',
  '<script xmlns="http://www.w3.org/1999/xhtml">a &lt; b</script>',
  '<h:script xmlns:h="http://www.w3.org/1999/xhtml">a &lt; b</h:script>',
  '<textarea xmlns="http://www.w3.org/1999/xhtml"><b>x</b></textarea>',
  '<p xmlns="http://www.w3.org/1999/xhtml">a &lt; <b>b</b></p>',
  `<soap:Envelope xmlns:soap="${SOAP}"><soap:Body/></soap:Envelope><soap:Envelope xmlns:soap="${SOAP}"/>`,
  `<soap:Envelope xmlns:soap="${SOAP}"><soap:Body/></soap:Envelope>&amp;`,
  '<a>' + '<b>'.repeat(70) + '</b>'.repeat(70) + '</a>',
  '<a ' + Array.from({ length: 70 }, (_, i) => `x${i}="1"`).join(' ') + '/>',
  `<${'n'.repeat(300)}/>`,
];

describe('transfer signing: parseStrict builds the tree xmldom’s parser built (parser differential)', () => {
  let d: Departments;
  before(async () => {
    d = await makeDepartments();
  });
  after(() => d.cleanup());

  it('reads every XML, XPDL, WSDL and XSD file of the project as xmldom does', () => {
    const files = ['test', 'wsdl', 'examples'].flatMap((dir) => documentsUnder(path.join(ROOT, dir)));
    expect(files.length).to.be.greaterThan(100);
    const counts = { same: 0, 'both-refuse': 0, 'new-refuses': 0 };
    const refusedOnlyByNew: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const outcome = compare(text, path.relative(ROOT, file));
      counts[outcome.kind]++;
      if (outcome.kind === 'new-refuses') refusedOnlyByNew.push(`${path.relative(ROOT, file)}: ${outcome.reason}`);
    }
    // The project's documents are well-formed: any refusal only the new parser makes is listed here.
    expect(refusedOnlyByNew).to.deep.equal([]);
    expect(counts.same).to.be.greaterThan(100);
  });

  it('reads signed transfer messages as xmldom does: generated data, and every character c14n or line-end handling treats specially', () => {
    const special = ' & < > " \' \t \n \r \r\n \u0085 \r\u0085 \u2028 \u00a0 é 中文 😀 ]]> &amp; x="1" ';
    const raw = `${'&amp;&lt;&gt;&quot;&apos;&#13;&#xD;&#10;&#9;&#x1F600;'}<![CDATA[ <x> & ]]> \r\n \r \u0085 \u2028 <!-- a comment --><?pi some data?><![CDATA[]]>😀`;
    const messages: string[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const { header, items } = generatedMessage(seed);
      messages.push(signCanonical(deliverContent(header, items), d.plan));
    }
    for (const items of [1, 10]) {
      const m = deliverMessage({ items, value: special });
      messages.push(signCanonical(m.content, d.plan), signEnvelope(m.envelope, d.plan));
    }
    const withMarkup = signEnvelope(envelope({ items: 3, value: raw }), d.plan);
    messages.push(withMarkup, withMarkup.replace(/\n/g, '\r\n'), withMarkup.replace(/\n/g, '\r'), withMarkup.replace(/\n/g, '\u0085'), withMarkup.replace(/\n/g, '\u2028'), `\ufeff${withMarkup}\n<!-- trailer -->\n`);
    for (const [i, message] of messages.entries()) {
      expect(compare(message, `message ${i}`).kind, `message ${i}`).to.equal('same');
    }
    // The markup above reaches the parsers: CDATA, comment and PI nodes are in the signed message.
    expect(withMarkup).to.include('<![CDATA[').and.to.include('<!-- a comment -->').and.to.include('<?pi some data?>');
  });

  it('a 1 MiB message of 20,000 elements passes', () => {
    const item = '<tr:Item><tr:Name>n</tr:Name><tr:Value>' + 'v'.repeat(100) + '</tr:Value></tr:Item>';
    const big = envelope({ value: item.repeat(6700) });
    expect(big.length).to.be.greaterThan(1_000_000);
    expect((big.match(/<[a-z]/gi) ?? []).length).to.be.greaterThan(20_000);
    expect(compare(signEnvelope(big, d.plan), 'big').kind).to.equal('same');
  });

  it('accepts the well-formed documents xmldom refused through its own bugs, and reads them as written', () => {
    // xmldom 0.8: a cached end tag ("unclosed xml attribute" for the second </a >), and an
    // attribute named hasOwnProperty shadowing the method its attribute check calls (a TypeError).
    const cases: Array<[string, string]> = [
      ['<r><a></a><a></a ></r>', '<r><a></a><a></a></r>'],
      ['<a hasOwnProperty="1" b="2"/>', '<a b="2" hasOwnProperty="1"></a>'],
    ];
    for (const [text, c14n] of cases) {
      expect(parseWithXmldom(text), text).to.be.a('string');
      const now = parseStrict(text);
      expect(now, text).not.to.be.a('string');
      expect(canonical((now as XDocument).documentElement!), text).to.equal(c14n);
    }
  });

  it('refuses every hostile or malformed document xmldom’s parseStrict refuses, and reads the rest the same', () => {
    const outcomes = HOSTILE.map((text) => ({ text, ...compare(text, JSON.stringify(text)) }));
    // Some are accepted by both (and then identical): the list is not all refusals.
    expect(outcomes.filter((o) => o.kind === 'same').length).to.be.greaterThan(10);
    expect(outcomes.filter((o) => o.kind === 'both-refuse').length).to.be.greaterThan(40);
    // What xmldom let through that is not well-formed XML (or that it would read differently) the new parser refuses.
    const refusedOnlyByNew = outcomes.filter((o) => o.kind === 'new-refuses').map((o) => o.text);
    for (const text of ['junk<a/>', '<a>AT&T</a>', '<a>&#0;</a>', '<a>\u0001</a>', '<a><b></a></b>', '<a x="<"/>', '<a/ >', '<a><!-x</a>', '<a><?>x</a>', '<toString:a/>', '<script xmlns="http://www.w3.org/1999/xhtml">a &lt; b</script>']) {
      expect(refusedOnlyByNew, JSON.stringify(text)).to.include(text);
    }
  });
});
