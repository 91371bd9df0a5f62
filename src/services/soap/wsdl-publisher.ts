import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { escapeXml } from './xml-text';

export interface WsdlFiles {
  /** Path of the WSDL document. */
  file: string;
  /** `?xsd=NAME` → path of the schema document, NAME being how the WSDL/XSDs refer to it. */
  schemas: Record<string, string>;
}

/**
 * Serves a WSDL and its schemas with the addresses a client needs rewritten to the URL it used:
 * every soap:address/soap12:address location becomes the endpoint, every reference to a listed
 * schema becomes `<endpoint>?xsd=NAME`. The documents are read once; rewriting is per request
 * because the Host differs per caller (localhost, a proxy, a department's DNS name).
 */
export class WsdlPublisher {
  private readonly wsdl: string;
  private readonly schemas = new Map<string, string>();

  constructor(files: WsdlFiles) {
    this.wsdl = readFileSync(files.file, 'utf8');
    for (const [name, file] of Object.entries(files.schemas)) this.schemas.set(name, readFileSync(file, 'utf8'));
  }

  get schemaNames(): string[] {
    return [...this.schemas.keys()];
  }

  wsdlFor(endpoint: string): string {
    const location = escapeXml(endpoint);
    const withAddresses = this.wsdl.replace(
      /(<(?:[A-Za-z_][\w.-]*:)?address\b[^>]*?\blocation\s*=\s*)(["'])[^"']*\2/g,
      (_m, head: string, quote: string) => `${head}${quote}${location}${quote}`,
    );
    return this.rewriteSchemaLocations(withAddresses, endpoint);
  }

  schemaFor(name: string, endpoint: string): string | undefined {
    const text = this.schemas.get(name);
    return text === undefined ? undefined : this.rewriteSchemaLocations(text, endpoint);
  }

  private rewriteSchemaLocations(text: string, endpoint: string): string {
    return text.replace(/(\bschemaLocation\s*=\s*)(["'])([^"']*)\2/g, (whole, head: string, quote: string, value: string) => {
      const name = this.schemas.has(value) ? value : this.schemas.has(basename(value)) ? basename(value) : undefined;
      return name === undefined ? whole : `${head}${quote}${escapeXml(`${endpoint}?xsd=${encodeURIComponent(name)}`)}${quote}`;
    });
  }
}
