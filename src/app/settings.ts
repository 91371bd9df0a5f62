import type { Logger } from 'pino';
import {
  binderFromEnv,
  cacheTtlSecondsFromEnv,
  FederationKeys,
  federationDomainFromEnv,
  refreshSecondsFromEnv,
  registryUrlFromEnv,
  selfRegistrationFromEnv,
  withdrawAfterSecondsFromEnv,
  type Binder,
  type BinderOptions,
  type SelfRegistration,
  type SelfRegistrationContext,
} from '../binding';
import { javaScriptLimitsFromEnv, type JavaScriptLimits } from '../engine';
import { outboxSettingsFromEnv, type OutboxSettings } from '../outbox';
import { nodeDomainFromEnv, tokenTtlFromEnv } from '../registry';
import { tlsFromEnv, type TlsFiles } from '../services/http';
import { loadSecurityConfig, type SecurityConfig } from '../services/security';
import { maxBodyFromEnv, trustProxyFromEnv } from '../services/soap';
import { loadConfig, type InterflowConfig } from './config';
import { departmentFederation, messageLogRetentionFromEnv, type DepartmentFederation, type DepartmentFederationOptions, type MessageLogRetention } from '../transfer';
import { transferRepositories, type TypeormStore } from '../persistence';

/**
 * Every INTERFLOW_* setting, read from one environment here and nowhere else in src/ (test/app/
 * config-reads.test.ts keeps it so). The modules' `...FromEnv(env)` parsers stay beside the code
 * they configure, as pure functions of the environment they are given; only this class gives them
 * one. A setting is parsed on first use and kept: a command that does not use a setting is not
 * failed by a bad value of it, as before.
 */
/** INTERFLOW_* variables that tune a department rather than place it (see memberTuning). */
const MEMBER_TUNING = /^INTERFLOW_(SIGNING_THREADS|OUTBOX_(LEASE_MS|LANE_CONCURRENCY|POLL_MS|SEND_TIMEOUT_MS)|SCRIPT_(TIMEOUT_MS|MEMORY_MB|STACK_KB)|MESSAGE_LOG_RETENTION_DAYS|MAX_BODY|WSS_WINDOW|BINDING_CACHE_TTL|REGISTRY_REFRESH|ROUTING)$/;

export class Settings {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /**
   * The tuning settings `federation up` hands on to every member it starts (the launcher passes no
   * other INTERFLOW_* variable of its own environment: where each member listens, its database and
   * its secrets are the launcher's to set). Unparsed: each member parses and refuses them itself.
   */
  get memberTuning(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.env)) {
      if (value !== undefined && value.trim() !== '' && MEMBER_TUNING.test(name)) out[name] = value;
    }
    return out;
  }

  /** The same settings with some variables replaced (a CLI flag standing for one, e.g. --url). */
  with(overrides: Record<string, string | undefined>): Settings {
    return new Settings({ ...this.env, ...overrides });
  }

  /** The settings every command needs (INTERFLOW_DB, INTERFLOW_DEPARTMENT, ...), with the CLI's flags over them. */
  config(overrides: Partial<InterflowConfig> = {}): InterflowConfig {
    return loadConfig(this.env, overrides);
  }

  private once<T>(key: string, parse: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, parse());
    return this.cache.get(key) as T;
  }

  /** INTERFLOW_PORT as given; the CLI parses it as it parses --port. */
  get port(): string | undefined {
    return this.env.INTERFLOW_PORT || undefined;
  }

  /** INTERFLOW_HOST; default 127.0.0.1. */
  get host(): string {
    return this.env.INTERFLOW_HOST || '127.0.0.1';
  }

  /** INTERFLOW_PUBLIC_URL, trimmed, without trailing slashes. */
  get publicUrl(): string | undefined {
    return this.env.INTERFLOW_PUBLIC_URL?.trim().replace(/\/+$/, '') || undefined;
  }

  /** INTERFLOW_PUBLIC_URL exactly as set (the CLI trims and checks it itself). */
  get publicUrlAsGiven(): string | undefined {
    return this.env.INTERFLOW_PUBLIC_URL;
  }

  /** INTERFLOW_DEBUG: print the stack of an unexpected error. */
  get debug(): boolean {
    return Boolean(this.env.INTERFLOW_DEBUG);
  }

  /** Whether INTERFLOW_DB is set at all (the CLI refuses a missing database directory then). */
  get databaseSet(): boolean {
    return this.env.INTERFLOW_DB !== undefined;
  }

  /** INTERFLOW_REFERENCE_DIR: where the demo finds the public reference files. */
  get referenceDir(): string | undefined {
    return this.env.INTERFLOW_REFERENCE_DIR || undefined;
  }

  /** Whether INTERFLOW_USERS_FILE names a file. */
  get usersFileSet(): boolean {
    return Boolean(this.env.INTERFLOW_USERS_FILE?.trim());
  }

  /** INTERFLOW_DEPARTMENT_NAME: the department's display name. */
  get departmentName(): string | undefined {
    return this.env.INTERFLOW_DEPARTMENT_NAME?.trim() || undefined;
  }

  /** INTERFLOW_METRICS_TOKEN: the bearer token /metrics asks for off loopback. */
  get metricsToken(): string | undefined {
    return this.env.INTERFLOW_METRICS_TOKEN?.trim() || undefined;
  }

  /** Whether INTERFLOW_FEDERATION_DOMAIN is set (else some commands infer it from the registry). */
  get federationDomainSet(): boolean {
    return Boolean(this.env.INTERFLOW_FEDERATION_DOMAIN?.trim());
  }

  get federationDomain(): string {
    return this.once('federationDomain', () => federationDomainFromEnv(this.env));
  }

  get federationKeys(): FederationKeys {
    return new FederationKeys(this.federationDomain);
  }

  /** INTERFLOW_UDDI_DOMAIN and INTERFLOW_UDDI_TOKEN_TTL, for the registry the hub serves. */
  get registryNode(): { nodeDomain: string; federationDomain: string; tokenTtlSeconds: number } {
    return this.once('registryNode', () => ({ nodeDomain: nodeDomainFromEnv(this.env), federationDomain: this.federationDomain, tokenTtlSeconds: tokenTtlFromEnv(this.env) }));
  }

  get registryUrl(): string | undefined {
    return registryUrlFromEnv(this.env);
  }

  get refreshSeconds(): number {
    return this.once('refresh', () => refreshSecondsFromEnv(this.env));
  }

  get withdrawAfterSeconds(): number {
    return this.once('withdraw', () => withdrawAfterSecondsFromEnv(this.env));
  }

  get cacheTtlSeconds(): number {
    return this.once('cacheTtl', () => cacheTtlSecondsFromEnv(this.env));
  }

  get tls(): TlsFiles | undefined {
    return this.once('tls', () => tlsFromEnv(this.env));
  }

  get security(): SecurityConfig {
    return this.once('security', () => loadSecurityConfig(this.env));
  }

  get retention(): MessageLogRetention {
    return this.once('retention', () => messageLogRetentionFromEnv(this.env));
  }

  get maxBodyBytes(): number {
    return this.once('maxBody', () => maxBodyFromEnv(this.env));
  }

  get trustProxy(): boolean {
    return trustProxyFromEnv(this.env);
  }

  get outbox(): OutboxSettings {
    return this.once('outbox', () => outboxSettingsFromEnv(this.env));
  }

  get javaScriptLimits(): JavaScriptLimits {
    return this.once('javascript', () => javaScriptLimitsFromEnv(this.env));
  }

  binder(log?: Logger, extra: Pick<BinderOptions, 'snapshots'> = {}): Binder | undefined {
    return binderFromEnv(this.env, log, extra);
  }

  selfRegistration(context: SelfRegistrationContext): SelfRegistration | undefined {
    return selfRegistrationFromEnv(this.env, context);
  }

  /** The department's transfer layer (INTERFLOW_SIGNING_KEY and _CERT, INTERFLOW_ROUTING, INTERFLOW_REMOTE_FACTORIES, ...). */
  departmentFederation(o: Omit<DepartmentFederationOptions, 'env' | 'repositories'> & { store: TypeormStore }): Promise<DepartmentFederation> {
    const { store, ...rest } = o;
    // The composition root: transfer's storage ports get their TypeORM implementations here.
    return departmentFederation({ ...rest, repositories: transferRepositories(store), env: this.env });
  }
}
