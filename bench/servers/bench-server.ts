/**
 * A server for bench/services, in a process of its own so the load generator does not share its CPU.
 * Prints 'READY <url>' when listening; on SIGTERM prints a one-line durable check and exits.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import * as soap from 'soap';
import { ECHO_NS, ECHO_WSDL } from '../echo-service';
import { WorkflowEngine, type Store, type StoreTx } from '../../src/engine';
import { oneManualActivity } from '../start-floor';
import { openStore } from '../../src/persistence';
import { createServer } from '../../src/app';
import { xml } from '../../src/services/soap';



async function nodeSoapEcho(): Promise<void> {
  const app = express();
  const server = app.listen(0, '127.0.0.1', () => {
    soap.listen(app, '/echo', { EchoService: { EchoPort: { Echo: (args: { Text: string }) => ({ Text: args.Text }) } } }, ECHO_WSDL);
    console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

/**
 * A store that reads the database and writes nothing: every write method of its transactions does
 * nothing (bench only, never durable). StartProcess on it is the ceiling of any store: what the SOAP
 * layer and the engine cost with the database's work taken away.
 */
class WritelessStore implements Store {
  readonly kind: string;
  private readonly latest = new Map<string, number | undefined>();
  constructor(private readonly inner: Store) {
    this.kind = inner.kind;
  }
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.inner.read((tx) => fn(this.writeless(tx)));
  }
  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.inner.read(fn);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  private writeless(tx: StoreTx): StoreTx {
    const latest = this.latest;
    return new Proxy(tx, {
      get(target, property) {
        const value = (target as unknown as Record<string | symbol, unknown>)[property];
        if (typeof property === 'string' && /^(insert|append|save|update|enqueue|record|delete|mark|renew|execute)/.test(property)) {
          return async () => (property === 'recordInbox' ? true : undefined);
        }
        // The durable store keeps the latest version in memory too (TypeormStore's writer).
        if (property === 'latestDefinitionVersion') {
          return async (processId: string) => {
            if (!latest.has(processId)) latest.set(processId, await target.latestDefinitionVersion(processId));
            return latest.get(processId);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

async function interflow(writeless = false): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'interflow-bench-services-'));
  const store = await openStore(`sqlite:${join(dir, 'bench.sqlite')}`);
  const deployer = new WorkflowEngine({ store });
  await deployer.deploy(oneManualActivity());
  const engine = writeless ? new WorkflowEngine({ store: new WritelessStore(store) }) : deployer;
  // The request log is on, as in `interflow serve`, written to /dev/null so the terminal is not the bottleneck.
  const log = pino({ level: process.env.BENCH_LOG ?? 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const server = createServer(engine, { log });
  server.mount({
    name: 'Echo',
    path: '/echo',
    wsdl: { file: join(__dirname, '..', '..', 'wsdl', 'process-service.wsdl'), schemas: {} },
    operations: { [`{${ECHO_NS}}Echo`]: async (body) => ({ body: xml`<EchoResponse xmlns="${ECHO_NS}"><Text>${String(body.Text)}</Text></EchoResponse>` }) },
  });
  const running = await server.listen({ host: '127.0.0.1', port: 0 });
  console.log(`READY ${running.url}`);
  process.once('SIGTERM', async () => {
    await running.close();
    const stored = await engine.countByState();
    const items = await engine.worklist({ participants: ['clerk'], limit: 1 });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(`${stored['open.running'] ?? 0} running cases stored durably, each with its open work item (${items.length ? 'checked' : 'MISSING'})`);
    process.exit(0);
  });
}

(process.argv[2] === 'interflow' ? interflow() : process.argv[2] === 'interflow-writeless' ? interflow(true) : nodeSoapEcho()).catch((e) => {
  console.error(e);
  process.exit(1);
});
