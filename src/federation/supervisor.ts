import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Child processes of the federation launcher: each one an `interflow` CLI process with its own
 * environment, its output appended to a log file. Nothing is restarted here: a process that dies
 * is reported, and whoever started it decides (the crash test restarts on purpose; `federation up`
 * only tells the operator).
 */

const ROOT = resolve(__dirname, '..', '..');
/** How much of the log's end tail() reads. */
const TAIL_BYTES = 64 * 1024;

// Detached children would outlive a launcher that dies of an exception; this takes them along.
const live = new Set<SupervisedProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/**
 * How to run the interflow CLI in a child. Under the compiled CLI that is `node bin/interflow.js`,
 * exactly what an operator runs; when this module itself runs from TypeScript (tests through tsx),
 * the children run the same sources, so a test never exercises a stale dist/.
 */
export function cliCommand(): { command: string; args: string[] } {
  if (__filename.endsWith('.ts')) return { command: process.execPath, args: [...NODE_FLAGS, '--require', 'tsx/cjs', resolve(__dirname, '..', 'cli', 'cli-entry.ts')] };
  return { command: process.execPath, args: [...NODE_FLAGS, resolve(ROOT, 'bin', 'interflow.js')] };
}

/**
 * A larger young generation for the members: a department allocates briefly and much per request
 * (XML trees, rows, envelopes), and with V8's default semi-space more of it was scavenged and
 * promoted; 32 MB cost about 4 % less CPU per case under load (bench/RESULTS.md).
 */
const NODE_FLAGS = ['--max-semi-space-size=32'];

export interface ChildSpec {
  /** A short name for messages and the log file (hub, market, …). */
  name: string;
  /** Arguments of the interflow CLI, e.g. ['serve']. */
  args: string[];
  /** The child's whole environment besides PATH/HOME-like basics (nothing else is inherited). */
  env: Record<string, string>;
  /** Appended to; created with its directory. */
  logFile: string;
}

export class ChildExitError extends Error {
  constructor(
    readonly child: SupervisedProcess,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(`${child.name} exited ${signal ? `on ${signal}` : `with code ${code}`} — its log is ${child.logFile}${child.tail() ? `; last lines:\n${indent(child.tail())}` : ''}`);
  }
}

export class SupervisedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Settles once the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The log file, opened for appending; the child writes its stderr (the JSON logs) straight into it. */
  private readonly logFd: number;
  private stdoutText = '';
  private expected = false;

  constructor(spec: ChildSpec) {
    this.name = spec.name;
    this.logFile = spec.logFile;
    mkdirSync(dirname(spec.logFile), { recursive: true, mode: 0o700 });
    this.logFd = openSync(spec.logFile, 'a', 0o600);
    // A log kept from an earlier run may predate this rule: logs name users and departments.
    chmodSync(dirname(spec.logFile), 0o700);
    chmodSync(spec.logFile, 0o600);
    writeSync(this.logFd, `--- ${new Date().toISOString()} interflow ${spec.args.join(' ')}\n`);
    const cli = cliCommand();
    // A process group of its own: Ctrl-C in the terminal reaches only the launcher, which then
    // stops the departments before the hub they deregister from. The child's stderr — its JSON
    // logs, a line or more per request — goes straight to the file: relaying it through this
    // process cost the launcher about 0.45 ms of CPU per case under load, on the same cores the
    // departments need. Its stdout (the CLI's own output: URLs, results) still passes through here.
    this.child = spawn(cli.command, [...cli.args, ...spec.args], { cwd: ROOT, env: { ...baseEnv(), ...spec.env }, stdio: ['ignore', 'pipe', this.logFd], detached: true });
    live.add(this);
    let open = true;
    const append = (text: string | Buffer) => (open ? writeSync(this.logFd, typeof text === 'string' ? Buffer.from(text) : text) : appendFileSync(spec.logFile, text));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      append(chunk);
      this.stdoutText = (this.stdoutText + chunk.toString()).slice(-64 * 1024);
    });
    this.child.once('close', () => {
      if (open) closeSync(this.logFd);
      open = false;
    });
    const ended = (line: string) => {
      live.delete(this);
      append(line);
    };
    this.exited = new Promise((resolveExit) => {
      this.child.once('error', (err) => {
        ended(`--- could not start: ${err.message}\n`);
        resolveExit({ code: -1, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        ended(`--- ${new Date().toISOString()} exited ${signal ? `on ${signal}` : `with code ${code}`}\n`);
        resolveExit({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** True when the exit was asked for (stop/kill), so watchers can tell a crash from a shutdown. */
  get stopping(): boolean {
    return this.expected;
  }

  /** What the process printed on stdout so far (the CLI's own output: URLs, results). */
  get stdout(): string {
    return this.stdoutText;
  }

  /** The last lines of the log file (read when asked: only error reports ask). */
  tail(n = 15): string {
    let fd: number | undefined;
    try {
      fd = openSync(this.logFile, 'r');
      const size = fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n').filter((l) => l.trim() && !l.startsWith('--- '));
      // The first line of the window may be cut: drop it unless the window is the whole file.
      return (length < size ? lines.slice(1) : lines).slice(-n).join('\n');
    } catch {
      return '';
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Resolves with the exit code; throws ChildExitError when it is not 0. */
  async succeeded(): Promise<void> {
    const { code, signal } = await this.exited;
    if (code !== 0) throw new ChildExitError(this, code, signal);
  }

  /** Sends a signal without waiting (SIGKILL is how the crash test kills a department). */
  kill(signal: NodeJS.Signals): void {
    this.expected = true;
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it is still there after the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts a CLI child. */
export function startChild(spec: ChildSpec): SupervisedProcess {
  return new SupervisedProcess(spec);
}

/** Runs a CLI child to its end; throws ChildExitError (with its log's tail) unless it exits 0. */
export async function runChild(spec: ChildSpec): Promise<SupervisedProcess> {
  const p = startChild(spec);
  await p.succeeded();
  return p;
}

/**
 * The parent's environment minus every INTERFLOW_* variable: a child gets exactly the Interflow
 * settings its spec names, as a container would, and not whatever the launching shell had.
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('INTERFLOW_')) env[k] = v;
  return env;
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
