import { randomBytes } from 'node:crypto';
import { uddiError } from './errors';
import { departmentCode, HUB_OWNER } from './federation';
import { burnVerification, hashPassword, verifyPassword } from './passwords';
import { PublisherInfo, checkUsername, tokenHash } from './registry-rows';
import type { RegistryCore } from './registry-core';

/** The UDDI Security API set (get_authToken, discard_authToken) and the administrator's publishers. */
export class RegistrySecurity {
  constructor(private readonly core: RegistryCore) {}

  async getAuthToken(userID: string, cred: string): Promise<string> {
    const username = userID ?? '';
    // The hub's owner name never logs in, even if a publisher row by that name predates the rule.
    const publisher = username && username !== HUB_OWNER ? await this.core.repository.read((tx) => tx.findPublisher(username)) : undefined;
    // Same time and same answer for an unknown user and a wrong password: neither may be probed.
    const valid = publisher ? await verifyPassword(cred ?? '', publisher.passwordHash) : (await burnVerification(cred ?? ''), false);
    if (!publisher || !valid) throw uddiError('E_unknownUser', 'get_authToken: the userID and cred pair is not known to this node');
    const token = `authtoken:${randomBytes(32).toString('base64url')}`;
    const now = this.core.clock();
    await this.core.repository.write(async (tx) => {
      await tx.deleteTokensExpiredBefore(now);
      await tx.insertToken({ tokenHash: tokenHash(token), publisher: publisher.username, createdAt: now, expiresAt: new Date(now.getTime() + this.core.tokenTtlSeconds * 1000) });
    });
    return token;
  }

  async discardAuthToken(authInfo: string | undefined): Promise<void> {
    if (!authInfo?.trim()) throw uddiError('E_authTokenRequired', 'discard_authToken: authInfo is missing; pass the token get_authToken returned');
    const hash = tokenHash(authInfo.trim());
    await this.core.repository.write(async (tx) => {
      if (!(await tx.findToken(hash))) throw uddiError('E_authTokenRequired', 'discard_authToken: the authInfo is not a token this node issued, or it was already discarded');
      await tx.deleteToken(hash);
    });
  }

  /**
   * A publisher with `department` may publish in that department's partition of the federation
   * domain (and in partitions of its own outside it); without, it is a plain UDDI publisher that may
   * hold nothing under the federation domain.
   */
  async createPublisher(username: string, password: string, options: { department?: string } = {}): Promise<PublisherInfo> {
    const name = checkUsername(username);
    const department = options.department === undefined ? undefined : departmentCode(options.department);
    if (typeof password !== 'string' || password.length < 8) throw new Error('a publisher password needs at least 8 characters');
    const passwordHash = await hashPassword(password);
    const createdAt = this.core.clock();
    await this.core.repository.write(async (tx) => {
      if (await tx.findPublisher(name)) throw new Error(`publisher "${name}" already exists`);
      await tx.insertPublisher({ username: name, passwordHash, ...(department ? { department } : {}), createdAt });
    });
    return this.core.publisherInfo({ username: name, department, createdAt });
  }

  /** Assigns (or with undefined, withdraws) the department a publisher acts for. */
  async setPublisherDepartment(username: string, department: string | undefined): Promise<PublisherInfo> {
    const code = department === undefined ? undefined : departmentCode(department);
    return this.core.repository.write(async (tx) => {
      const found = await tx.findPublisher(username);
      if (!found) throw new Error(`no publisher "${username}"`);
      await tx.updatePublisherDepartment(username, code);
      return this.core.publisherInfo({ ...found, department: code });
    });
  }

  async getPublisher(username: string): Promise<PublisherInfo | undefined> {
    const found = await this.core.repository.read((tx) => tx.findPublisher(username));
    return found && this.core.publisherInfo(found);
  }

  async setPublisherPassword(username: string, password: string): Promise<void> {
    if (typeof password !== 'string' || password.length < 8) throw new Error('a publisher password needs at least 8 characters');
    const passwordHash = await hashPassword(password);
    await this.core.repository.write(async (tx) => {
      if (!(await tx.findPublisher(username))) throw new Error(`no publisher "${username}"`);
      await tx.updatePublisherPassword(username, passwordHash);
    });
  }
}
