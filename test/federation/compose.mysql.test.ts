import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
// js-yaml comes with mocha; only `load` is used, which every major version has.
import { load } from 'js-yaml';
import { departmentEnv, freePort, healthy, hubEnv, LICENCE_PROCESSES, ProcessServiceClient, registeredAt, runChild, startChild, waitFor, type SupervisedProcess } from '../../src/federation';
import { tempDir } from './support';

/**
 * docker-compose.yml cannot rot: this reads it and runs what it describes — the same commands,
 * the same environment variables, the mysql service's init script creating one database and one
 * user per process — as processes on this machine, against the local MariaDB instead of the mysql
 * service, with loopback ports for the service names, a temporary directory for secrets and
 * volumes, and database and user names of this run's own (scripts/test-mysql.js drops them).
 * Then one licence case runs end to end. MariaDB only: `npm run test:mysql`.
 */

const ROOT = resolve(__dirname, '../..');
/** The server and database of this MariaDB run (scripts/test-mysql.js names it per run); the compose databases are named after it. */
const RUN_DB = new URL(process.env.INTERFLOW_TEST_DB!);
const RUN = RUN_DB.pathname.slice(1);
const CONTAINER_PORT = '8080';

interface ComposeService {
  build?: string;
  image?: string;
  restart?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  configs?: Array<{ source: string; target: string }>;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
  configs: Record<string, { file: string }>;
}

/** Compose's variable interpolation for the forms the file uses: $$, ${VAR}, ${VAR:?message}, ${VAR:-default}. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const v = vars[name!];
    if (v !== undefined) return v;
    if (op === '-') return arg ?? '';
    throw new Error(`docker-compose.yml needs ${name}${op === '?' ? `: ${arg}` : ''}`);
  });
}

describe('docker-compose.yml, run as processes against MariaDB', function () {
  this.timeout(180_000);
  const compose = load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
  let project = '';
  const vars: Record<string, string> = {};
  /** What no database password may break: it goes into a file, never into a URL. */
  const AWKWARD_PASSWORD = "p/a+s#s%w'o\\rd@:$x";
  const ports = new Map<string, number>();
  const running: Array<{ name: string; process: SupervisedProcess }> = [];
  let env: Record<string, Record<string, string>> = {};

  const interflowServices = () => Object.entries(compose.services).filter(([name]) => name !== 'mysql');
  const isOneShot = (s: ComposeService) => s.restart === 'no';

  /** A compose value as the process on this machine needs it. */
  function translate(value: string, dataDir: string): string {
    let v = interpolate(value, vars)
      .replace(/^mysql:\/\/interflow_(\w+)@mysql:3306\/interflow_(\w+)$/, `mysql://${RUN}_$1@${RUN_DB.host}/${RUN}_$2`)
      .replace(/\/run\/secrets\/([a-z_]+)/g, (_, name: string) => {
        const secret = compose.secrets[name];
        if (!secret) throw new Error(`secret ${name} is used but not declared`);
        return resolve(project, secret.file);
      })
      .replace(/^\/var\/lib\/interflow$/, dataDir);
    for (const [service, port] of ports) v = v.replace(new RegExp(`^http://${service}:${CONTAINER_PORT}`), `http://127.0.0.1:${port}`);
    return v;
  }

  before(async function () {
    this.timeout(120_000);
    project = tempDir('interflow-compose-');
    // The documented first step: the secrets the services mount.
    await runChild({ name: 'credentials', args: ['federation', 'credentials', '--dir', join(project, 'data', 'secrets')], env: {}, logFile: join(project, 'logs', 'credentials.log') });
    for (const [name, s] of interflowServices()) if (!isOneShot(s)) ports.set(name, await freePort());
    env = Object.fromEntries(
      interflowServices().map(([name, s]) => {
        const dataDir = join(project, `${name}-data`);
        const e = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, translate(String(v), dataDir)]));
        if (ports.has(name)) e.INTERFLOW_PORT = String(ports.get(name));
        return [name, e];
      }),
    );
    // Each process connects as its own user, to its own database, with its password in a file.
    for (const [name, e] of Object.entries(env)) {
      if (!e.INTERFLOW_DB) continue;
      const url = new URL(e.INTERFLOW_DB);
      expect(url.password, `${name}'s INTERFLOW_DB has no password in it`).to.equal('');
      expect(url.username, `${name}'s database user`).to.equal(url.pathname.slice(1)).and.not.equal('root');
      expect(e.INTERFLOW_DB_PASSWORD_FILE, `${name}'s INTERFLOW_DB_PASSWORD_FILE`).to.match(/_db_password$|\.db-password$/);
    }
    // The databases the services use are the ones the mysql service's init script creates, one user each.
    const init = compose.services.mysql.configs?.find((c) => c.target.startsWith('/docker-entrypoint-initdb.d/'));
    expect(init, "the mysql service's init script").to.not.equal(undefined);
    const script = resolve(ROOT, compose.configs[init!.source].file);
    const names = /^INTERFLOW_DATABASES="([a-z ]+)"$/m.exec(readFileSync(script, 'utf8'))![1].split(' ');
    const used = [...new Set(Object.values(env).map((e) => e.INTERFLOW_DB).filter(Boolean).map((url) => new URL(url).pathname.slice(1)))].sort();
    expect(used).to.deep.equal(names.map((n) => `${RUN}_${n}`).sort());
    expect(compose.services.mysql.secrets).to.include.members(names.map((n) => `${n}_db_password`));
    // A password with every character that used to break a URL.
    writeFileSync(resolve(project, compose.secrets.market_db_password.file), `${AWKWARD_PASSWORD}\n`);
    // The secrets as the mysql container sees them (/run/secrets/NAME), and the script run as its entrypoint would.
    const secrets = join(project, 'run-secrets');
    mkdirSync(secrets);
    for (const n of names) symlinkSync(resolve(project, compose.secrets[`${n}_db_password`].file), join(secrets, `${n}_db_password`));
    const server = RUN_DB;
    const run = spawnSync('bash', [script], {
      encoding: 'utf8',
      env: { ...process.env, INTERFLOW_DB_PREFIX: `${RUN}_`, INTERFLOW_DB_SECRETS: secrets, MYSQL_CLIENT: `mysql -h ${server.hostname} -P ${server.port || '3306'} -u ${decodeURIComponent(server.username) || 'root'}`, ...(server.password ? { MYSQL_PWD: decodeURIComponent(server.password) } : {}) },
    });
    if (run.error || run.status !== 0) throw new Error(`${compose.configs[init!.source].file} against MariaDB at ${server.host}: ${run.error?.message ?? run.stderr}`);

    // Start in dependency order: one-shot services run to completion, the others until healthy.
    const done = new Set(['mysql']);
    const pending = new Map(interflowServices());
    while (pending.size) {
      const ready = [...pending].filter(([, s]) => Object.keys(s.depends_on ?? {}).every((d) => done.has(d)));
      expect(ready.length, `services whose dependencies can be met: ${[...pending.keys()].join(', ')}`).to.be.above(0);
      await Promise.all(
        ready.map(async ([name, s]) => {
          pending.delete(name);
          const [node, script, ...rest] = s.command ?? [];
          expect([node, script], `${name}'s command`).to.deep.equal(['node', 'bin/interflow.js']);
          const args = rest.map((a) => (a === '0.0.0.0' ? '127.0.0.1' : translate(a, join(project, `${name}-data`))));
          const spec = { name, args, env: env[name], logFile: join(project, 'logs', `${name}.log`) };
          if (isOneShot(s)) {
            await runChild(spec);
          } else {
            const p = startChild(spec);
            running.push({ name, process: p });
            await waitFor(`${name} to be healthy`, () => healthy(`http://127.0.0.1:${ports.get(name)}`), { timeoutMs: 60_000, watch: [p] });
          }
          done.add(name);
        }),
      );
    }
  });

  after(async () => {
    // Departments first: they end their leases at the hub.
    for (const { process } of [...running].reverse()) await process.stop();
  });

  function usersOf(code: string): Array<{ username: string; password: string; admin?: boolean }> {
    const file = resolve(project, compose.secrets[`${code}_users`].file);
    return (JSON.parse(readFileSync(file, 'utf8')) as { users: Array<{ username: string; password: string; admin?: boolean }> }).users;
  }

  function client(code: string, username: string): ProcessServiceClient {
    const u = usersOf(code).find((x) => x.username === username)!;
    return new ProcessServiceClient(`http://127.0.0.1:${ports.get(code)}`, u.username, u.password);
  }

  it('gives each department every variable `federation up` gives it, and the hub its own', () => {
    const placement = { port: 1, url: 'x', databaseUrl: 'x', dataDir: 'x' };
    const launcherDept = Object.keys(departmentEnv({ host: 'x', federationDomain: 'x', uddiDomain: 'x', logLevel: 'x' }, placement, { ...placement, spec: { code: 'x', name: 'x', users: [] }, registryPasswordFile: 'x', usersFile: 'x' }));
    const launcherHub = Object.keys(hubEnv({ host: 'x', federationDomain: 'x', uddiDomain: 'x', logLevel: 'x' }, placement));
    // Listening on all interfaces and logging at the default level are the container's choices.
    const notInCompose = new Set(['INTERFLOW_HOST', 'INTERFLOW_LOG_LEVEL']);
    for (const code of ['market', 'tax', 'fire']) {
      expect(Object.keys(compose.services[code].environment!), code).to.include.members(launcherDept.filter((k) => !notInCompose.has(k)));
      expect(compose.services[code].environment!.INTERFLOW_DEPARTMENT).to.equal(code);
    }
    expect(Object.keys(compose.services.registry.environment!)).to.include.members(launcherHub.filter((k) => !notInCompose.has(k)));
    // Each department's engines log in as a publisher the hub administrator assigned that department:
    // `federation publishers CODE=FILE` gives publisher CODE department CODE.
    const publishers = compose.services['registry-publishers'].command!.slice(4);
    expect(compose.services['registry-publishers'].command!.slice(2, 4)).to.deep.equal(['federation', 'publishers']);
    expect(publishers).to.deep.equal(['market', 'tax', 'fire'].map((code) => `${code}=/run/secrets/${code}_registry_password`));
    for (const code of ['market', 'tax', 'fire']) {
      expect(compose.services[code].environment!.INTERFLOW_REGISTRY_USER, `${code}'s publisher`).to.equal(code);
      expect(compose.services[code].environment!.INTERFLOW_REGISTRY_PASSWORD_FILE).to.equal(`/run/secrets/${code}_registry_password`);
    }
    expect(compose.services.mysql.image).to.match(/^mysql:8/);
  });

  it('registers the three departments and installs the licence everywhere', async () => {
    const registry = `http://127.0.0.1:${ports.get('registry')}`;
    for (const code of ['market', 'tax', 'fire']) {
      const e = env[code];
      expect(e.INTERFLOW_REGISTRY_URL).to.equal(registry);
      await waitFor(`${code} to register at ${e.INTERFLOW_PUBLIC_URL}`, () => registeredAt(registry, e.INTERFLOW_FEDERATION_DOMAIN, code, e.INTERFLOW_PUBLIC_URL), { timeoutMs: 30_000 });
    }
    for (const code of ['market', 'tax', 'fire']) {
      const admin = client(code, `${code}-admin`);
      await waitFor(`${code} to install the licence`, async () => {
        const have = new Set((await admin.listProcessDefinitions()).map((d) => d.processDefinitionId));
        return LICENCE_PROCESSES.every((p) => have.has(p));
      }, { timeoutMs: 30_000, watch: running.map((r) => r.process) });
    }
  });

  it('runs an express licence case from market through tax and fire to its end', async () => {
    const clerk = client('market', 'market-clerk');
    const started = await clerk.startProcess('business_licence_express', { applicantId: 'COMPOSE-1', businessName: 'Harbour Café', address: '7 Quay Road' });
    const admin = client('market', 'market-admin');
    const done = await waitFor('the case to close at market', async () => {
      const inst = await admin.getProcessInstance(started.id);
      return inst.state.startsWith('closed.') ? inst : undefined;
    }, { timeoutMs: 30_000, watch: running.map((r) => r.process) });
    expect(done.state).to.equal('closed.completed');
    expect(done.data).to.include({ taxpayerId: 'TX-COMPOSE-1', licenceNo: 'LIC-COMPOSE-1', premisesSafe: 'true' });
    expect(done.history.filter((h) => h.type === 'activity.transferred').map((h) => h.activityId).sort()).to.deep.equal(['x_fire_check', 'x_register_taxpayer']);
  });
});
