import { expect } from 'chai';
import * as path from 'node:path';
import {
  DEFAULT_DATABASE_URL,
  DatabaseUrlError,
  databaseUrlFromEnv,
  describeDatabase,
  parseDatabaseUrl,
  redactDatabaseUrl,
  withDatabasePasswordFile,
} from '../../src/persistence/database-url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createDataSource, poolSizeFromEnv } from '../../src/persistence/data-source';

describe('database URL (INTERFLOW_DB)', () => {
  const cwd = '/srv/interflow';

  it('defaults to ./data/interflow.sqlite', () => {
    expect(DEFAULT_DATABASE_URL).to.equal('sqlite:./data/interflow.sqlite');
    expect(databaseUrlFromEnv({})).to.equal(DEFAULT_DATABASE_URL);
    expect(databaseUrlFromEnv({ INTERFLOW_DB: '  ' })).to.equal(DEFAULT_DATABASE_URL);
    expect(databaseUrlFromEnv({ INTERFLOW_DB: 'mysql://u@h/d' })).to.equal('mysql://u@h/d');
    expect(parseDatabaseUrl(undefined, { cwd })).to.deep.equal({ kind: 'sqlite', path: '/srv/interflow/data/interflow.sqlite' });
    expect(parseDatabaseUrl('', { cwd })).to.deep.equal({ kind: 'sqlite', path: '/srv/interflow/data/interflow.sqlite' });
  });

  it('accepts sqlite:PATH and bare .sqlite/.db paths, resolving relative ones', () => {
    expect(parseDatabaseUrl('sqlite:./x/y.sqlite', { cwd })).to.deep.equal({ kind: 'sqlite', path: '/srv/interflow/x/y.sqlite' });
    expect(parseDatabaseUrl('sqlite:/var/lib/if.data', { cwd })).to.deep.equal({ kind: 'sqlite', path: '/var/lib/if.data' });
    expect(parseDatabaseUrl('sqlite:///var/lib/if.db', { cwd })).to.deep.equal({ kind: 'sqlite', path: '/var/lib/if.db' });
    expect(parseDatabaseUrl('SQLite:rel.sqlite', { cwd })).to.deep.equal({ kind: 'sqlite', path: '/srv/interflow/rel.sqlite' });
    expect(parseDatabaseUrl('data/engine.db', { cwd })).to.deep.equal({ kind: 'sqlite', path: '/srv/interflow/data/engine.db' });
    expect(parseDatabaseUrl('/abs/engine.sqlite', { cwd })).to.deep.equal({ kind: 'sqlite', path: '/abs/engine.sqlite' });
    expect(parseDatabaseUrl('x.sqlite').kind).to.equal('sqlite');
    expect(path.isAbsolute((parseDatabaseUrl('x.sqlite') as { path: string }).path)).to.equal(true);
  });

  it('allows :memory: only when asked to (tests)', () => {
    expect(() => parseDatabaseUrl(':memory:')).to.throw(DatabaseUrlError, /only allowed in tests/);
    expect(() => parseDatabaseUrl('sqlite::memory:')).to.throw(DatabaseUrlError, /only allowed in tests/);
    expect(parseDatabaseUrl(':memory:', { allowMemory: true })).to.deep.equal({ kind: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('sqlite::memory:', { allowMemory: true })).to.deep.equal({ kind: 'sqlite', path: ':memory:' });
  });

  it('parses mysql:// and mariadb:// URLs, decoding user and password', () => {
    expect(parseDatabaseUrl('mysql://app:s3cr%40t%2Fx@db.internal:3307/interflow')).to.deep.equal({
      kind: 'mysql',
      flavor: 'mysql',
      host: 'db.internal',
      port: 3307,
      user: 'app',
      password: 's3cr@t/x',
      database: 'interflow',
    });
    expect(parseDatabaseUrl('mariadb://root@127.0.0.1/test')).to.deep.equal({
      kind: 'mysql',
      flavor: 'mariadb',
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      database: 'test',
    });
    expect(parseDatabaseUrl('mysql://u:p@[::1]:3306/d')).to.include({ host: '::1' });
  });

  it('rejects anything else, naming the accepted forms and never the password', () => {
    const bad = ['postgres://u:hunter2@h/d', 'interflow.txt', 'sqlite:', 'http://x/y.db', 'mysql://u:hunter2@/d'];
    for (const url of bad) {
      let error: Error | undefined;
      try {
        parseDatabaseUrl(url);
      } catch (e) {
        error = e as Error;
      }
      expect(error, url).to.be.instanceOf(DatabaseUrlError);
      expect(error!.message, url).to.not.contain('hunter2');
      if (url !== 'mysql://u:hunter2@/d') expect(error!.message, url).to.match(/sqlite:PATH.*mysql:\/\/.*mariadb:\/\//);
    }
    expect(() => parseDatabaseUrl('mysql://u:hunter2@h:3306/')).to.throw(DatabaseUrlError, /exactly one database/);
    expect(() => parseDatabaseUrl('mysql://u:hunter2@h:3306/a/b')).to.throw(DatabaseUrlError, /exactly one database/);
    expect(() => parseDatabaseUrl('mysql://u:hunter2@h:3306/a?ssl=true')).to.throw(DatabaseUrlError, /query parameters/);
  });

  it('redacts passwords for logs', () => {
    expect(redactDatabaseUrl('mysql://app:s3cret@db:3306/interflow')).to.equal('mysql://app:***@db:3306/interflow');
    expect(redactDatabaseUrl('mariadb://app:p%40ss@db/interflow')).to.equal('mariadb://app:***@db/interflow');
    expect(redactDatabaseUrl('mysql://app:pa/ss#x@db/interflow')).to.equal('mysql://app:***@db/interflow');
    expect(redactDatabaseUrl('mysql://app@db/interflow')).to.equal('mysql://app@db/interflow');
    expect(redactDatabaseUrl('mysql://db:3306/interflow')).to.equal('mysql://db:3306/interflow');
    expect(redactDatabaseUrl('sqlite:./data/interflow.sqlite')).to.equal('sqlite:./data/interflow.sqlite');
    expect(describeDatabase(parseDatabaseUrl('mysql://app:s3cret@db:3306/interflow'))).to.equal('mysql://app:***@db:3306/interflow');
  });

  it('builds data sources with the documented options and synchronize off', () => {
    const sqlite = createDataSource({ kind: 'sqlite', path: ':memory:' });
    expect(sqlite.options).to.include({ type: 'better-sqlite3', synchronize: false, migrationsRun: false });
    const mysql = createDataSource('mysql://u:p@127.0.0.1:1/d', { poolSize: poolSizeFromEnv({ INTERFLOW_DB_POOL: '4' }) });
    expect(mysql.options).to.include({
      type: 'mysql',
      synchronize: false,
      charset: 'utf8mb4',
      timezone: 'Z',
      dateStrings: false,
      poolSize: 4,
    });
    expect(createDataSource('mariadb://u@h/d').options.type).to.equal('mariadb');
    expect(poolSizeFromEnv({})).to.equal(10);
    expect(() => poolSizeFromEnv({ INTERFLOW_DB_POOL: 'lots' })).to.throw(/INTERFLOW_DB_POOL/);
  });

  it('INTERFLOW_DB_PASSWORD_FILE: a password with / + # % @ : \' \\ survives (issue 14: a raw password in the URL broke it)', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'interflow-dbpw-')), 'market.db-password');
    const awkward = "p/a+s#s%w'o\\rd@:$x";
    writeFileSync(file, `${awkward}\nignored second line\n`);
    const env = { INTERFLOW_DB: 'mysql://interflow_market@mysql:3306/interflow_market', INTERFLOW_DB_PASSWORD_FILE: file };
    const config = parseDatabaseUrl(databaseUrlFromEnv(env));
    expect(config).to.include({ kind: 'mysql', user: 'interflow_market', password: awkward, host: 'mysql', port: 3306, database: 'interflow_market' });
    expect(redactDatabaseUrl(withDatabasePasswordFile(env.INTERFLOW_DB, env))).to.not.include('w%27o');
    expect(() => withDatabasePasswordFile('mysql://u:inline@h/d', env)).to.throw(DatabaseUrlError, /has a password and INTERFLOW_DB_PASSWORD_FILE is set/);
    expect(() => withDatabasePasswordFile('sqlite:./x.sqlite', env)).to.throw(DatabaseUrlError, /not a mysql:\/\/ URL/);
    expect(() => withDatabasePasswordFile('mysql://u@h/d', { INTERFLOW_DB_PASSWORD_FILE: `${file}.missing` })).to.throw(/cannot read .*ENOENT/);
    expect(withDatabasePasswordFile('mysql://u@h/d', {})).to.equal('mysql://u@h/d');
  });
});
