import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvelope, type ParsedEnvelope } from '../../src/services/soap/envelope-parser';
import { scanXml, scanXmlTree } from '../../src/services/soap/xml-scanner';
import { SoapFault } from '../../src/services/soap';

/**
 * The server builds the envelope's tree in the scanner's pass (scanXmlTree) instead of parsing the
 * text again with fast-xml-parser. Both must give the same ParsedEnvelope, or the same fault, for
 * every document the scanner lets through: checked on every XML file under test/, on the corners
 * of the tree's shape, and on random documents.
 */

type Outcome = { envelope: unknown } | { fault: string };

function canonical(value: unknown): unknown {
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [k, canonical(v)]) };
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[`k:${key}`] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function outcome(parse: () => ParsedEnvelope): Outcome {
  try {
    return { envelope: canonical(parse()) };
  } catch (e) {
    if (e instanceof SoapFault) return { fault: e.code };
    throw e;
  }
}

/** Both ways, for a document the scanner accepts; undefined when it refuses it (then neither parse runs). */
function both(text: string): { tree: Outcome; parser: Outcome } | undefined {
  try {
    scanXml(text);
  } catch (e) {
    if (e instanceof SoapFault) return undefined;
    throw e;
  }
  return { tree: outcome(() => parseEnvelope(text, scanXmlTree(text))), parser: outcome(() => parseEnvelope(text)) };
}

function xmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : xmlFiles(path);
    return name.endsWith('.xml') ? [path] : [];
  });
}

const ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const envelope = (header: string, body: string) => `<?xml version="1.0"?>\n<s:Envelope xmlns:s="${ENV}">${header ? `<s:Header>${header}</s:Header>` : ''}<s:Body>${body}</s:Body></s:Envelope>`;

const CORNERS: string[] = [
  envelope('', '<Op xmlns="urn:x"><A>1</A><A>2</A><B/><B></B><C k="v"/><C k="w">t</C></Op>'),
  envelope('', '<p:Op xmlns:p="urn:x" xmlns:q="urn:y"><p:A>1</p:A><q:A>2</q:A><p:A>3</p:A></p:Op>'),
  envelope('', '<Op xmlns="urn:x">\n  <A> a </A>\n  <B>x<C/>y<!-- c -->z<?pi d?>w</B>\n</Op>'),
  envelope('', '<Op xmlns="urn:x"><A>&lt;&amp;&gt;&quot;&apos;&#65;&#x42;</A><B a="&lt;x&#x41;"/></Op>'),
  envelope('', '<Op xmlns="urn:x"><A>a<![CDATA[<b> & ]]>c</A><B><![CDATA[]]></B><C><![CDATA[x]]><D/></C></Op>'),
  envelope('', '<Op xmlns="urn:x"><A>line\r\nnext\rlast</A><B a="x\r\ny"/></Op>'),
  envelope('', '<Op xmlns="urn:x"><toString>1</toString><valueOf a="1"/><A hasOwnProperty="2"/></Op>'),
  envelope('', '<Op xmlns="urn:x"><constructor>1</constructor></Op>'),
  envelope('', '<Op xmlns="urn:x" prototype="1"/>'),
  envelope('', '<Op xmlns="urn:x"><x:__proto__ xmlns:x="urn:z">1</x:__proto__></Op>'),
  envelope('', '<Op xmlns="urn:x">   </Op>'),
  envelope('', '<Op xmlns="urn:x" a="1">  </Op>'),
  envelope('', '<Op/>'),
  envelope('', '<p:Op xmlns:p="urn:x"/><Second/>'),
  envelope('', ''),
  envelope('', '<Op xmlns="urn:x"><A xmlns="">1</A></Op>'),
  envelope('', '<u:Op><A/></u:Op>'),
  envelope(
    '<wsse:Security s:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">\n  <wsse:UsernameToken><wsse:Username>ann</wsse:Username><wsse:Password Type="x#PasswordText">p&amp;w</wsse:Password></wsse:UsernameToken>\n</wsse:Security><h:Other xmlns:h="urn:h" s:actor="urn:else" s:mustUnderstand="true">t</h:Other><h:Plain xmlns:h="urn:h">v</h:Plain><h:Plain xmlns:h="urn:h">w</h:Plain>',
    '<Op xmlns="urn:x"/>',
  ),
  envelope('<h:A xmlns:h="urn:h"><![CDATA[c]]>d</h:A>', '<Op xmlns="urn:x"/>'),
  `<s:Envelope xmlns:s="${ENV}"><s:Header/><s:Header/><s:Body><Op/></s:Body></s:Envelope>`,
  `<s:Envelope xmlns:s="${ENV}"><s:Body><Op/></s:Body><s:Body><Op/></s:Body></s:Envelope>`,
  `<s:Envelope xmlns:s="${ENV}"><x:Body xmlns:x="urn:other"><Op/></x:Body></s:Envelope>`,
  `<s:Envelope xmlns:s="urn:not-soap"><s:Body><Op/></s:Body></s:Envelope>`,
  `<Envelope><Body><Op/></Body></Envelope>`,
  `<s:Other xmlns:s="${ENV}"/>`,
  `\uFEFF<s:Envelope xmlns:s="${ENV}"><s:Body><Op xmlns="urn:x">1</Op></s:Body></s:Envelope>`,
  `<s:Envelope xmlns:s='${ENV}'><s:Body><Op xmlns='urn:x' a = 'q"r'>1</Op></s:Body></s:Envelope>`,
  `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header><h:A xmlns:h="urn:h" soap:role="http://www.w3.org/2003/05/soap-envelope/role/next" soap:mustUnderstand="1"/></soap:Header><soap:Body><Op xmlns="urn:x"/></soap:Body></soap:Envelope>`,
];

/** A random document over a small alphabet of names, prefixes, text and markup (seeded: reproducible). */
function randomDocument(seed: number): string {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const pick = <T>(items: readonly T[]) => items[next(items.length)];
  const names = ['A', 'B', 'p:A', 'q:B', 'p:C', 'toString', 'x:A'];
  const texts = ['', ' ', 'v', ' a b ', '&amp;', '&#x41;', '\n  ', 'x\r\ny', '<![CDATA[<c>]]>', '<!-- n -->', '<?pi x?>'];
  const element = (depth: number): string => {
    const name = pick(names);
    const attrs = Array.from({ length: next(3) }, (_, i) => ` ${pick(['k', 'p:k', 'l'])}${i}="${pick(['', 'v', '&lt;', 'a\r\nb'])}"`).join('');
    if (next(4) === 0) return `<${name}${attrs}/>`;
    let content = '';
    const parts = depth > 3 ? next(2) : next(5);
    for (let i = 0; i < parts; i++) content += next(2) === 0 ? pick(texts) : element(depth + 1);
    return `<${name}${attrs}>${content}</${name}>`;
  };
  const header = next(3) === 0 ? `<s:Header>${element(1)}${next(2) ? element(1) : ''}</s:Header>` : '';
  return `<s:Envelope xmlns:s="${ENV}" xmlns:p="urn:p" xmlns:q="urn:q">${header}<s:Body>${element(1)}</s:Body></s:Envelope>`;
}

describe('the envelope tree built in the scanner pass matches fast-xml-parser', () => {
  it('for every XML document under test/ the scanner accepts', () => {
    let compared = 0;
    for (const file of xmlFiles(join(__dirname, '..'))) {
      const result = both(readFileSync(file, 'utf8'));
      if (!result) continue;
      expect(result.tree, file).to.deep.equal(result.parser);
      compared++;
    }
    expect(compared).to.be.greaterThan(100);
  });

  it('at the corners: repeats, prefixes, mixed text, references, CDATA, line ends, reserved names, header blocks', () => {
    for (const text of CORNERS) {
      const result = both(text);
      expect(result, text).to.not.equal(undefined);
      expect(result!.tree, text).to.deep.equal(result!.parser);
    }
  });

  it('on 3,000 random documents', () => {
    let compared = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const text = randomDocument(seed);
      const result = both(text);
      if (!result) continue;
      expect(result.tree, text).to.deep.equal(result.parser);
      compared++;
    }
    expect(compared).to.be.greaterThan(2500);
  });
});
