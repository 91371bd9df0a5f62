import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { DefinitionRecord } from '../engine';
import { Binder, DEFAULT_CACHE_TTL_SECONDS, type BinderOptions } from './binder';
import { loadCertificateFile, type PublishedCertificate } from './certificate';
import type { OfferedService } from './department-entries';
import { FederationKeys, federationDomainFromEnv } from './federation-keys';
import { RegistryClient } from './registry-client';
import { SelfRegistration } from './self-registration';

/**
 * Environment of dynamic binding and self-registration (README "Registering a department
 * engine"). Values that are set but wrong fail fast with what is expected; leaving the registry
 * unconfigured is allowed and only logged.
 */

export const DEFAULT_REFRESH_SECONDS = 30;
/** The hub withdraws a binding whose lease lapsed this many refresh intervals ago. */
export const WITHDRAW_FACTOR = 10;

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of seconds${min > 0 ? ' above 0' : ' (0 or more)'}, got "${raw}"`);
  return n;
}

export function refreshSecondsFromEnv(env: NodeJS.ProcessEnv): number {
  return seconds(env, 'INTERFLOW_REGISTRY_REFRESH', DEFAULT_REFRESH_SECONDS, 0.001);
}

export function cacheTtlSecondsFromEnv(env: NodeJS.ProcessEnv): number {
  return seconds(env, 'INTERFLOW_BINDING_CACHE_TTL', DEFAULT_CACHE_TTL_SECONDS, 0);
}

export function withdrawAfterSecondsFromEnv(env: NodeJS.ProcessEnv): number {
  return seconds(env, 'INTERFLOW_REGISTRY_WITHDRAW_AFTER', WITHDRAW_FACTOR * refreshSecondsFromEnv(env), 0);
}

export function registryUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.INTERFLOW_REGISTRY_URL?.trim() || undefined;
}

/** INTERFLOW_REGISTRY_PASSWORD, or the first line of INTERFLOW_REGISTRY_PASSWORD_FILE. */
export function registryPasswordFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  if (env.INTERFLOW_REGISTRY_PASSWORD) return env.INTERFLOW_REGISTRY_PASSWORD;
  const file = env.INTERFLOW_REGISTRY_PASSWORD_FILE?.trim();
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0];
  } catch (e) {
    throw new Error(`INTERFLOW_REGISTRY_PASSWORD_FILE: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** INTERFLOW_SIGNING_CERT, loaded and checked; undefined (with a log line) when unset. */
export function signingCertificateFromEnv(env: NodeJS.ProcessEnv, log: Logger): PublishedCertificate | undefined {
  const path = env.INTERFLOW_SIGNING_CERT?.trim();
  if (!path) {
    log.info('no signing certificate published in the registry: INTERFLOW_SIGNING_CERT is unset');
    return undefined;
  }
  const certificate = loadCertificateFile(path);
  log.info({ fingerprint: certificate.fingerprint, subject: certificate.certificate.subject, validTo: certificate.certificate.validTo }, 'signing certificate to publish');
  return certificate;
}

export interface SelfRegistrationContext {
  engine: { listDefinitions(): Promise<DefinitionRecord[]>; department?: string };
  log: Logger;
  /** Overrides INTERFLOW_DEPARTMENT (the CLI's --department). */
  department?: string;
  extraServices?: OfferedService[];
  lease?: boolean;
  /** The certificate to publish when the caller has one already (generated keys); else INTERFLOW_SIGNING_CERT. */
  certificate?: PublishedCertificate;
  /** See SelfRegistrationOptions.onRegistryBack. */
  onRegistryBack?: () => void;
}

/**
 * The engine's self-registration as the environment configures it, or undefined (and a log line
 * saying which variable is missing) when the registry is not configured.
 */
export function selfRegistrationFromEnv(env: NodeJS.ProcessEnv, context: SelfRegistrationContext): SelfRegistration | undefined {
  const { log } = context;
  const url = registryUrlFromEnv(env);
  if (!url) {
    log.info('self-registration off: INTERFLOW_REGISTRY_URL is unset');
    return undefined;
  }
  const department = context.department ?? context.engine.department ?? env.INTERFLOW_DEPARTMENT?.trim();
  const user = env.INTERFLOW_REGISTRY_USER?.trim();
  const password = registryPasswordFromEnv(env);
  const missing = [!department && 'INTERFLOW_DEPARTMENT', !user && 'INTERFLOW_REGISTRY_USER', !password && 'INTERFLOW_REGISTRY_PASSWORD (or _FILE)'].filter(Boolean);
  if (missing.length) {
    log.warn({ missing }, `self-registration off: INTERFLOW_REGISTRY_URL is set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not`);
    return undefined;
  }
  return new SelfRegistration({
    registry: new RegistryClient({ baseUrl: url }),
    user: user!,
    password: password!,
    department: department!,
    departmentName: env.INTERFLOW_DEPARTMENT_NAME?.trim() || undefined,
    engineId: env.INTERFLOW_ENGINE_ID?.trim() || undefined,
    keys: new FederationKeys(federationDomainFromEnv(env)),
    refreshSeconds: refreshSecondsFromEnv(env),
    certificate: context.certificate ?? signingCertificateFromEnv(env, log),
    engine: context.engine,
    extraServices: context.extraServices,
    lease: context.lease,
    ...(context.onRegistryBack ? { onRegistryBack: context.onRegistryBack } : {}),
    log,
  });
}

/** A Binder on INTERFLOW_REGISTRY_URL, or undefined when no registry is configured. */
export function binderFromEnv(env: NodeJS.ProcessEnv, log?: Logger, extra: Pick<BinderOptions, 'snapshots'> = {}): Binder | undefined {
  const url = registryUrlFromEnv(env);
  if (!url) return undefined;
  return new Binder({ registry: new RegistryClient({ baseUrl: url }), keys: new FederationKeys(federationDomainFromEnv(env)), cacheTtlSeconds: cacheTtlSecondsFromEnv(env), log, ...extra });
}
