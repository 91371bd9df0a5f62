import { XMLValidator } from 'fast-xml-parser';
import { SoapFault } from './soap-fault';

/**
 * Checks a request document must pass before any parser builds anything from it. SOAP forbids a
 * DTD in an envelope (SOAP 1.1 §3, SOAP 1.2 part 1 §5), and a DTD is how XXE and entity-expansion
 * ("billion laughs") attacks get in, so one is refused outright rather than parsed carefully.
 */
export function refuseDtd(text: string): void {
  const m = /<!\s*(DOCTYPE|ENTITY)/i.exec(text);
  if (m) {
    throw new SoapFault(
      'Client',
      `a SOAP message must not contain a document type declaration (found <!${m[1].toUpperCase()} at line ${lineOf(text, m.index)}); remove the DTD and any entity declarations`,
      'DTD_NOT_ALLOWED',
    );
  }
}

/** Well-formedness, with the parser's complaint and where it is, so the caller can find it. */
export function requireWellFormed(text: string): void {
  if (text.trim() === '') throw new SoapFault('Client', 'the request body is empty; POST a SOAP envelope', 'NOT_SOAP');
  const result = XMLValidator.validate(text);
  if (result !== true) {
    const { msg, line, col } = result.err;
    const where = line ? ` at line ${line}${col ? `, column ${col}` : ''}` : '';
    throw new SoapFault('Client', `malformed XML${where}: ${msg}`, 'MALFORMED_XML');
  }
  // The parser is run without entity processing, so it does not notice references to entities
  // nobody declared; XML requires them to be an error.
  const markup = text.includes('<!') ? blankOutLiteralSections(text) : text;
  const entity = /&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)([^;\s<]{0,40};?)/.exec(markup);
  if (entity) {
    throw new SoapFault('Client', `malformed XML at line ${lineOf(text, entity.index)}: "&${entity[1]}" is not one of the predefined entities or a character reference`, 'MALFORMED_XML');
  }
}

/** CDATA sections and comments may hold a bare `&`; blanked out, line numbers stay right. */
function blankOutLiteralSections(text: string): string {
  return text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, (section) => section.replace(/[^\n]/g, ' '));
}

export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
