import { expect } from 'chai';
import { hashPassword, nodeDomainFromEnv, tokenTtlFromEnv, verifyPassword } from '../../src/registry';
import { expectUddiError, openTestRegistry, type TestRegistry } from './support';
import { business } from './fixtures';

describe('UDDI registry: security (get_authToken, discard_authToken, publishers)', () => {
  let t: TestRegistry;

  before(async () => {
    t = await openTestRegistry({ tokenTtlSeconds: 60 });
    await t.registry.createPublisher('alice', 'alice-secret');
  });
  after(async () => t.close());

  it('stores publisher passwords as salted scrypt hashes, never the password', async () => {
    const row = await t.registry.repository.read((tx) => tx.findPublisher('alice'));
    expect(row!.passwordHash).to.match(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(row!.passwordHash).not.to.include('alice-secret');
    const again = await hashPassword('alice-secret');
    expect(again, 'a fresh salt every time').not.to.equal(row!.passwordHash);
    expect(await verifyPassword('alice-secret', row!.passwordHash)).to.equal(true);
    expect(await verifyPassword('alice-secreT', row!.passwordHash)).to.equal(false);
    expect(await verifyPassword('alice-secret', 'plain-text')).to.equal(false);
  });

  it('refuses a second publisher of the same name and short passwords', async () => {
    const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e.message);
    expect(await failure(t.registry.createPublisher('alice', 'another-secret'))).to.match(/already exists/);
    expect(await failure(t.registry.createPublisher('bob', 'short'))).to.match(/at least 8 characters/);
  });

  it('hands out a token for the right password, E_unknownUser (10150) otherwise, the same for an unknown user', async () => {
    const token = await t.registry.getAuthToken('alice', 'alice-secret');
    expect(token).to.match(/^authtoken:[A-Za-z0-9_-]{43}$/);
    const wrong = await expectUddiError(() => t.registry.getAuthToken('alice', 'nope'), 'E_unknownUser', 10150);
    const unknown = await expectUddiError(() => t.registry.getAuthToken('mallory', 'nope'), 'E_unknownUser', 10150);
    expect(unknown.message, 'no hint which part was wrong').to.equal(wrong.message);
  });

  it('stores only a hash of each token', async () => {
    const token = await t.registry.getAuthToken('alice', 'alice-secret');
    const rows = (await t.store.dataSource.query('SELECT token_hash FROM if_uddi_auth_token')) as Array<{ token_hash: string }>;
    expect(rows.length).to.be.greaterThan(0);
    for (const r of rows) {
      expect(r.token_hash).to.match(/^[0-9a-f]{64}$/);
      expect(token).not.to.include(r.token_hash);
    }
  });

  it('requires a token to publish: E_authTokenRequired (10120) when missing or unknown', async () => {
    await expectUddiError(() => t.registry.saveBusiness(undefined, [business('X')]), 'E_authTokenRequired', 10120);
    await expectUddiError(() => t.registry.saveBusiness('  ', [business('X')]), 'E_authTokenRequired', 10120);
    await expectUddiError(() => t.registry.saveBusiness('authtoken:forged', [business('X')]), 'E_authTokenRequired', 10120);
    await expectUddiError(() => t.registry.deleteTModel(undefined, ['uddi:test.example:x']), 'E_authTokenRequired');
  });

  it('expires tokens after the configured lifetime: E_authTokenExpired (10110), then unknown', async () => {
    const token = await t.registry.getAuthToken('alice', 'alice-secret');
    t.clock.advance(59);
    await t.registry.saveBusiness(token, [business('Still valid')]);
    t.clock.advance(1);
    await expectUddiError(() => t.registry.saveBusiness(token, [business('Too late')]), 'E_authTokenExpired', 10110);
    await expectUddiError(() => t.registry.saveBusiness(token, [business('Too late')]), 'E_authTokenRequired');
  });

  it('discard_authToken ends a token; discarding an unknown one is E_authTokenRequired', async () => {
    const token = await t.registry.getAuthToken('alice', 'alice-secret');
    await t.registry.discardAuthToken(token);
    await expectUddiError(() => t.registry.saveBusiness(token, [business('X')]), 'E_authTokenRequired');
    await expectUddiError(() => t.registry.discardAuthToken(token), 'E_authTokenRequired');
    await expectUddiError(() => t.registry.discardAuthToken(undefined), 'E_authTokenRequired');
  });

  it('leaves inquiry open: no token needed to find or get', async () => {
    const list = await t.registry.findBusiness({ names: [{ value: 'Still valid' }] });
    expect(list.items.map((b) => b.names[0].value)).to.deep.equal(['Still valid']);
  });

  it('a changed password takes effect at once', async () => {
    await t.registry.setPublisherPassword('alice', 'new-alice-secret');
    await expectUddiError(() => t.registry.getAuthToken('alice', 'alice-secret'), 'E_unknownUser');
    expect(await t.registry.getAuthToken('alice', 'new-alice-secret')).to.be.a('string');
  });

  it('reads the token lifetime and node domain from the environment, refusing nonsense', () => {
    expect(tokenTtlFromEnv({})).to.equal(3600);
    expect(tokenTtlFromEnv({ INTERFLOW_UDDI_TOKEN_TTL: '120' })).to.equal(120);
    expect(() => tokenTtlFromEnv({ INTERFLOW_UDDI_TOKEN_TTL: '-5' })).to.throw(/INTERFLOW_UDDI_TOKEN_TTL/);
    expect(nodeDomainFromEnv({})).to.equal('interflow.local');
    expect(nodeDomainFromEnv({ INTERFLOW_UDDI_DOMAIN: 'Registry.Example.GOV' })).to.equal('registry.example.gov');
    expect(() => nodeDomainFromEnv({ INTERFLOW_UDDI_DOMAIN: 'not a domain' })).to.throw(/INTERFLOW_UDDI_DOMAIN/);
  });
});

// Its own database: on MySQL a second test store would reset the one the block above uses.
describe('UDDI registry: publishers created before departments were assigned', () => {
  it('keeps the publishers of a registry from before departments: migrated with none, plain until the administrator assigns one', async () => {
    const old = await openTestRegistry({ federationDomain: 'gov.example' });
    try {
      const ds = old.store.dataSource;
      // Undo migrations down to (and including) the one that added the department column.
      while ((await ds.query('SELECT name FROM if_migrations ORDER BY timestamp DESC LIMIT 1') as Array<{ name: string }>)[0]?.name !== 'MessageLog1795300000000') {
        await ds.undoLastMigration();
      }
      const runner = ds.createQueryRunner();
      try {
        expect((await runner.getTable('if_uddi_publisher'))!.columns.map((c) => c.name)).to.not.include('department');
        await runner.query('INSERT INTO if_uddi_publisher (username, password_hash, created_at) VALUES (?, ?, ?)', ['planning', await hashPassword('planning-secret'), '2026-01-01 00:00:00.000']);
      } finally {
        await runner.release();
      }
      await ds.runMigrations({ transaction: 'each' });
      expect(await old.registry.getPublisher('planning')).to.deep.include({ name: 'planning' }).and.not.have.property('department');
      const token = await old.registry.getAuthToken('planning', 'planning-secret');
      const refused = await expectUddiError(() => old.registry.saveBusiness(token, [business('Planning', { businessKey: 'uddi:gov.example:dept:planning' })]), 'E_keyUnavailable');
      expect(refused.message).to.include('publisher planning acts for no department');
      expect(await old.registry.setPublisherDepartment('planning', 'planning')).to.include({ department: 'planning', partition: 'uddi:gov.example:dept:planning' });
      await old.registry.saveBusiness(token, [business('Planning', { businessKey: 'uddi:gov.example:dept:planning' })]);
    } finally {
      await old.close();
    }
  });
});
