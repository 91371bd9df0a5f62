import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Settings } from '../../src/app';

// Configuration is read in one place (docs/architecture.md, "Configuration"): src/app gives the
// process environment to the modules' `...FromEnv(env)` parsers and passes typed values down.
// These checks read the source, so a module that starts reading process.env again fails here.

const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/**
 * The one exception: the federation supervisor hands its children the parent's environment with
 * every INTERFLOW_* variable removed (PATH, HOME, ...); it reads no setting.
 */
const PROCESS_ENV_ALLOWED = new Set(['src/federation/supervisor.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The code without comments, so a comment naming a variable is not taken for a read. */
function code(path: string): string {
  return readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The code without its string literals (help texts and messages name the variables). */
function withoutStrings(text: string): string {
  return text.replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
}

const files = sourceFiles(SRC).map((path) => ({ path, name: relative(ROOT, path).split('\\').join('/') }));
const outsideApp = files.filter((f) => !f.name.startsWith('src/app/'));

describe('configuration is read in src/app only', () => {
  it('finds the source (the checks below are not vacuous)', () => {
    expect(outsideApp.length).to.be.greaterThan(100);
    expect(files.some((f) => f.name === 'src/app/settings.ts')).to.equal(true);
  });

  it('no module outside src/app touches process.env', () => {
    const offenders = outsideApp.filter((f) => !PROCESS_ENV_ALLOWED.has(f.name) && /\bprocess\.env\b/.test(code(f.path))).map((f) => f.name);
    expect(offenders).to.deep.equal([]);
  });

  it('no parser outside src/app falls back to the process environment (env = process.env)', () => {
    const offenders = outsideApp.filter((f) => /ProcessEnv\s*=|\?\?\s*process\.env/.test(code(f.path))).map((f) => f.name);
    expect(offenders).to.deep.equal([]);
  });

  it('outside src/app an INTERFLOW_* variable is read only from an environment a parser was given', () => {
    const offenders: string[] = [];
    for (const f of outsideApp) {
      const text = code(f.path);
      // `something.INTERFLOW_X` or `something['INTERFLOW_X']` where something is not a parameter named env.
      for (const m of text.matchAll(/([\w$.]*?)(\??\.INTERFLOW_[A-Z0-9_]+|\[['"]INTERFLOW_[A-Z0-9_]+['"]\])/g)) {
        const owner = m[1]!.split('.').pop();
        if (owner !== 'env') offenders.push(`${f.name}: ${m[0]}`);
      }
      if (/\benv(\??\.|\[['"])INTERFLOW_/.test(text) && !/\benv\??:\s*NodeJS\.ProcessEnv/.test(text)) offenders.push(`${f.name}: reads env without taking one as a parameter`);
    }
    expect(offenders).to.deep.equal([]);
  });

  it('only src/app and other parsers call the ...FromEnv parsers', () => {
    const offenders = outsideApp
      .filter((f) => /\b\w+FromEnv\(/.test(code(f.path).replace(/export function \w+FromEnv\(/g, '')))
      .filter((f) => !/\benv\??:\s*NodeJS\.ProcessEnv/.test(code(f.path)))
      .map((f) => f.name);
    expect(offenders).to.deep.equal([]);
  });

  it('the CLI reads no environment itself: it asks src/app', () => {
    const cli = files.filter((f) => f.name.startsWith('src/cli/'));
    expect(cli.length).to.be.greaterThan(3);
    const offenders = cli.filter((f) => /FromEnv\(|(?<!\.)(loadSecurityConfig|loadConfig|departmentFederation)\(|\benv\b/.test(withoutStrings(code(f.path)))).map((f) => f.name);
    expect(offenders).to.deep.equal([]);
  });
});

describe('Settings', () => {
  it('parses a setting on first use, so a bad one fails only what uses it', () => {
    const settings = new Settings({ INTERFLOW_TLS_CERT: '/nonexistent.pem', INTERFLOW_HOST: '0.0.0.0', INTERFLOW_PORT: '9090' });
    expect(settings.host).to.equal('0.0.0.0');
    expect(settings.port).to.equal('9090');
    expect(() => settings.tls).to.throw(/set both INTERFLOW_TLS_CERT and INTERFLOW_TLS_KEY/);
  });

  it('keeps the documented defaults and replaces variables with with()', () => {
    const settings = new Settings({});
    expect(settings.host).to.equal('127.0.0.1');
    expect(settings.registryUrl).to.equal(undefined);
    expect(settings.trustProxy).to.equal(false);
    expect(settings.with({ INTERFLOW_REGISTRY_URL: 'http://hub.example:8080' }).registryUrl).to.equal('http://hub.example:8080');
    expect(settings.config().logLevel).to.equal('info');
  });

  it('hands federation members the tuning settings only, never where a member listens, its database or its secrets', () => {
    const settings = new Settings({
      INTERFLOW_SIGNING_THREADS: '1', INTERFLOW_OUTBOX_LANE_CONCURRENCY: '3', INTERFLOW_SCRIPT_TIMEOUT_MS: '500', INTERFLOW_ROUTING: 'relay',
      INTERFLOW_DB: 'sqlite:/tmp/x.sqlite', INTERFLOW_PORT: '9999', INTERFLOW_DEPARTMENT: 'market', INTERFLOW_USERS_FILE: '/etc/users.json', INTERFLOW_SIGNING_KEY: '/k.pem',
      INTERFLOW_OUTBOX_POLL_MS: '', PATH: '/usr/bin',
    });
    expect(settings.memberTuning).to.deep.equal({ INTERFLOW_SIGNING_THREADS: '1', INTERFLOW_OUTBOX_LANE_CONCURRENCY: '3', INTERFLOW_SCRIPT_TIMEOUT_MS: '500', INTERFLOW_ROUTING: 'relay' });
  });

  it('refuses a bad value with the variable named', () => {
    expect(() => new Settings({ INTERFLOW_MAX_BODY: 'lots' }).maxBodyBytes).to.throw(/INTERFLOW_MAX_BODY must be a size/);
    expect(() => new Settings({ INTERFLOW_UDDI_DOMAIN: 'not a domain' }).registryNode).to.throw(/INTERFLOW_UDDI_DOMAIN/);
  });
});
