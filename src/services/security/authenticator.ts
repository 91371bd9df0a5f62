import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_USERNAME_LENGTH, ANONYMOUS_USERNAME, serviceMode, type SecurityConfig, type ServiceAuthMode, type UserRecord } from './config';
import { AuthenticationError, SecurityConfigError, type AuthFailureCode, type WsseFaultCode } from './errors';
import type { Caller } from './permissions';
import { ReplayCache, type ReplayCacheLike } from './replay-cache';
import {
  BASE64_BINARY_ENCODING,
  PASSWORD_DIGEST_TYPE,
  PASSWORD_TEXT_TYPE,
  TokenFormatError,
  decodeBase64Strict,
  extractUsernameToken,
  extractUsernameTokenFromBlocks,
  type HeaderElement,
  parseCreated,
  passwordDigestBytes,
  type ParsedHeaderFormat,
  type RawUsernameToken,
} from './username-token';

export interface AuthenticateInput {
  /** `ProcessService`, `wfxml`, `wfxml/factory`, ... (see KNOWN_SERVICES); picks the mode. */
  serviceName: string;
  /**
   * The SOAP header: raw XML (the whole envelope, the Header element, or a Security element, with
   * namespace declarations; namespaces are then checked), a Buffer of it, or a fast-xml-parser
   * object parsed with SOAP_HEADER_PARSER_OPTIONS (of the envelope, the Header, or its content).
   * Undefined/null when the message has no header.
   */
  soapHeader?: unknown;
  /** The Header's blocks already parsed with namespaces resolved; used instead of soapHeader. */
  headerBlocks?: readonly HeaderElement[];
  /** The HTTP `Authorization` request header, as received. */
  authorization?: string;
  /** True when the request came over TLS (express `req.secure`). */
  secure: boolean;
  /** The instant to check freshness against (default: the authenticator's clock). */
  now?: Date;
}

export interface Authenticator {
  /**
   * Resolves to the caller or rejects with {@link AuthenticationError}. Asynchronous because a
   * UsernameToken's nonce is claimed in the replay cache, which replicas share in their database.
   */
  authenticate(input: AuthenticateInput): Promise<Caller>;
  /** The mode that applies to a service (exact name, then `/`-prefixes, then `*`). */
  modeFor(serviceName: string): ServiceAuthMode;
  /** True when HTTP Basic is accepted over plain HTTP (allowInsecureBasic): loopback listeners only. */
  readonly allowsInsecureBasic: boolean;
}

/** What the authenticator may log. pino's Logger fits. It is only ever given names, never secrets. */
export interface SecurityLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface AuthenticatorOptions {
  clock?: () => Date;
  logger?: SecurityLogger;
  /** How a pre-parsed soapHeader names attributes and text (default `@_` and `#text`). */
  headerFormat?: ParsedHeaderFormat;
  /**
   * The replay cache nonces are claimed in: the department's shared one (src/persistence
   * SharedState) on a server; default an in-memory one of `config.replayCacheSize` entries.
   */
  replayCache?: ReplayCacheLike;
}

const MSG_FAILED = 'authentication failed';
const MIN_NONCE_BYTES = 4;
const MAX_NONCE_BYTES = 1024;
const SHA1_BYTES = 20;

/** A verified token's nonce, to be claimed in the replay cache before the caller is accepted. */
interface NonceClaim {
  key: string;
  until: number;
  username: string;
  serviceName: string;
}

interface Credentials {
  username: string;
  password: string;
}

/**
 * Builds the authenticator for a configuration. In production configurations it refuses modes
 * `none` and `allowInsecureBasic` again, whoever built the configuration.
 */
export function createAuthenticator(config: SecurityConfig, options: AuthenticatorOptions = {}): Authenticator {
  if (config.production) {
    const problems: string[] = [];
    for (const [name, mode] of Object.entries(config.services)) {
      if (mode === 'none') problems.push(`services."${name}" is "none": every service must authenticate its callers in production`);
    }
    if (config.allowInsecureBasic) problems.push('"allowInsecureBasic" is true: HTTP Basic over plain HTTP is refused in production');
    if (problems.length) throw new SecurityConfigError(config.source ?? 'security configuration', problems);
  }

  const clock = options.clock ?? (() => new Date());
  const logger = options.logger;
  const format = options.headerFormat ?? {};
  const nonces = options.replayCache ?? new ReplayCache({ maxEntries: config.replayCacheSize });
  const windowMs = config.wssWindowSeconds * 1000;
  const skewMs = config.clockSkewSeconds * 1000;
  const windowText = `${config.wssWindowSeconds} s`;
  const challenge = `Basic realm="${config.realm}", charset="UTF-8"`;

  const users = new Map<string, UserRecord>();
  for (const u of config.users) users.set(u.username, u);
  const callers = new Map<string, { wss: Caller; basic: Caller }>();
  for (const u of config.users) {
    const base = { username: u.username, start: Object.freeze([...u.start]), participants: Object.freeze([...u.participants]), admin: u.admin };
    callers.set(u.username, { wss: Object.freeze({ ...base, via: 'wss' as const }), basic: Object.freeze({ ...base, via: 'basic' as const }) });
  }
  const anonymous: Caller = Object.freeze({
    username: ANONYMOUS_USERNAME,
    via: 'anonymous' as const,
    start: Object.freeze([...config.anonymous.start]),
    participants: Object.freeze([...config.anonymous.participants]),
    admin: config.anonymous.admin,
  });
  // Unknown users are checked against a throw-away secret, so they cost what known users cost.
  const dummySecret = randomBytes(24).toString('base64url');
  let warnedInsecureBasic = false;

  const modeFor = (serviceName: string) => serviceMode(config, serviceName);

  function fail(
    serviceName: string,
    code: AuthFailureCode,
    message: string,
    reason: string,
    extra: { username?: string; wsseFault?: WsseFaultCode; challenge?: boolean } = {},
  ): AuthenticationError {
    return new AuthenticationError(message, {
      code,
      reason,
      serviceName,
      username: extra.username === undefined ? undefined : forLog(extra.username),
      wsseFault: extra.wsseFault,
      challenge: extra.challenge ? challenge : undefined,
    });
  }

  function verifyBasic(serviceName: string, creds: Credentials, secure: boolean): Caller {
    const user = users.get(creds.username);
    const ok = equalSecrets(creds.password, user?.password ?? dummySecret);
    if (!ok || !user) {
      throw fail(serviceName, 'failed', MSG_FAILED, user ? `HTTP Basic: wrong password for user "${forLog(creds.username)}"` : `HTTP Basic: unknown user "${forLog(creds.username)}"`, {
        username: creds.username,
        challenge: true,
      });
    }
    if (!secure && !warnedInsecureBasic) {
      warnedInsecureBasic = true;
      logger?.warn(
        { serviceName, username: creds.username },
        'accepted HTTP Basic credentials over plain HTTP because allowInsecureBasic is set; this is for local testing only (warned once)',
      );
    }
    return callers.get(user.username)!.basic;
  }

  function verifyToken(serviceName: string, token: RawUsernameToken, secure: boolean, now: number): { caller: Caller; nonce?: NonceClaim } {
    const username = token.username;
    const u = { username, wsseFault: 'InvalidSecurityToken' as WsseFaultCode };
    if (token.password === undefined) {
      throw fail(serviceName, 'malformed', 'UsernameToken has no wsse:Password; send a #PasswordDigest password with a Nonce and wsu:Created', 'UsernameToken without Password', u);
    }
    const type = token.passwordType ?? PASSWORD_TEXT_TYPE; // the profile's default is PasswordText
    if (type !== PASSWORD_DIGEST_TYPE && type !== PASSWORD_TEXT_TYPE) {
      throw fail(
        serviceName,
        'unsupported',
        `UsernameToken Password Type "${truncate(type, 120)}" is not supported; use ${PASSWORD_DIGEST_TYPE}`,
        `unsupported Password Type "${truncate(type, 120)}"`,
        { username, wsseFault: 'UnsupportedSecurityToken' },
      );
    }
    const digest = type === PASSWORD_DIGEST_TYPE;
    if (!digest) {
      if (!config.allowPasswordText) {
        throw fail(
          serviceName,
          'unsupported',
          `UsernameToken PasswordText is not accepted; send Type="${PASSWORD_DIGEST_TYPE}"${token.passwordType === undefined ? ' (a Password without Type is PasswordText)' : ''}`,
          'PasswordText token refused (allowPasswordText is off)',
          { username, wsseFault: 'UnsupportedSecurityToken' },
        );
      }
      if (!secure) {
        throw fail(serviceName, 'insecure-transport', 'UsernameToken PasswordText is accepted only over HTTPS; use HTTPS or send a PasswordDigest', 'PasswordText token over plain HTTP', {
          username,
          wsseFault: 'InvalidSecurity',
        });
      }
    }

    // Nonce
    let nonce: Buffer | undefined;
    if (token.nonce === undefined) {
      if (digest) throw fail(serviceName, 'malformed', 'UsernameToken Nonce is missing; a PasswordDigest needs a Base64 wsse:Nonce', 'PasswordDigest without Nonce', u);
    } else {
      if (token.nonceEncodingType !== undefined && token.nonceEncodingType !== BASE64_BINARY_ENCODING) {
        throw fail(serviceName, 'malformed', `UsernameToken Nonce EncodingType must be ${BASE64_BINARY_ENCODING}`, `Nonce EncodingType "${truncate(token.nonceEncodingType, 120)}"`, u);
      }
      nonce = decodeBase64Strict(token.nonce);
      if (!nonce || nonce.length < MIN_NONCE_BYTES || nonce.length > MAX_NONCE_BYTES) {
        throw fail(
          serviceName,
          'malformed',
          `UsernameToken Nonce must be Base64 of ${MIN_NONCE_BYTES} to ${MAX_NONCE_BYTES} random bytes (16 recommended)`,
          nonce ? `Nonce of ${nonce.length} bytes` : 'Nonce is not Base64',
          u,
        );
      }
    }

    // Created
    let created: number | undefined;
    if (token.created === undefined) {
      if (digest) throw fail(serviceName, 'malformed', 'UsernameToken Created is missing; a PasswordDigest needs a wsu:Created timestamp', 'PasswordDigest without Created', u);
    } else {
      created = parseCreated(token.created);
      if (created === undefined) {
        throw fail(serviceName, 'malformed', 'UsernameToken Created must be an xsd:dateTime with a time zone, such as 2026-01-31T12:00:00Z', `unparseable Created "${truncate(token.created, 60)}"`, u);
      }
      const age = now - created;
      if (age > windowMs || -age > skewMs) {
        throw fail(
          serviceName,
          'expired',
          `UsernameToken Created is outside the ${windowText} window; check the client clock`,
          age > windowMs
            ? `Created ${token.created} is ${Math.round(age / 1000)} s old (window ${windowText})`
            : `Created ${token.created} is ${Math.round(-age / 1000)} s in the future (allowed skew ${config.clockSkewSeconds} s)`,
          { username, wsseFault: 'MessageExpired' },
        );
      }
    }

    // The secret: unknown user and wrong password look the same to the caller and cost the same.
    const user = username.length > 0 && username.length <= MAX_USERNAME_LENGTH ? users.get(username) : undefined;
    const secret = user?.password ?? dummySecret;
    let ok: boolean;
    if (digest) {
      const expected = passwordDigestBytes(nonce!, token.created!, secret);
      const given = decodeBase64Strict(token.password);
      const givenBytes = given && given.length === SHA1_BYTES ? given : Buffer.alloc(SHA1_BYTES);
      ok = timingSafeEqual(expected, givenBytes) && given !== undefined && given.length === SHA1_BYTES;
    } else {
      ok = equalSecrets(token.password, secret);
    }
    if (!ok || !user) {
      throw fail(
        serviceName,
        'failed',
        MSG_FAILED,
        user ? `UsernameToken: wrong ${digest ? 'PasswordDigest' : 'PasswordText'} for user "${forLog(username)}"` : `UsernameToken: unknown user "${forLog(username)}"`,
        { username, wsseFault: 'FailedAuthentication' },
      );
    }

    // Replay: only verified tokens are remembered (claimed by the caller of verifyToken), until
    // they could no longer pass the window.
    const caller = callers.get(user.username)!.wss;
    if (!nonce) return { caller };
    return {
      caller,
      nonce: { key: `${user.username}\u0000${nonce.toString('base64')}`, until: Math.max((created ?? now) + windowMs + 1, now + 1), username, serviceName },
    };
  }

  async function claimNonce(claim: NonceClaim, now: number): Promise<void> {
    const seen = await nonces.remember(`wsse\u0000${claim.key}`, new Date(claim.until), new Date(now));
    if (seen === 'seen') {
      throw fail(claim.serviceName, 'replay', 'UsernameToken nonce was already used (replay)', `nonce reused within the ${windowText} window`, {
        username: claim.username,
        wsseFault: 'FailedAuthentication',
      });
    }
    if (seen === 'full') {
      throw fail(claim.serviceName, 'unavailable', 'the server is accepting too many authenticated requests right now; retry shortly', 'replay cache full', { username: claim.username });
    }
  }


  async function authenticate(input: AuthenticateInput): Promise<Caller> {
    const now = (input.now ?? clock()).getTime();
    const { caller, nonce } = check(input, now);
    if (nonce) await claimNonce(nonce, now);
    return caller;
  }

  function check(input: AuthenticateInput, now: number): { caller: Caller; nonce?: NonceClaim } {
    const serviceName = input.serviceName;
    const mode = modeFor(serviceName);
    if (mode === 'none') return { caller: anonymous };
    const secure = input.secure === true;
    const wssAccepted = mode === 'wss' || mode === 'wss-or-basic';
    const basicAccepted = mode === 'basic' || mode === 'wss-or-basic';
    const basicUsable = basicAccepted && (secure || config.allowInsecureBasic);

    let token: RawUsernameToken | null = null;
    if (wssAccepted) {
      try {
        token = input.headerBlocks ? extractUsernameTokenFromBlocks(input.headerBlocks) : extractUsernameToken(input.soapHeader, format);
      } catch (e) {
        if (!(e instanceof TokenFormatError)) throw e;
        throw fail(serviceName, 'malformed', e.kind === 'not-xml' ? e.message : `WS-Security header: ${e.message}`, e.message, { wsseFault: e.kind === 'not-xml' ? 'InvalidSecurity' : 'InvalidSecurityToken' });
      }
    }

    let basic: Credentials | undefined;
    const authorization = basicAccepted && typeof input.authorization === 'string' ? input.authorization.trim() : '';
    if (authorization !== '') {
      const scheme = authorization.split(/\s+/, 1)[0]!;
      if (scheme.toLowerCase() !== 'basic') {
        if (!token) {
          const shown = /^[A-Za-z0-9._~+-]{1,20}$/.test(scheme) ? `"${scheme}"` : 'used';
          throw fail(
            serviceName,
            'unsupported',
            `the Authorization scheme ${shown} is not supported; use HTTP Basic${wssAccepted ? ' or a WS-Security UsernameToken' : ''}`,
            `Authorization scheme ${shown}`,
            { challenge: basicUsable },
          );
        }
        // a token is there: an Authorization header of another scheme is not ours to judge
      } else {
        if (!secure && !config.allowInsecureBasic) {
          throw fail(
            serviceName,
            'insecure-transport',
            `HTTP Basic credentials are accepted only over HTTPS; call the https:// address${wssAccepted ? ' or send a WS-Security UsernameToken (PasswordDigest) instead' : ''}`,
            'HTTP Basic over plain HTTP',
            { wsseFault: wssAccepted ? 'InvalidSecurity' : undefined },
          );
        }
        const parsed = parseBasicAuthorization(authorization);
        if (!parsed) {
          throw fail(serviceName, 'malformed', 'the Authorization header is not valid HTTP Basic: expected "Basic " and Base64 of user:password in UTF-8', 'malformed Basic credentials', {
            challenge: true,
          });
        }
        basic = parsed;
      }
    }

    if (!token && !basic) {
      if (mode === 'wss' || (mode === 'wss-or-basic' && !basicUsable)) {
        throw fail(
          serviceName,
          'missing-credentials',
          mode === 'wss'
            ? 'WS-Security UsernameToken is missing; send a wsse:Security header with a UsernameToken (PasswordDigest)'
            : 'WS-Security UsernameToken is missing; send a wsse:Security header with a UsernameToken (PasswordDigest) — HTTP Basic is accepted only over HTTPS',
          'no UsernameToken',
          { wsseFault: 'InvalidSecurity' },
        );
      }
      if (!basicUsable) {
        throw fail(serviceName, 'insecure-transport', 'HTTP Basic credentials are accepted only over HTTPS; call the https:// address', 'Basic-only service called over plain HTTP');
      }
      throw fail(
        serviceName,
        'missing-credentials',
        mode === 'basic' ? 'HTTP Basic credentials are required' : 'WS-Security UsernameToken or HTTP Basic credentials are required',
        'no credentials',
        { challenge: true, wsseFault: mode === 'basic' ? undefined : 'InvalidSecurity' },
      );
    }

    const viaBasic = basic ? verifyBasic(serviceName, basic, secure) : undefined;
    const verified = token ? verifyToken(serviceName, token, secure, now) : undefined;
    const viaWss = verified?.caller;
    if (viaBasic && viaWss && viaBasic.username !== viaWss.username) {
      throw fail(
        serviceName,
        'conflict',
        'the WS-Security UsernameToken and the HTTP Basic credentials name different users; send one of them',
        `UsernameToken user "${forLog(viaWss.username)}" but Basic user "${forLog(viaBasic.username)}"`,
        { username: viaWss.username, wsseFault: 'FailedAuthentication' },
      );
    }
    return verified ?? { caller: viaBasic! };
  }

  return { authenticate, modeFor, allowsInsecureBasic: config.allowInsecureBasic };
}

/** `Basic base64(user:password)` → the credentials, or undefined when malformed. */
export function parseBasicAuthorization(header: string): Credentials | undefined {
  const m = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header.trim());
  if (!m) return undefined;
  const bytes = decodeBase64Strict(m[1]!);
  if (!bytes) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Constant-time equality of two secrets of any length (compares their SHA-256). */
function equalSecrets(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** A claimed user name, safe and short enough for a log line. */
function forLog(username: string): string {
  return truncate(username.replace(/[\u0000-\u001f\u007f]/g, '?'), 100);
}
