import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { demoSecurityConfig, makeUser, randomSecret, writeUsersFile, type UserRecord } from '../services/security';
import type { DepartmentSpec } from './topology';

/**
 * The secrets a federation needs, generated fresh: one registry publisher password per department
 * (the hub stores only its scrypt hash; the department reads the file) and one users file per
 * department with its callers for ProcessService and the console. Every file is mode 0600: they
 * hold passwords, and `interflow serve` refuses a users file others can read.
 */

export interface DepartmentCredentials {
  code: string;
  /** INTERFLOW_REGISTRY_PASSWORD_FILE of the department, and what `federation publishers` reads. */
  registryPasswordFile: string;
  /** INTERFLOW_USERS_FILE of the department. */
  usersFile: string;
  /** Read `user.password` explicitly: it is non-enumerable, so it never reaches a log by accident. */
  users: UserRecord[];
}

export interface CredentialsOptions {
  /**
   * Let callers use HTTP Basic over plain HTTP. Only for the loopback demo, where it makes a
   * one-line curl possible; a deployment keeps WS-Security digests or serves HTTPS.
   */
  allowInsecureBasic?: boolean;
}

export function registryPasswordFileName(code: string): string {
  return `${code}.registry-password`;
}

export function usersFileName(code: string): string {
  return `${code}.users.json`;
}

/** Writes (or overwrites) every department's secrets into `dir` and returns where they are. */
export function writeCredentials(dir: string, departments: readonly DepartmentSpec[], options: CredentialsOptions = {}): DepartmentCredentials[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return departments.map((d) => {
    const registryPasswordFile = join(dir, registryPasswordFileName(d.code));
    writeSecretFile(registryPasswordFile, `${randomSecret(24)}\n`);
    const users = d.users.map((u) => makeUser({ ...u, password: randomSecret() }));
    const usersFile = join(dir, usersFileName(d.code));
    writeUsersFile(usersFile, demoSecurityConfig(users, { allowInsecureBasic: options.allowInsecureBasic ?? false }));
    return { code: d.code, registryPasswordFile, usersFile, users };
  });
}

/** DEPT.db-password: the MySQL password of a process's own database user (docker-compose.yml). */
export function databasePasswordFileName(name: string): string {
  return `${name}.db-password`;
}

/**
 * Writes (or overwrites) one database password per process (`mysql-root.password` for the server's
 * root, `NAME.db-password` for each process's own user): the mysql service creates the users from
 * them, and each process reads its own through INTERFLOW_DB_PASSWORD_FILE.
 */
export function writeDatabasePasswords(dir: string, names: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return ['mysql-root.password', ...names.map(databasePasswordFileName)].map((file) => {
    const path = join(dir, file);
    writeSecretFile(path, `${randomSecret(24)}\n`);
    return path;
  });
}

export function writeSecretFile(path: string, content: string): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    // An existing file keeps its mode on open(2); a password file must not stay readable by others.
    fchmodSync(fd, 0o600);
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

/** The user of a department with this name, or the first admin. */
export function userOf(credentials: DepartmentCredentials, username?: string): UserRecord {
  const user = username ? credentials.users.find((u) => u.username === username) : credentials.users.find((u) => u.admin);
  if (!user) throw new Error(`department ${credentials.code} has no user ${username ?? '(admin)'}`);
  return user;
}
