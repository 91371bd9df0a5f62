import { SecurityConfigError } from './errors';
import { developmentSecurityConfig, type SecurityConfig } from './config';
import { jsonErrorPosition, parseSecurityConfig, readUsersFile } from './users-file';

/** The security configuration from the environment: INTERFLOW_USERS_FILE, INTERFLOW_PRODUCTION, INTERFLOW_WSS_WINDOW. */

export function isProduction(env: NodeJS.ProcessEnv): boolean {
  const flag = (env.INTERFLOW_PRODUCTION ?? '').trim().toLowerCase();
  return env.NODE_ENV === 'production' || flag === '1' || flag === 'true';
}

function productionWhy(env: NodeJS.ProcessEnv): string {
  return env.NODE_ENV === 'production' ? 'NODE_ENV=production' : 'INTERFLOW_PRODUCTION is set';
}

/**
 * Reads the security configuration from the environment:
 * - `INTERFLOW_USERS_FILE`: the users file (JSON). Unset = every service open to anonymous callers
 *   with full permissions, which is refused in production.
 * - `INTERFLOW_WSS_WINDOW`: UsernameToken freshness window in seconds (overrides the file).
 * - `NODE_ENV=production` or `INTERFLOW_PRODUCTION=1`: production rules (see {@link parseSecurityConfig}).
 * Throws {@link SecurityConfigError} naming the file, the user and the field of every problem.
 */
export function loadSecurityConfig(env: NodeJS.ProcessEnv): SecurityConfig {
  const production = isProduction(env);
  const file = env.INTERFLOW_USERS_FILE?.trim() || undefined;
  const envWindow = parseEnvWindow(env.INTERFLOW_WSS_WINDOW);
  if (!file) {
    if (production) {
      throw new SecurityConfigError('environment', [
        `INTERFLOW_USERS_FILE is not set, but ${productionWhy(env)}: in production every service must authenticate its callers. ` +
          'Create a users file (see docs/security.md), chmod 600 it, and set INTERFLOW_USERS_FILE to its path.',
      ]);
    }
    return developmentSecurityConfig({ wssWindowSeconds: envWindow });
  }
  const text = readUsersFile(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Never echo the parser's message: V8 quotes a piece of the file, which may be a password.
    throw new SecurityConfigError(file, [`the file is not valid JSON${jsonErrorPosition(text, e)}; check quotes, commas and brackets there`]);
  }
  return parseSecurityConfig(json, { source: file, production, productionWhy: production ? productionWhy(env) : undefined, wssWindowSeconds: envWindow });
}

function parseEnvWindow(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > 86_400) {
    throw new SecurityConfigError('environment', [`INTERFLOW_WSS_WINDOW must be a whole number of seconds from 1 to 86400, got "${value.slice(0, 40)}"`]);
  }
  return n;
}
