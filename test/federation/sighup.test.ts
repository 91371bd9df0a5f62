import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { cliCommand, freePort } from '../../src/federation';
import { tempDir } from './support';

const ROOT = resolve(__dirname, '../..');

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => r(true)));
  });
}

async function freeRun(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base <= 65000 && (await Promise.all([1, 2, 3].map((i) => portFree(base + i)))).every(Boolean)) return base;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Issue 14: closing the terminal sent SIGHUP to the `federation up` launcher, which died and left
 * the hub and the three engines (process groups of their own, so they never heard it) running on
 * their ports. The launcher now stops them on SIGHUP as on SIGINT/SIGTERM.
 */
describe('federation up on SIGHUP (a closed terminal)', function () {
  this.timeout(180_000);

  for (const signal of ['SIGHUP'] as const) {
    it(`stops the hub and the three engines and frees their ports on ${signal}`, async () => {
      const base = await freeRun();
      const { command, args } = cliCommand();
      const launcher = spawn(command, [...args, 'federation', 'up', '--base-port', String(base), '--data', tempDir('interflow-sighup-')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      launcher.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      launcher.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => launcher.once('exit', (c) => r(c)));
      let pids: number[] = [];
      try {
        const deadline = Date.now() + 150_000;
        while (!/ready in/.test(stdout)) {
          if (launcher.exitCode !== null || Date.now() > deadline) throw new Error(`the launcher did not get ready:\n${stdout}\n${stderr}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        pids = [...stdout.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
        expect(pids, stdout).to.have.length(4);
        for (const port of [base, base + 1, base + 2, base + 3]) expect(await portFree(port), `port ${port} in use while running`).to.equal(false);

        launcher.kill(signal);
        expect(await exited).to.equal(0);
        expect(stdout).to.include('stopped: registry hub and departments');
        expect(pids.filter(alive), 'children still running').to.deep.equal([]);
        for (const port of [base, base + 1, base + 2, base + 3]) expect(await portFree(port), `port ${port} free after ${signal}`).to.equal(true);
      } finally {
        if (launcher.exitCode === null) launcher.kill('SIGKILL');
        for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
      }
    });
  }
});
