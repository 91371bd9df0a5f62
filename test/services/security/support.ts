import { parseSecurityConfig, type SecurityConfig } from '../../../src/services/security';

export const NOW = new Date('2026-01-31T12:00:00.000Z');
export const CLERK_PASSWORD = 'clerk-secret-0123456789';
export const ADMIN_PASSWORD = 'admin-secret-9876543210';

/** A users file as an administrator would write it, with overrides. */
export function usersFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    services: { ProcessService: 'wss-or-basic', wfxml: 'wss', 'wfxml/observer': 'basic', '*': 'wss' },
    users: [
      { username: 'clerk-system', password: CLERK_PASSWORD, start: ['building_permit'], participants: ['clerk'], admin: false },
      { username: 'ops', password: ADMIN_PASSWORD, start: ['*'], participants: ['*'], admin: true },
    ],
    ...overrides,
  };
}

export function config(overrides: Record<string, unknown> = {}, options: { production?: boolean; wssWindowSeconds?: number } = {}): SecurityConfig {
  return parseSecurityConfig(usersFile(overrides), { source: 'test-users.json', ...options });
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export function envelope(header: string, version: '1.1' | '1.2' = '1.1'): string {
  const ns = version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope';
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${ns}"><soap:Header>${header}</soap:Header><soap:Body><ps:GetWorklist xmlns:ps="urn:interflow:process-service:1"/></soap:Body></soap:Envelope>`;
}

/** Runs fn and returns what it threw (fails when it does not throw). */
export async function thrown<E = Error>(fn: () => unknown): Promise<E> {
  try {
    await fn();
  } catch (e) {
    return e as E;
  }
  throw new Error('expected an error to be thrown');
}
