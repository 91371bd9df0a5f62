import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { openStore } from '../../src/persistence';
import { MessageLog, messageLogRetentionFromEnv, startMessageLogPurge, type TransferItem } from '../../src/transfer';
import { LogCapture } from '../services/support';
import { createTypeormTestStore, testDatabaseConfig } from '../support/test-store';
import { TypeormMessageLogRepository } from '../../src/persistence';

const ROOT = resolve(__dirname, '../..');
const DAY = 86_400_000;

const item = (itemId: string): TransferItem => ({ kind: 'result', itemId, caseId: 'case-r', activityInstanceId: 'case-r/a1', outcome: 'completed', data: {} });

async function seed(log: MessageLog, ages: number[]): Promise<void> {
  for (const [i, days] of ages.entries()) {
    await log.record({ messageId: `m-${i}`, direction: 'in', sender: 'market', receiver: 'tax', at: new Date(Date.now() - days * DAY), outcome: 'delivered', envelope: '<e/>', items: [{ item: item(`i-${i}`), outcome: 'accepted' }] });
  }
}

describe('message log retention', () => {
  it('reads INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: 365 days by default, a number of days, or forever; 0 and nonsense refused', () => {
    expect(messageLogRetentionFromEnv({})).to.deep.equal({ days: 365 });
    expect(messageLogRetentionFromEnv({ INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: ' 90 ' })).to.deep.equal({ days: 90 });
    expect(messageLogRetentionFromEnv({ INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: 'Forever' })).to.equal('forever');
    expect(() => messageLogRetentionFromEnv({ INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: '0' })).to.throw('INTERFLOW_MESSAGE_LOG_RETENTION_DAYS is 0: write a number of days from 1, or forever to keep every message');
    expect(() => messageLogRetentionFromEnv({ INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: '1.5' })).to.throw('INTERFLOW_MESSAGE_LOG_RETENTION_DAYS must be a whole number of days from 1 or forever; got "1.5"');
    expect(() => messageLogRetentionFromEnv({ INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: '-3' })).to.throw(/got "-3"/);
  });

  it('purges what is older than the retention when it starts, logging how many, and keeps everything with forever', async () => {
    const store = await createTypeormTestStore();
    try {
      const log = new MessageLog(new TypeormMessageLogRepository(store));
      await seed(log, [400, 200, 5]);
      const keep = new LogCapture();
      const forever = startMessageLogPurge({ messageLog: log, retention: 'forever', log: keep.logger });
      expect(await forever.firstRun).to.equal(undefined);
      await forever.stop();
      expect(await log.trace('case-r')).to.have.length(3);

      const logs = new LogCapture();
      const purger = startMessageLogPurge({ messageLog: log, retention: { days: 100 }, log: logs.logger, intervalMs: 60_000 });
      const report = await purger.firstRun;
      await purger.stop();
      expect(report).to.include({ messages: 2, items: 2 });
      expect((await log.trace('case-r')).map((t) => t.messageId)).to.deep.equal(['m-2']);
      const line = logs.lines.find((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('message log purge'));
      expect(line, JSON.stringify(logs.lines)).to.include({ purged: 2, items: 2, retentionDays: 100 });
      expect(line!.msg).to.match(/^message log purge: removed 2 message\(s\) logged before \S+ \(retention 100 days\)$/);
    } finally {
      await store.close();
    }
  });

  describe('in the servers', function () {
    this.timeout(90_000);
    const children: ChildProcess[] = [];
    after(() => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    });

    /** Starts the CLI as an administrator would (through tsx) and waits for a log line. */
    async function runUntil(args: string[], env: Record<string, string>, line: RegExp): Promise<{ stdout: string; stderr: string; code: number | null }> {
      const script = `require('./src/cli/main.ts').main(['node', 'interflow', ...process.argv.slice(1)]).then((c) => { process.exitCode = c; })`;
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script, '--', ...args], { cwd: ROOT, env: { ...process.env, INTERFLOW_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const until = Date.now() + 60_000;
      while (!line.test(stderr)) {
        if (child.exitCode !== null || Date.now() > until) throw new Error(`no "${line}" in the log; exit ${child.exitCode}; stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGTERM');
      return { stdout, stderr, code: await exited };
    }

    for (const [name, args] of [
      ['interflow serve', ['serve', '--port', '0']],
      ['interflow registry serve (the hub\'s relay log)', ['registry', 'serve', '--port', '0']],
    ] as const) {
      it(`${name} purges the message log per INTERFLOW_MESSAGE_LOG_RETENTION_DAYS and says how many it removed`, async () => {
        const config = testDatabaseConfig();
        const url = config.kind === 'mysql' ? process.env.INTERFLOW_TEST_DB! : `sqlite:${config.path}`;
        const store = await createTypeormTestStore(config);
        await seed(new MessageLog(new TypeormMessageLogRepository(store)), [45, 40, 2]);
        await store.close();
        const run = await runUntil(['--db', url, ...args], { INTERFLOW_MESSAGE_LOG_RETENTION_DAYS: '30' }, /message log purge: removed 2 message/);
        expect(run.code).to.equal(0, run.stderr);
        const line = run.stderr.split('\n').find((l) => l.includes('message log purge'))!;
        expect(JSON.parse(line)).to.include({ purged: 2, items: 2, retentionDays: 30 });
        const after = await openStore(url);
        try {
          expect((await new MessageLog(new TypeormMessageLogRepository(after)).trace('case-r')).map((t) => t.messageId)).to.deep.equal(['m-2']);
        } finally {
          await after.close();
        }
      });
    }
  });
});
