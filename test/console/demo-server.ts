import { runDemo, serveDemo } from '../../src/cli/demo';
import { freshSqlitePath } from '../support/test-store';

export interface DemoServer {
  url: string;
  /** Demo users and their random passwords, as the demo printed them. */
  passwords: Record<string, string>;
  output: string;
  stop(): Promise<void>;
}

/** The README's demo: walk the sample cases, then serve the database (port 0), as a user starts it. */
export async function startDemo(): Promise<DemoServer> {
  const databaseUrl = `sqlite:${freshSqlitePath()}`;
  let output = '';
  const out = { stdout: (s: string) => void (output += s), stderr: (s: string) => void (output += s) };
  await runDemo(out, { databaseUrl, logLevel: 'silent' });
  const stop = new AbortController();
  let url = '';
  let served: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    served = serveDemo(out, { databaseUrl, logLevel: 'silent', host: '127.0.0.1', port: 0, signal: stop.signal, onListening: (u) => { url = u; resolve(); } });
    served.catch(reject);
  });
  const passwords: Record<string, string> = {};
  for (const m of output.matchAll(/^ {4}(demo-[a-z-]+)\s+(\S+)/gm)) passwords[m[1]!] = m[2]!;
  return {
    url,
    passwords,
    get output() {
      return output;
    },
    stop: async () => {
      stop.abort();
      await served;
    },
  };
}
