import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { main } from '../../src/cli/main';
import { WorkflowEngine } from '../../src/engine';
import { openStore, type TypeormStore } from '../../src/persistence';
import { HeldPackages, MessageLog, type TransferItem } from '../../src/transfer';
import { freshSqlitePath, resetMysqlDatabase, testDatabaseConfig } from '../support/test-store';
import { TypeormMessageLogRepository, TypeormHeldPackageRepository } from '../../src/persistence';

const LICENCE = readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8');
const DAY = 86_400_000;

interface Run { code: number; stdout: string; stderr: string }

/** The operators' commands of issue 9: held packages, data flows, refusals and the log's retention. */
describe('interflow CLI: packages, definitions data-flow, messages', () => {
  let db: string;
  const saved = { ...process.env };

  before(async () => {
    const config = testDatabaseConfig();
    if (config.kind === 'mysql') {
      await resetMysqlDatabase(config);
      db = process.env.INTERFLOW_TEST_DB!;
    } else {
      db = `sqlite:${freshSqlitePath()}`;
    }
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  async function cli(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await main(['node', 'interflow', '--db', db, '--department', 'tax', ...args], {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
    });
    return { code, stdout, stderr };
  }

  /** The department's database opened beside the CLI, as the running engine would have it. */
  async function withStore<T>(fn: (store: TypeormStore, engine: WorkflowEngine) => Promise<T>): Promise<T> {
    const store = await openStore(db);
    try {
      return await fn(store, new WorkflowEngine({ store, department: 'tax' }));
    } finally {
      await store.close();
    }
  }

  const handOver = (itemId: string, caseId: string, activityId: string): TransferItem => ({ kind: 'hand-over', itemId, caseId, home: 'market', processId: 'business_licence', version: 1, activityId, activityInstanceId: `${caseId}/a1`, data: {} });
  const result = (itemId: string, caseId: string): TransferItem => ({ kind: 'result', itemId, caseId, activityInstanceId: `${caseId}/a1`, outcome: 'completed', data: {} });

  describe('packages', () => {
    before(async () => {
      await withStore(async (store, engine) => {
        const held = new HeldPackages(new TypeormHeldPackageRepository(store), engine);
        await held.hold({ id: 'pkg-1', packageId: 'business_licence_package', sender: 'fire', source: LICENCE, at: new Date(Date.now() - 60_000) });
        await held.hold({ id: 'pkg-2', packageId: 'business_licence_package', sender: 'market', source: LICENCE, at: new Date() });
      });
    });

    it('lists held packages, as text and JSON, and filters by state', async () => {
      const list = await cli('packages', 'list');
      expect(list.code).to.equal(0, list.stderr);
      expect(list.stdout).to.match(/^ID\s+STATE\s+FROM\s+PACKAGE/);
      expect(list.stdout).to.match(/pkg-1\s+held\s+fire\s+business_licence_package\s+business_licence, fire_inspection, business_licence_express/);
      expect(list.stdout).to.match(/pkg-2\s+held\s+market/);
      const json = JSON.parse((await cli('--json', 'packages', 'list', '--state', 'held')).stdout) as Array<{ id: string; state: string }>;
      expect(json.map((p) => p.id)).to.deep.equal(['pkg-2', 'pkg-1']);
      expect((await cli('packages', 'list', '--state', 'rejected')).stdout).to.equal('no rejected packages\n');
      const bad = await cli('packages', 'list', '--state', 'maybe');
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.match(/--state must be held, installed or rejected/);
    });

    it("shows a package's sender, processes, and the activities it would add to this department with their fields", async () => {
      const shown = await cli('packages', 'show', 'pkg-1');
      expect(shown.code).to.equal(0, shown.stderr);
      expect(shown.stdout).to.match(/from\s+fire/).and.match(/package\s+business_licence_package/).and.match(/business_licence \(new here\)/);
      expect(shown.stdout).to.match(/department tax would perform/);
      expect(shown.stdout).to.match(/business_licence\s+register_taxpayer \(Register taxpayer\)\s+added\s+applicantId\s+taxpayerId/);
      expect(shown.stdout).to.not.match(/inspect_premises/, 'only this department\'s activities');
      const json = JSON.parse((await cli('--json', 'packages', 'show', 'pkg-1')).stdout) as { sender: string; source?: string; activities: Array<{ activityId: string; added: boolean; reads: string[] }> };
      expect(json.sender).to.equal('fire');
      expect(json.source).to.equal(undefined, 'the XPDL itself is not printed');
      expect(json.activities.find((a) => a.activityId === 'register_taxpayer')).to.include({ added: true });
      const missing = await cli('packages', 'show', 'nope');
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.equal('error: Held package "nope" does not exist: list them with `interflow packages list`\n');
    });

    it('approves a package (installing it as published by its sender) and rejects another with a reason; neither twice', async () => {
      const approved = await cli('packages', 'approve', 'pkg-1', '--actor', 'ops-admin');
      expect(approved.code).to.equal(0, approved.stderr);
      expect(approved.stdout).to.match(/^approved pkg-1\n/).and.match(/deployed\s+business_licence\s+version 1/);
      expect((await cli('definitions')).stdout).to.match(/business_licence\s+1/);
      const rejected = await cli('packages', 'reject', 'pkg-2', '--reason', 'market does not define the licence', '--actor', 'ops-admin');
      expect(rejected.code).to.equal(0, rejected.stderr);
      expect(rejected.stdout).to.equal('rejected pkg-2 (market does not define the licence)\n');
      const list = await cli('packages', 'list');
      expect(list.stdout).to.match(/pkg-1\s+installed\s+fire.*installed by ops-admin at /).and.match(/pkg-2\s+rejected\s+market.*rejected by ops-admin/);
      const again = await cli('packages', 'approve', 'pkg-2');
      expect(again.code).to.equal(1);
      expect(again.stderr).to.match(/^error: Held package "pkg-2" was already rejected/);
      expect((await cli('packages', 'reject', 'pkg-1')).stderr).to.match(/was already installed/);
      // Installed now: the same package shows its activities as performed already.
      expect((await cli('packages', 'show', 'pkg-2')).stdout).to.match(/register_taxpayer \(Register taxpayer\)\s+performed already/);
    });
  });

  describe('definitions data-flow', () => {
    it('prints, per department, the activities it performs and the fields it receives and returns', async () => {
      await cli('deploy', resolve(__dirname, '../../examples/business-licence.xpdl'));
      const flow = await cli('definitions', 'data-flow', 'business_licence');
      expect(flow.code).to.equal(0, flow.stderr);
      expect(flow.stdout).to.match(/^business_licence version 1\n/);
      expect(flow.stdout).to.match(/department tax\n\s+receives\s+applicantId\n\s+returns\s+taxpayerId\n/);
      expect(flow.stdout).to.match(/department fire\n\s+receives\s+address, premisesSafe\n\s+returns\s+premisesSafe\n/);
      expect(flow.stdout).to.match(/register_taxpayer \(Register taxpayer\)\s+applicantId\s+taxpayerId/);
      const json = JSON.parse((await cli('--json', 'definitions', 'data-flow', 'business_licence', '--version', '1')).stdout) as { version: number; departments: Array<{ department: string; receives: string[]; returns: string[]; activities: unknown[] }> };
      expect(json.version).to.equal(1);
      expect(json.departments.map((d) => d.department)).to.deep.equal(['fire', 'market', 'tax']);
      expect(json.departments.find((d) => d.department === 'tax')).to.deep.include({ receives: ['applicantId'], returns: ['taxpayerId'] });
      expect((await cli('definitions')).stdout, 'the plain listing still works').to.match(/PROCESS\s+VERSION/);
      const missing = await cli('definitions', 'data-flow', 'nothing_here');
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.match(/^error: Process definition "nothing_here" does not exist/);
    });
  });

  describe('messages', () => {
    before(async () => {
      await withStore(async (store) => {
        const log = new MessageLog(new TypeormMessageLogRepository(store));
        const now = Date.now();
        // Two messages from long ago, one last week; items of each.
        await log.record({ messageId: 'old-1', direction: 'in', sender: 'market', receiver: 'tax', at: new Date(now - 400 * DAY), outcome: 'delivered', envelope: '<e/>', items: [{ item: handOver('i-old-1', 'case-old', 'register_taxpayer'), outcome: 'accepted' }] });
        await log.record({ messageId: 'old-2', direction: 'out', sender: 'tax', receiver: 'market', at: new Date(now - 100 * DAY), outcome: 'delivered', envelope: '<e/>', items: [{ item: result('i-old-2', 'case-old'), outcome: 'accepted' }, { item: result('i-old-3', 'case-old'), outcome: 'duplicate' }] });
        // Refusals: a forged message (signature), items the engine refused (not authorised, invalid).
        await log.record({ messageId: 'refused-1', direction: 'refused', sender: 'intruder', receiver: 'tax', at: new Date(now - 2 * DAY), outcome: 'refused', reason: 'unknown-sender: no certificate of department intruder', envelope: '<e/>', items: [{ item: handOver('i-forged', 'case-1', 'register_taxpayer'), outcome: 'refused-signature', reason: 'unknown-sender: no certificate of department intruder' }] });
        await log.record({ messageId: 'm-1', direction: 'in', sender: 'fire', receiver: 'tax', at: new Date(now - 3600_000), outcome: 'delivered', envelope: '<e/>', items: [
          { item: handOver('i-1', 'case-1', 'register_taxpayer'), outcome: 'not-authorised', reason: 'department fire is no possible home of this case' },
          { item: handOver('i-2', 'case-1', 'no_such_activity'), outcome: 'refused', reason: 'no activity no_such_activity' },
          { item: handOver('i-3', 'case-1', 'register_taxpayer'), outcome: 'accepted' },
        ] });
      });
    });

    it('lists refusals, newest first, by cause, with who tried what', async () => {
      const all = await cli('messages', 'refused');
      expect(all.code).to.equal(0, all.stderr);
      const lines = all.stdout.trim().split('\n');
      expect(lines[0]).to.match(/^TIME\s+REFUSED\s+FROM\s+TO\s+WHAT\s+REASON/);
      expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).to.have.members(['not authorised', 'invalid', 'signature']);
      expect(all.stdout).to.match(/not authorised\s+fire\s+tax\s+hand-over register_taxpayer of case-1\s+department fire is no possible home/);
      expect(all.stdout).to.match(/signature\s+intruder\s+tax\s+hand-over register_taxpayer of case-1\s+unknown-sender:/);
      expect(all.stdout).to.not.include('i-3').and.not.match(/accepted/);
      expect(lines[lines.length - 1]).to.match(/signature/, 'the oldest refusal last');
      const recent = JSON.parse((await cli('--json', 'messages', 'refused', '--since', '1d')).stdout) as Array<{ cause: string; sender: string }>;
      expect(recent.map((r) => r.cause).sort()).to.deep.equal(['invalid', 'not-authorised']);
      const none = await cli('messages', 'refused', '--since', new Date(Date.now() + DAY).toISOString());
      expect(none.stdout).to.match(/^no refusals logged since /);
    });

    it("traces a case with each item's outcome in words", async () => {
      const trace = await cli('trace', 'case-1');
      expect(trace.code).to.equal(0, trace.stderr);
      expect(trace.stdout).to.match(/refused\s+intruder\s+tax\s+hand-over\s+register_taxpayer\s+refused \(signature\): unknown-sender/);
      expect(trace.stdout).to.match(/in\s+fire\s+tax\s+hand-over\s+register_taxpayer\s+refused \(not authorised\): department fire/);
      expect(trace.stdout).to.match(/no_such_activity\s+refused \(invalid\): no activity/);
      expect(trace.stdout).to.match(/register_taxpayer\s+accepted\n/);
      const old = await cli('trace', 'case-old');
      expect(old.stdout).to.match(/result\s+accepted/).and.match(/result\s+duplicate/);
    });

    it('purges by --older-than or the retention, in batches, with a dry run first; the items go with their messages', async () => {
      const count = () => withStore(async (store) => {
        const [m] = (await store.dataSource.query('SELECT COUNT(*) AS n FROM if_message')) as Array<{ n: number | string }>;
        const [i] = (await store.dataSource.query('SELECT COUNT(*) AS n FROM if_message_item')) as Array<{ n: number | string }>;
        return [Number(m.n), Number(i.n)];
      });
      expect(await count()).to.deep.equal([4, 7]);
      const dry = await cli('messages', 'purge', '--older-than', '30', '--dry-run');
      expect(dry.code).to.equal(0, dry.stderr);
      expect(dry.stdout).to.match(/^would remove 2 messages \(3 items\) logged before \S+ \(older than 30 days\)\n$/);
      expect(await count()).to.deep.equal([4, 7], 'a dry run removes nothing');
      // The default retention (365 days) takes only the oldest.
      const byDefault = await cli('messages', 'purge');
      expect(byDefault.stdout).to.match(/^removed 1 message \(1 item\) logged before \S+ \(older than 365 days\)/);
      expect(await count()).to.deep.equal([3, 6]);
      process.env.INTERFLOW_MESSAGE_LOG_RETENTION_DAYS = 'forever';
      const forever = await cli('messages', 'purge');
      expect(forever.code).to.equal(1);
      expect(forever.stderr).to.match(/^error: INTERFLOW_MESSAGE_LOG_RETENTION_DAYS is forever, so nothing is due for purging; give --older-than DAYS/);
      process.env.INTERFLOW_MESSAGE_LOG_RETENTION_DAYS = '0';
      const zero = await cli('messages', 'purge');
      expect(zero.code).to.equal(1);
      expect(zero.stderr).to.match(/INTERFLOW_MESSAGE_LOG_RETENTION_DAYS is 0: write a number of days from 1, or forever/);
      const json = JSON.parse((await cli('--json', 'messages', 'purge', '--older-than', '1')).stdout) as { messages: number; items: number; dryRun: boolean };
      expect(json).to.include({ messages: 2, items: 3, dryRun: false });
      expect(await count()).to.deep.equal([1, 3]);
      expect((await cli('trace', 'case-1')).stdout, 'what is left still traces').to.match(/refused \(not authorised\)/).and.not.match(/refused \(signature\)/);
      const bad = await cli('messages', 'purge', '--older-than', 'a week');
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.match(/--older-than must be a whole number of days from 1; got "a week"/);
    });

    it('deletes in batches: a purge bigger than one batch removes everything due, and nothing newer', async () => {
      await withStore(async (store) => {
        const log = new MessageLog(new TypeormMessageLogRepository(store));
        for (let i = 0; i < 7; i++) await log.record({ messageId: `bulk-${i}`, direction: 'in', sender: 'market', receiver: 'tax', at: new Date(Date.now() - (50 + i) * DAY), outcome: 'delivered', envelope: '<e/>', items: [{ item: handOver(`b-${i}`, 'case-bulk', 'register_taxpayer'), outcome: 'accepted' }] });
        const report = await log.purge(new Date(Date.now() - 40 * DAY), { batchSize: 3 });
        expect(report).to.include({ messages: 7, items: 7 });
        expect(await log.trace('case-bulk')).to.have.length(0);
        expect(await log.trace('case-1'), 'the newer message stays').to.have.length(3);
      });
    });
  });
});
