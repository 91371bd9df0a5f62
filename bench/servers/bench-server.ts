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
import { WorkflowEngine } from '../../src/engine';
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

async function interflow(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'interflow-bench-services-'));
  const store = await openStore(`sqlite:${join(dir, 'bench.sqlite')}`);
  const engine = new WorkflowEngine({ store });
  await engine.deploy(oneManualActivity());
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

(process.argv[2] === 'interflow' ? interflow() : nodeSoapEcho()).catch((e) => {
  console.error(e);
  process.exit(1);
});
