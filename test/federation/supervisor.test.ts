import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildExitError, runChild } from '../../src/federation/supervisor';

/**
 * A child's stderr (its JSON logs) goes straight into its log file, not through the launcher
 * (bench/RESULTS.md: relaying it cost the launcher ~0.45 ms of CPU per case); what the launcher
 * reports of a failed child is read back from that file.
 */
describe('supervised children: logs straight to their file', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'if-supervisor-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a failing child: its error is in its log file (mode 0600) and in the error the launcher reports', async () => {
    const logFile = join(dir, 'logs', 'broken.log');
    const error = await runChild({ name: 'broken', args: ['no-such-command'], env: {}, logFile }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ChildExitError);
    const log = readFileSync(logFile, 'utf8');
    expect(log).to.match(/^--- \S+ interflow no-such-command\n/);
    expect(log).to.match(/unknown command/i);
    expect(log).to.match(/--- \S+ exited with code [1-9]/);
    expect((error as Error).message).to.match(/unknown command/i);
    expect((error as Error).message).to.contain(logFile);
    expect(statSync(logFile).mode & 0o777).to.equal(0o600);
  });

  it('what a child prints on stdout is kept for the launcher and in the log', async () => {
    const logFile = join(dir, 'logs', 'help.log');
    const child = await runChild({ name: 'help', args: ['--help'], env: {}, logFile });
    expect(child.stdout).to.match(/^Usage: interflow/);
    expect(readFileSync(logFile, 'utf8')).to.contain(child.stdout.trim());
  });
});
