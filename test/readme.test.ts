import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { HandlerRegistry, WorkflowEngine } from '../src/engine';
import type { RunningServer } from '../src/services/http';
import { createServer } from '../src/app';
import { createAuthenticator, demoSecurityConfig, makeUser } from '../src/services/security';
import { importXpdl } from '../src/xpdl';
import { LogCapture } from './services/support';
import { createTestStore } from './support/test-store';

/**
 * Every shell command of the README (its ```sh blocks) is run by a test: this one runs those it
 * can run safely (against a temporary database and a test server), and for the rest names the
 * test that runs them and checks that test still does. A command added to the README without
 * either fails here, naming the command.
 */

const ROOT = resolve(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** A command run elsewhere: `by` is a file of this repository that must contain every `evidence` string. */
interface CoveredElsewhere {
  command: RegExp;
  by: string;
  evidence: string[];
}

const COVERED_ELSEWHERE: CoveredElsewhere[] = [
  { command: /^npm ci$/, by: '.ci/run', evidence: ['npm ci'] },
  { command: /^npm test$/, by: '.ci/run', evidence: ['npm test'] },
  // npm start is `interflow federation up` (package.json), which the federation CLI test runs.
  { command: /^npm start$/, by: 'test/federation/cli.test.ts', evidence: ["'federation', 'up'"] },
  { command: /^npm run demo\b/, by: 'test/cli/demo.reference.test.ts', evidence: ['demo'] },
  // No Docker on CI: the compose test runs what docker-compose.yml describes, as processes.
  { command: /^docker compose up --build$/, by: 'test/federation/compose.mysql.test.ts', evidence: ['docker-compose.yml'] },
];

/** Commands this test runs itself, each with what it needs around it. */
type Runner = (cmd: string) => Promise<void>;

describe('README', function () {
  this.timeout(60_000);
  const work = mkdtempSync(join(tmpdir(), 'interflow-readme-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  const commands = shellCommands(README);

  it('has shell commands to check', () => {
    expect(commands.length).to.be.greaterThan(3);
  });

  it('names only the things that exist: every doc linked, every variable the code reads configured', () => {
    for (const doc of readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))) expect(README, `docs/${doc} linked`).to.include(`(docs/${doc}`);
    const table = README.slice(README.indexOf('## Configuration'), README.indexOf('## Documentation'));
    const read = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) for (const m of readFileSync(file, 'utf8').matchAll(/INTERFLOW_[A-Z0-9_]+/g)) read.add(m[0]);
    const missing = [...read].filter((v) => !table.includes(`\`${v}\``));
    expect(missing, 'variables the code reads but the configuration table does not list').to.deep.equal([]);
    const listed = [...table.matchAll(/`(INTERFLOW_[A-Z0-9_]+)`/g)].map((m) => m[1]!);
    expect(listed.filter((v) => !read.has(v)), 'variables listed that no code reads').to.deep.equal([]);
    expect(README).to.not.match(/will hold|seed 0\d\d/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start).to.include('federation up');
  });

  describe('every command is run by a test', () => {
    let server: RunningServer | undefined;
    let store: Awaited<ReturnType<typeof createTestStore>> | undefined;
    after(async () => {
      await server?.close();
      await store?.close();
    });

    // A directory where `interflow` and `node bin/interflow.js` are the built CLI (npm run build).
    const shell = async (cmd: string, env: Record<string, string> = {}): Promise<string> => {
      const binDir = join(work, '.path');
      if (!existsSync(binDir)) {
        mkdirSync(binDir);
        writeFileSync(join(binDir, 'interflow'), `#!/bin/sh\nexec node ${JSON.stringify(join(ROOT, 'bin', 'interflow.js'))} "$@"\n`);
        chmodSync(join(binDir, 'interflow'), 0o755);
        symlinkSync(join(ROOT, 'bin'), join(work, 'bin'));
      }
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INTERFLOW_'))) as Record<string, string>;
      return new Promise((resolvePromise, reject) => {
        execFile('/bin/sh', ['-c', cmd], { cwd: work, env: { ...clean, PATH: `${binDir}:${process.env.PATH}`, ...env }, timeout: 45_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${cmd}\nfailed: ${error.message}\n${stderr}`));
          else resolvePromise(stdout);
        });
      });
    };

    const RUN: Array<{ command: RegExp; run: Runner }> = [
      {
        command: /^interflow registry publisher add \S+ --department \S+ --password-file \S+$/,
        run: async (cmd) => {
          const file = /--password-file (\S+)$/.exec(cmd)![1]!;
          await shell(`umask 077; openssl rand -base64 24 > ${file}`);
          const out = await shell(cmd, { INTERFLOW_DB: `sqlite:${join(work, 'hub.sqlite')}` });
          expect(out).to.match(/publisher .* created|created|department/i);
        },
      },
      {
        command: /^node bin\/interflow\.js federation credentials --dir \S+$/,
        run: async (cmd) => {
          await shell(cmd);
          const dir = join(work, /--dir (\S+)$/.exec(cmd)![1]!);
          expect(readdirSync(dir).length, 'the secrets were written').to.be.greaterThan(0);
        },
      },
      {
        // The quick start's legacy client: StartProcess with curl against an engine holding the licence.
        command: /^curl -s -u market-clerk:<password> /,
        run: async (cmd) => {
          store = await createTestStore();
          const engine = new WorkflowEngine({ store, handlers: new HandlerRegistry() });
          const xml = readFileSync(join(ROOT, 'examples', 'business-licence.xpdl'), 'utf8');
          await engine.deploy(importXpdl(xml), { source: xml });
          const clerk = makeUser({ username: 'market-clerk', password: 'readme-clerk-password', start: ['business_licence'], participants: ['market'] });
          const config = demoSecurityConfig([clerk], { allowInsecureBasic: true });
          server = await createServer(engine, { log: new LogCapture().logger, security: createAuthenticator(config) }).listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 200 });
          const out = await shell(cmd.replace('<password>', 'readme-clerk-password').replace(/http:\/\/127\.0\.0\.1:\d+/, server.url));
          expect(out).to.match(/StartProcessResponse/);
          expect((await engine.listInstances({ processId: 'business_licence' })).total).to.equal(1);
        },
      },
    ];

    for (const cmd of shellCommands(README)) {
      it(`runs or names the test that runs: ${cmd.length > 90 ? `${cmd.slice(0, 90)}…` : cmd}`, async () => {
        const bare = withoutAssignments(cmd);
        const runner = RUN.find((r) => r.command.test(bare));
        if (runner) return runner.run(cmd);
        const script = /^npm run (\S+)$/.exec(bare)?.[1];
        if (script && !COVERED_ELSEWHERE.some((c) => c.command.test(bare))) {
          // `npm run X`: a script of package.json that CI (.ci/run) runs.
          expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts, `package.json has the script ${script}`).to.have.property(script);
          expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), `.ci/run runs npm run ${script}`).to.match(new RegExp(`npm run (--silent )?${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
          return;
        }
        const elsewhere = COVERED_ELSEWHERE.find((c) => c.command.test(bare));
        if (!elsewhere) throw new Error(`no test runs this README command; run it in test/readme.test.ts (RUN) or name the test that does (COVERED_ELSEWHERE):\n  ${cmd}`);
        const text = readFileSync(join(ROOT, elsewhere.by), 'utf8');
        for (const e of elsewhere.evidence) expect(text, `${elsewhere.by} runs "${bare}"`).to.include(e);
      });
    }
  });
});

/**
 * The commands of the ```sh blocks: comments dropped, continuation lines and quoted strings
 * that span lines joined, split at `&&`, `||`, `;` and newlines outside quotes.
 */
export function shellCommands(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    const text = block[1]!.replace(/\\\n/g, ' ');
    let current = '';
    let quote: string | undefined;
    const flush = () => {
      const c = current.trim().replace(/\s+/g, ' ');
      if (c) out.push(c);
      current = '';
    };
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quote) {
        current += ch;
        if (ch === quote) quote = undefined;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        current += ch;
      } else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
        while (i < text.length && text[i] !== '\n') i++;
        flush();
      } else if (ch === '\n' || ch === ';') {
        flush();
      } else if ((ch === '&' || ch === '|') && text[i + 1] === ch) {
        i++;
        flush();
      } else current += ch;
    }
    flush();
  }
  return out;
}

/** `A=1 B=2 cmd …` → `cmd …` */
function withoutAssignments(cmd: string): string {
  return cmd.replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}
