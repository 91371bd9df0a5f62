import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Placeholders first (longest value first), then any other UUID and ISO 8601 timestamp. */
export function normaliseVolatile(xml: string, vars: Record<string, string>): string {
  let out = xml;
  for (const [name, value] of Object.entries(vars).sort((a, b) => b[1].length - a[1].length)) out = out.split(value).join(`{{${name}}}`);
  return out
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{{uuid}}')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, '{{timestamp}}');
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

/** xmllint --schema on one element; returns xmllint's complaint, or undefined when valid. */
export function schemaErrors(xsd: string, element: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'interflow-golden-'));
  try {
    const file = join(dir, 'body.xml');
    writeFileSync(file, element);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', xsd, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
