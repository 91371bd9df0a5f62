import { createHash, randomBytes } from 'node:crypto';
import { XMLParser, type X2jOptions } from 'fast-xml-parser';
import { escapeXml } from '../soap';

/**
 * WS-Security UsernameToken (OASIS WSS UsernameToken Profile 1.1): the digest formula, a header
 * builder for our own clients and tests, and extraction of the token from a SOAP header given
 * either as raw XML or as a fast-xml-parser object.
 */

export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
export const PASSWORD_DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
export const PASSWORD_TEXT_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
export const BASE64_BINARY_ENCODING = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';
export const SOAP11_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';

/** SOAP actors/roles that mean "this node": a Security header aimed at any other one is not ours. */
const OUR_ROLES = new Set([
  'http://schemas.xmlsoap.org/soap/actor/next',
  'http://www.w3.org/2003/05/soap-envelope/role/next',
  'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver',
]);

/** Digest = Base64(SHA-1(nonce bytes + Created + password)), Created and password in UTF-8. */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return passwordDigestBytes(nonce, created, password).toString('base64');
}

export function passwordDigestBytes(nonce: Buffer, created: string, password: string): Buffer {
  return createHash('sha1').update(nonce).update(created, 'utf8').update(password, 'utf8').digest();
}

export interface UsernameTokenOptions {
  /** Nonce bytes, or their Base64. Default: 16 random bytes. */
  nonce?: Buffer | string;
  /** Created instant. Default: now. A string is used verbatim (it is what the digest covers). */
  created?: Date | string;
  /** Default PasswordDigest. */
  passwordType?: 'PasswordDigest' | 'PasswordText';
  /** Adds mustUnderstand on the Security header, for SOAP 1.1 ("1") or 1.2 ("true"). */
  mustUnderstand?: '1.1' | '1.2';
}

/**
 * A complete `<wsse:Security>` SOAP header block carrying a UsernameToken, with its own namespace
 * declarations, ready to be put inside `<soap:Header>`. For tests and for Interflow's own clients.
 */
export function buildUsernameTokenHeader(username: string, password: string, options: UsernameTokenOptions = {}): string {
  const nonce = options.nonce === undefined ? randomBytes(16) : typeof options.nonce === 'string' ? Buffer.from(options.nonce, 'base64') : options.nonce;
  const created = options.created === undefined ? new Date().toISOString() : typeof options.created === 'string' ? options.created : options.created.toISOString();
  const type = options.passwordType ?? 'PasswordDigest';
  const passwordValue = type === 'PasswordDigest' ? passwordDigest(nonce, created, password) : password;
  let mu = '';
  if (options.mustUnderstand === '1.1') mu = ` xmlns:soapenv="${SOAP11_ENV_NS}" soapenv:mustUnderstand="1"`;
  else if (options.mustUnderstand === '1.2') mu = ` xmlns:env="${SOAP12_ENV_NS}" env:mustUnderstand="true"`;
  return (
    `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"${mu}>` +
    '<wsse:UsernameToken>' +
    `<wsse:Username>${escapeXml(username)}</wsse:Username>` +
    `<wsse:Password Type="${type === 'PasswordDigest' ? PASSWORD_DIGEST_TYPE : PASSWORD_TEXT_TYPE}">${escapeXml(passwordValue)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY_ENCODING}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${escapeXml(created)}</wsu:Created>` +
    '</wsse:UsernameToken>' +
    '</wsse:Security>'
  );
}


// --- reading a token out of a SOAP header --------------------------------------------------------

/**
 * The options with which the SOAP layer must parse the envelope if it hands the authenticator a
 * parsed header object instead of raw XML. `attributeNamePrefix` and `textNodeName` may differ if
 * the authenticator is told (see {@link ParsedHeaderFormat}); the others matter:
 * - `ignoreAttributes: false` — Password/@Type and Nonce/@EncodingType are needed;
 * - `parseTagValue: false` — a nonce or user name such as "0123" must stay a string;
 * - `processEntities`/`htmlEntities: true` — `&amp;` and `&#38;` in a user name are decoded.
 * `removeNSPrefix: true` loses namespaces: elements are then matched by local name only (the raw
 * XML path checks namespaces).
 */
export const SOAP_HEADER_PARSER_OPTIONS = Object.freeze({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: true,
}) satisfies Partial<X2jOptions>;

/** How a pre-parsed header object names attributes and text (fast-xml-parser's defaults). */
export interface ParsedHeaderFormat {
  attributeNamePrefix?: string;
  textNodeName?: string;
  /** Set when the SOAP layer's parser groups attributes under one key. */
  attributesGroupName?: string;
}

/** A UsernameToken as it stood in the message (text values, nothing checked yet but structure). */
export interface RawUsernameToken {
  username: string;
  /** Absent when the token has no Password element. */
  password?: string;
  /** Password/@Type as sent; absent means PasswordText (the spec's default). */
  passwordType?: string;
  nonce?: string;
  nonceEncodingType?: string;
  created?: string;
  /** False when the header came pre-parsed without namespaces. */
  namespacesChecked: boolean;
}

/** A structural problem with the header; the authenticator turns it into an AuthenticationError. */
export class TokenFormatError extends Error {
  constructor(
    message: string,
    readonly kind: 'malformed' | 'not-xml' = 'malformed',
  ) {
    super(message);
    this.name = 'TokenFormatError';
  }
}

/** An element with namespaces resolved (the SOAP layer's parse of the Header gives these). */
export interface HeaderElement {
  ns: string | null;
  local: string;
  attrs: ReadonlyMap<string, string>;
  text: string;
  children: readonly HeaderElement[];
}

interface El {
  /** Namespace URI; null when unknown (pre-parsed without namespaces). */
  ns: string | null;
  local: string;
  attrs: Map<string, string>;
  text: string;
  children: El[];
}

const MAX_RAW_XML_CHARS = 16 * 1024 * 1024;

const RAW_PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name: string, _jpath: unknown, _isLeaf: boolean, isAttribute: boolean) => !isAttribute,
});

/**
 * Finds the UsernameToken addressed to this node in a SOAP header. `header` is raw XML (a whole
 * envelope, a `Header` element or a `Security` element, with its namespace declarations), a
 * Buffer of it, or a fast-xml-parser object (of the envelope, of the Header element, or of the
 * Header's content). Returns null when there is none; throws {@link TokenFormatError} when the
 * header or token is malformed (two tokens, no Username...).
 */
export function extractUsernameToken(header: unknown, format: ParsedHeaderFormat = {}): RawUsernameToken | null {
  if (header === undefined || header === null || header === '') return null;
  let roots: El[];
  let namespacesChecked: boolean;
  if (typeof header === 'string' || Buffer.isBuffer(header)) {
    roots = parseRaw(typeof header === 'string' ? header : header.toString('utf8'));
    namespacesChecked = true;
  } else if (typeof header === 'object') {
    roots = fromParsed(header as Record<string, unknown>, {
      attributeNamePrefix: format.attributeNamePrefix ?? '@_',
      textNodeName: format.textNodeName ?? '#text',
      attributesGroupName: format.attributesGroupName,
    });
    namespacesChecked = false;
  } else {
    throw new TypeError(`soapHeader must be raw XML, a Buffer or a fast-xml-parser object, got ${typeof header}`);
  }

  return tokenOf(headerBlocks(roots), namespacesChecked);
}

/**
 * The UsernameToken among header blocks the SOAP layer has already parsed with their namespaces
 * resolved: the envelope is parsed once, and namespaces are still checked.
 */
export function extractUsernameTokenFromBlocks(blocks: readonly HeaderElement[]): RawUsernameToken | null {
  return tokenOf(blocks as El[], true);
}

function tokenOf(blocks: readonly El[], namespacesChecked: boolean): RawUsernameToken | null {
  const tokens: El[] = [];
  for (const block of blocks) {
    if (!isEl(block, WSSE_NS, 'Security')) continue;
    const role = block.attrs.get('actor') ?? block.attrs.get('role');
    if (role !== undefined && role.trim() !== '' && !OUR_ROLES.has(role.trim())) continue;
    for (const child of block.children) if (isEl(child, WSSE_NS, 'UsernameToken')) tokens.push(child);
  }
  if (tokens.length === 0) return null;
  if (tokens.length > 1) throw new TokenFormatError('the wsse:Security header holds more than one UsernameToken; send exactly one');
  const token = tokens[0]!;

  const one = (ns: readonly string[], local: string): El | undefined => {
    const found = token.children.filter((c) => ns.some((n) => isEl(c, n, local)));
    if (found.length > 1) throw new TokenFormatError(`the UsernameToken has more than one ${local}`);
    return found[0];
  };
  const username = one([WSSE_NS], 'Username');
  if (!username) throw new TokenFormatError('the UsernameToken has no wsse:Username');
  const password = one([WSSE_NS], 'Password');
  const nonce = one([WSSE_NS], 'Nonce');
  // Created belongs to wsu; a few old clients put it in wsse, which is harmless to accept.
  const created = one([WSU_NS, WSSE_NS], 'Created');
  const out: RawUsernameToken = { username: username.text.trim(), namespacesChecked };
  if (password) {
    out.password = password.text;
    const type = password.attrs.get('Type');
    if (type !== undefined) out.passwordType = type.trim();
  }
  if (nonce) {
    out.nonce = nonce.text;
    const enc = nonce.attrs.get('EncodingType');
    if (enc !== undefined) out.nonceEncodingType = enc.trim();
  }
  if (created) out.created = created.text.trim();
  return out;
}

function isEl(el: El, ns: string, local: string): boolean {
  return el.local === local && (el.ns === null || el.ns === ns);
}

/** The header blocks: children of Header, wherever the given roots start (Envelope, Header, blocks). */
function headerBlocks(roots: El[]): El[] {
  const isSoap = (el: El, local: string) => el.local === local && (el.ns === null || el.ns === SOAP11_ENV_NS || el.ns === SOAP12_ENV_NS);
  const out: El[] = [];
  for (const root of roots) {
    if (isSoap(root, 'Envelope')) {
      for (const h of root.children) if (isSoap(h, 'Header')) out.push(...h.children);
    } else if (isSoap(root, 'Header')) {
      out.push(...root.children);
    } else {
      out.push(root);
    }
  }
  return out;
}

function parseRaw(xml: string): El[] {
  if (xml.length > MAX_RAW_XML_CHARS) throw new TokenFormatError(`the SOAP message is larger than ${MAX_RAW_XML_CHARS} characters`, 'not-xml');
  // Entity declarations are refused outright (entity expansion, external entities).
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new TokenFormatError('the SOAP message contains a DOCTYPE or ENTITY declaration, which SOAP forbids', 'not-xml');
  let doc: unknown;
  try {
    doc = RAW_PARSER.parse(xml, true);
  } catch {
    throw new TokenFormatError('the SOAP header is not well-formed XML', 'not-xml');
  }
  const roots: El[] = [];
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key.startsWith('@_') || key === '#text') continue;
    for (const v of asArray(value)) roots.push(rawElement(key, v, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']])));
  }
  return roots;
}

function rawElement(qname: string, value: unknown, parentScope: Map<string, string>): El {
  const obj = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  let scope = parentScope;
  if (obj) {
    for (const [k, v] of Object.entries(obj)) {
      if (k === '@_xmlns' || k.startsWith('@_xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        scope.set(k === '@_xmlns' ? '' : k.slice(8), String(v));
      }
    }
  }
  const resolve = (name: string, isAttribute: boolean): { ns: string | null; local: string } => {
    const colon = name.indexOf(':');
    if (colon < 0) return { ns: isAttribute ? '' : (scope.get('') ?? ''), local: name };
    const prefix = name.slice(0, colon);
    const ns = scope.get(prefix);
    if (ns === undefined) throw new TokenFormatError(`namespace prefix "${prefix}" is not declared (pass the whole envelope, or a header with its xmlns declarations)`);
    return { ns, local: name.slice(colon + 1) };
  };
  const { ns, local } = resolve(qname, false);
  const el: El = { ns, local, attrs: new Map(), text: '', children: [] };
  if (!obj) {
    el.text = value === undefined || value === null ? '' : String(value);
    return el;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k === '#text') el.text += String(v);
    else if (k.startsWith('@_')) {
      if (k === '@_xmlns' || k.startsWith('@_xmlns:')) continue;
      el.attrs.set(resolve(k.slice(2), true).local, String(v));
    } else {
      for (const item of asArray(v)) el.children.push(rawElement(k, item, scope));
    }
  }
  return el;
}

function fromParsed(obj: Record<string, unknown>, format: { attributeNamePrefix: string; textNodeName: string; attributesGroupName?: string }): El[] {
  const out: El[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (isAttrKey(key, format) || key === format.textNodeName) continue;
    for (const item of asArray(value)) out.push(parsedElement(key, item, format));
  }
  return out;
}

function isAttrKey(key: string, format: { attributeNamePrefix: string; attributesGroupName?: string }): boolean {
  return (format.attributesGroupName !== undefined && key === format.attributesGroupName) || (format.attributeNamePrefix !== '' && key.startsWith(format.attributeNamePrefix));
}

function parsedElement(key: string, value: unknown, format: { attributeNamePrefix: string; textNodeName: string; attributesGroupName?: string }): El {
  const local = key.includes(':') ? key.slice(key.indexOf(':') + 1) : key;
  const el: El = { ns: null, local, attrs: new Map(), text: '', children: [] };
  if (value === undefined || value === null) return el;
  if (typeof value !== 'object') {
    el.text = scalarText(value, key);
    return el;
  }
  const obj = value as Record<string, unknown>;
  const addAttr = (name: string, v: unknown) => {
    el.attrs.set(name.includes(':') ? name.slice(name.indexOf(':') + 1) : name, scalarText(v, name));
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === format.textNodeName) el.text += scalarText(v, key);
    else if (format.attributesGroupName !== undefined && k === format.attributesGroupName) {
      if (typeof v === 'object' && v !== null) for (const [a, av] of Object.entries(v as Record<string, unknown>)) addAttr(a.startsWith(format.attributeNamePrefix) ? a.slice(format.attributeNamePrefix.length) : a, av);
    } else if (format.attributeNamePrefix !== '' && k.startsWith(format.attributeNamePrefix)) addAttr(k.slice(format.attributeNamePrefix.length), v);
    else for (const item of asArray(v)) el.children.push(parsedElement(k, item, format));
  }
  return el;
}

function scalarText(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  // A number here means the SOAP layer parsed with parseTagValue: true, which loses leading zeros
  // of nonces and user names. That is a wiring bug, not the caller's fault.
  throw new TypeError(`soapHeader value of "${name}" is a ${typeof v}: parse the SOAP header with parseTagValue: false and parseAttributeValue: false (see SOAP_HEADER_PARSER_OPTIONS)`);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

// --- field syntax ---------------------------------------------------------------------------------

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an xsd:dateTime with a zone (Z or ±hh:mm); returns epoch milliseconds or undefined. */
export function parseCreated(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  if (new Date(ms).getUTCDate() !== day) return undefined; // 31 February and the like
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const zh = Number(zone!.slice(1, 3)), zm = Number(zone!.slice(4, 6));
    if (zh > 14 || zm > 59) return undefined;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return ms;
}

/** Decodes strict Base64 (white space allowed, as XML may wrap it); undefined when not Base64. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const s = text.replace(/[\t\n\r ]+/g, '');
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}
