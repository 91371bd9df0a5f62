import { expect } from 'chai';
import { mkdirSync, mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/persistence';
import { SupervisedProcess } from '../../src/federation/supervisor';

const modeOf = (p: string) => statSync(p).mode & 0o777;

/** Issue 10: data and log files 0600, their folders 0700. */
describe('issue 10: file modes of data and logs', () => {
  it('finding: SQLite files are created 0600 (with -wal and -shm) in a 0700 folder', async function () {
    if (process.env.INTERFLOW_TEST_DB?.startsWith('mysql')) this.skip();
    const dir = join(mkdtempSync(join(tmpdir(), 'modes-')), 'data');
    const file = join(dir, 'engine.sqlite');
    const store = await openStore(`sqlite:${file}`);
    try {
      expect(modeOf(dir).toString(8)).to.equal('700');
      expect(modeOf(file).toString(8)).to.equal('600');
      expect(modeOf(`${file}-wal`).toString(8)).to.equal('600');
      expect(modeOf(`${file}-shm`).toString(8)).to.equal('600');
    } finally {
      await store.close();
    }
  });

  it('an existing database file of mode 0644 is tightened to 0600 when opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modes-'));
    const file = join(dir, 'old.sqlite');
    await (await openStore(`sqlite:${file}`)).close();
    chmodSync(file, 0o644);
    const store = await openStore(`sqlite:${file}`);
    await store.close();
    expect(modeOf(file).toString(8)).to.equal('600');
  });

  it('finding: the logs folder of federation up is 0700 and its logs 0600, even when an earlier run left them open', async () => {
    const logs = join(mkdtempSync(join(tmpdir(), 'modes-')), 'logs');
    mkdirSync(logs, { mode: 0o755 });
    chmodSync(logs, 0o755);
    const logFile = join(logs, 'market.log');
    writeFileSync(logFile, 'earlier run\n', { mode: 0o644 });
    chmodSync(logFile, 0o644);
    const child = new SupervisedProcess({ name: 'market', args: ['--version'], env: {}, logFile });
    await child.exited;
    expect(modeOf(logs).toString(8)).to.equal('700');
    expect(modeOf(logFile).toString(8)).to.equal('600');
  });
});
