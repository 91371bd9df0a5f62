import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { InterflowConfig } from '../app';
import { ensurePublishers, writeCredentials, writeDatabasePasswords, LICENCE_DEPARTMENTS, runFederation } from '../federation';
import type { Output } from './format';

/**
 * `interflow federation …`: the three-department demo federation as separate processes (up), and
 * the two setup steps a deployment of it needs (credentials, publishers). The work is in
 * src/federation; this file only reads flags.
 */

export interface FederationCommandContext {
  out: Output;
  /** The tuning settings of this environment that every member gets (Settings.memberTuning). */
  memberTuning(): Record<string, string>;
  configOf(cmd: Command): InterflowConfig;
  parsePort(value: string): number;
}

export function addFederationCommands(program: Command, ctx: FederationCommandContext): void {
  const { out } = ctx;
  const federation = program
    .command('federation')
    .description('the business-licence federation: a registry hub and three department engines (market, tax, fire) as separate processes');

  federation
    .command('up')
    .description('start a registry hub and the market, tax and fire department engines on loopback (one SQLite database each under --data), register them, deploy and publish examples/business-licence.xpdl, print every endpoint and the demo users; runs until Ctrl-C/SIGTERM, restarting nothing by itself. Tuning settings in its environment (INTERFLOW_SIGNING_THREADS, INTERFLOW_ROUTING, the outbox and script sandbox settings, …; see the README) go to every member')
    .option('--base-port <n>', 'the hub listens on N, the departments on N+1..N+3', ctx.parsePort, 8080)
    .option('--data <dir>', 'data directory: databases, keys, secrets, logs (kept between runs)', './data/federation')
    .option('--fresh', 'delete the data directory first')
    .option('--once', 'start everything, run one licence case end to end through the ProcessService endpoints of market and fire, print its trace, stop (CI)')
    .action(async (opts: { basePort: number; data: string; fresh?: boolean; once?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as { logLevel?: string };
      const ok = await runFederation(out, { basePort: opts.basePort, dataDir: resolve(opts.data), fresh: Boolean(opts.fresh), once: Boolean(opts.once), logLevel: g.logLevel, memberEnv: ctx.memberTuning() });
      if (!ok) throw new Error('the federation did not complete its run; see the messages above and the logs they name');
    });

  federation
    .command('credentials')
    .description('generate the secrets of the three departments into a directory (mode 0600): DEPT.registry-password (registry publisher password), DEPT.users.json (INTERFLOW_USERS_FILE with an admin and a clerk per department), and the MySQL passwords docker-compose.yml uses (mysql-root.password; registry.db-password and DEPT.db-password, one database user per process); docker-compose.yml mounts them as secrets')
    .requiredOption('--dir <dir>', 'where to write them')
    .option('--insecure-basic', 'let callers use HTTP Basic over plain HTTP (loopback testing only)')
    .action((opts: { dir: string; insecureBasic?: boolean }) => {
      const written = writeCredentials(resolve(opts.dir), LICENCE_DEPARTMENTS, { allowInsecureBasic: Boolean(opts.insecureBasic) });
      for (const c of written) {
        out.stdout(`${c.code}: ${c.registryPasswordFile}\n${' '.repeat(c.code.length + 2)}${c.usersFile}  (users ${c.users.map((u) => u.username).join(', ')})\n`);
      }
      const databases = writeDatabasePasswords(resolve(opts.dir), ['registry', ...LICENCE_DEPARTMENTS.map((d) => d.code)]);
      out.stdout(`database passwords: ${databases.join(', ')}\n`);
    });

  federation
    .command('publishers')
    .description("create the registry's publisher accounts of the departments, or reset their passwords and departments, from password files (idempotent: run it before every `registry serve` of a deployment). Each publisher is named after the department code it acts for, and may publish only in that department's partition")
    .argument('<code=file...>', 'department code (also the publisher name) and the file whose first line is its password')
    .action(async (pairs: string[], _opts: unknown, cmd: Command) => {
      const publishers = pairs.map((pair) => {
        const eq = pair.indexOf('=');
        if (eq <= 0 || eq === pair.length - 1) throw new Error(`"${pair}": give each publisher as DEPARTMENT_CODE=PASSWORD_FILE`);
        const code = pair.slice(0, eq);
        return { name: code, department: code, password: readFileSync(pair.slice(eq + 1), 'utf8').split(/\r?\n/)[0] };
      });
      for (const r of await ensurePublishers(ctx.configOf(cmd).databaseUrl, publishers)) out.stdout(`publisher ${r.name} ${r.created ? 'created' : 'password reset'} for department ${r.department}\n`);
    });
}
