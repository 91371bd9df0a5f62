import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const GOLDEN_ROOT = resolve(__dirname, '../golden');

/**
 * INTERFLOW_GOLDEN_UPDATE=1 rewrites every response.xml from what the server says (then review the
 * diff); without it a missing or different response fails the run.
 */
export function goldenUpdate(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.INTERFLOW_GOLDEN_UPDATE === '1';
}

/** Operation__case: the operation as its WSDL names it, a case in lower-case words joined by dashes. */
const FOLDER = /^([A-Za-z_]+)__[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Which operations have no golden folder, and which folders name no operation (or are not named
 * Operation__case). Both must be empty: a missing folder is a missing contract test.
 */
export function goldenCoverage(operations: readonly string[], folders: readonly string[]): { missing: string[]; strays: string[] } {
  const covered = new Set(folders.map((f) => FOLDER.exec(f)?.[1]).filter((op): op is string => op !== undefined));
  return {
    missing: operations.filter((op) => !covered.has(op)),
    strays: folders.filter((f) => !FOLDER.test(f) || !operations.includes(FOLDER.exec(f)![1])),
  };
}

/**
 * Compares a normalised response with its response.xml. With `update` it writes the file first;
 * without, a missing file is a failure (issue 15 item 7: it used to be written and pass).
 */
export function compareWithGolden(file: string, actual: string, update: boolean): void {
  if (update) writeFileSync(file, pretty(actual));
  if (!existsSync(file)) throw new Error(`${file} is missing: run with INTERFLOW_GOLDEN_UPDATE=1 to record it, and review it`);
  const expected = readFileSync(file, 'utf8');
  if (canonical(actual) !== canonical(expected)) {
    throw Object.assign(new Error(`the response differs from ${file} (INTERFLOW_GOLDEN_UPDATE=1 records the new one, if the change is meant)`), {
      actual: canonical(actual),
      expected: canonical(expected),
      showDiff: true,
    });
  }
}

/** The operation names a WSDL's portTypes declare (WSDL 1.1, any prefix). */
export function wsdlOperations(file: string): string[] {
  const wsdl = readFileSync(file, 'utf8');
  const portTypes = [...wsdl.matchAll(/<(?:[\w.-]+:)?portType\b[\s\S]*?<\/(?:[\w.-]+:)?portType>/g)].map((m) => m[0]);
  const names = new Set<string>();
  for (const pt of portTypes) for (const m of pt.matchAll(/<(?:[\w.-]+:)?operation\s+name="([^"]+)"/g)) names.add(m[1]);
  return [...names].sort();
}

/**
 * What is wrong with a fault envelope's shape (empty when nothing): exactly one Fault in the Body;
 * SOAP 1.1 faultcode (a QName whose prefix is declared), faultstring, and detail with Interflow's
 * iff:FaultDetail (Code, Message) unless the service has its own detail (UDDI's dispositionReport, or
 * a fault element the WSDL declares, which `declaredDetail` validates: undefined when valid);
 * SOAP 1.2 Code/Value (env:Sender or env:Receiver, Subcode a declared QName), Reason/Text, Detail.
 */
export function faultShapeErrors(envelope: string, version: '1.1' | '1.2', declaredDetail?: (element: string) => string | undefined): string[] {
  const errors: string[] = [];
  const body = bodyElement(envelope);
  if (!/^<soap:Fault[\s>]/.test(body.trimStart()) || (body.match(/<soap:Fault[\s>]/g) ?? []).length !== 1) errors.push('the Body must hold exactly one Fault');
  const declared = (prefix: string) => prefix === 'soap' || new RegExp(`xmlns:${prefix}="[^"]+"`).test(envelope);
  if (version === '1.1') {
    const code = /<faultcode(?:\s[^>]*)?>([^<]*)<\/faultcode>/.exec(body)?.[1];
    if (!code) errors.push('no faultcode');
    else if (!/^[\w.-]+:[\w.-]+$/.test(code) || !declared(code.split(':')[0])) errors.push(`faultcode "${code}" is not a QName with a declared prefix`);
    if (!/<faultstring(?:\s[^>]*)?>[^<]+<\/faultstring>/.test(body)) errors.push('no faultstring');
    if (/<soap:Code>|<soap:Reason>/.test(body)) errors.push('SOAP 1.2 elements in a SOAP 1.1 fault');
  } else {
    const value = /<soap:Code><soap:Value>([^<]*)<\/soap:Value>/.exec(body)?.[1];
    if (value !== 'soap:Sender' && value !== 'soap:Receiver' && value !== 'soap:MustUnderstand') errors.push(`Code/Value "${value}" is not env:Sender, env:Receiver or env:MustUnderstand`);
    const sub = /<soap:Subcode><soap:Value[^>]*>([^<]*)<\/soap:Value>/.exec(body)?.[1];
    if (sub !== undefined && !declared(sub.split(':')[0])) errors.push(`Subcode "${sub}" has an undeclared prefix`);
    if (!/<soap:Reason><soap:Text xml:lang="[^"]+">[^<]+<\/soap:Text><\/soap:Reason>/.test(body)) errors.push('no Reason/Text with xml:lang');
    if (/<faultcode|<faultstring/.test(body)) errors.push('SOAP 1.1 elements in a SOAP 1.2 fault');
  }
  if (!/MustUnderstand/.test(body)) {
    const detail = version === '1.1' ? /<detail>([\s\S]*)<\/detail>/.exec(body)?.[1] : /<soap:Detail>([\s\S]*)<\/soap:Detail>/.exec(body)?.[1];
    if (detail === undefined) errors.push('no detail');
    else if (!/<(?:[\w.-]+:)?dispositionReport\b/.test(detail) && !/<iff:FaultDetail xmlns:iff="urn:interflow:fault:1"><iff:Code>[A-Z_]+<\/iff:Code><iff:Message>[^<]+<\/iff:Message><\/iff:FaultDetail>/.test(detail)) {
      // A fault the WSDL declares (ps:WorkItemNotFound) carries its own element, valid against the service's schema.
      if (!declaredDetail) errors.push('the detail holds neither iff:FaultDetail (Code, Message) nor a UDDI dispositionReport');
      else {
        const problem = declaredDetail(detail.trim());
        if (problem !== undefined) errors.push(`the detail is not a fault element of the service's schema: ${problem}`);
      }
    }
  }
  return errors;
}

/** Placeholders first (longest value first), then any other UUID, ISO 8601 timestamp and UDDI authInfo. */
export function normaliseVolatile(xml: string, vars: Record<string, string>): string {
  let out = xml;
  for (const [name, value] of Object.entries(vars).sort((a, b) => b[1].length - a[1].length)) out = out.split(value).join(`{{${name}}}`);
  return out
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{{uuid}}')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, '{{timestamp}}')
    .replace(/authtoken:[A-Za-z0-9_-]+/g, '{{authToken}}');
}

export function fillPlaceholders(xml: string, vars: Record<string, string>): string {
  return xml.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    if (!(name in vars)) throw new Error(`golden request uses {{${name}}}, which the scenario does not provide (it has ${Object.keys(vars).join(', ')})`);
    return vars[name];
  });
}

/** Layout whitespace between tags does not count; the golden files are indented for reading. */
export function canonical(xml: string): string {
  return xml.replace(/>\s+</g, '><').trim();
}

/** Indents a compact document, one element per line, leaves on one line. */
export function pretty(xml: string): string {
  const tokens = canonical(xml).split(/(<[^>]+>)/).filter((t) => t !== '');
  const lines: string[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const pad = '  '.repeat(depth);
    if (t.startsWith('<?') || t.endsWith('/>')) {
      lines.push(pad + t);
    } else if (t.startsWith('</')) {
      depth--;
      lines.push('  '.repeat(depth) + t);
    } else if (t.startsWith('<')) {
      const next = tokens[i + 1];
      const after = tokens[i + 2];
      if (next !== undefined && !next.startsWith('<') && after?.startsWith('</')) {
        lines.push(pad + t + next + after);
        i += 2;
      } else if (next?.startsWith('</')) {
        lines.push(pad + t + next);
        i += 1;
      } else {
        lines.push(pad + t);
        depth++;
      }
    } else {
      lines.push(pad + t);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The first child of soap:Body as a standalone document: namespace declarations made on Envelope
 * or Body are copied onto it, so a schema validator sees the same names.
 */
export function bodyElement(envelope: string): string {
  const open = /<([\w.-]+:)?Body\b([^>]*)>/.exec(envelope);
  if (!open) throw new Error(`no SOAP Body in:\n${envelope}`);
  const close = envelope.lastIndexOf(`</${open[1] ?? ''}Body>`);
  const inner = envelope.slice(open.index + open[0].length, close).trim();
  const envelopeTag = /<([\w.-]+:)?Envelope\b([^>]*)>/.exec(envelope)?.[2] ?? '';
  const inScope = new Map<string, string>();
  for (const attrs of [envelopeTag, open[2]]) {
    for (const m of attrs.matchAll(/\s(xmlns(?::[\w.-]+)?)\s*=\s*("[^"]*"|'[^']*')/g)) inScope.set(m[1], m[2]);
  }
  const start = /^<([\w.:-]+)([^>]*?)(\/?)>/.exec(inner);
  if (!start) throw new Error(`the Body holds no element:\n${envelope}`);
  const extra = [...inScope].filter(([name]) => !new RegExp(`\\s${name}\\s*=`).test(start[2])).map(([name, value]) => ` ${name}=${value}`).join('');
  return `<${start[1]}${start[2]}${extra}${start[3]}>${inner.slice(start[0].length)}`;
}

/**
 * xmllint --schema on one element; returns xmllint's complaint, or undefined when valid. Several
 * schemas (asap.xsd and wfxml.xsd) are imported by a wrapper schema, by their namespaces.
 */
export function schemaErrors(xsds: string | readonly string[], element: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'interflow-golden-'));
  try {
    const file = join(dir, 'body.xml');
    writeFileSync(file, element);
    let xsd = typeof xsds === 'string' ? xsds : xsds[0];
    if (typeof xsds !== 'string' && xsds.length > 1) {
      xsd = join(dir, 'all.xsd');
      const imports = xsds.map((f) => `<xsd:import namespace="${/targetNamespace="([^"]+)"/.exec(readFileSync(f, 'utf8'))![1]}" schemaLocation="${pathToFileURL(f).href}"/>`);
      writeFileSync(xsd, `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">${imports.join('')}</xsd:schema>`);
    }
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', xsd, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
