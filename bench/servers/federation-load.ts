/**
 * The load of bench/federation's deployment run, in its own process so the measuring process's
 * event loop is not the clients': `clients` concurrent legacy SOAP clients (ProcessService over
 * HTTP with a UsernameToken, as a back office sends it) start `cases` express licence cases at the
 * coordinator between them, as fast as each gets its answer. Prints one JSON line: how many were
 * started, how long that took, and any errors.
 *
 *   tsx bench/servers/federation-load.ts <baseUrl> <username> <password> <cases> <clients>
 */
import { ProcessServiceClient } from '../../src/federation/process-client';

const [baseUrl, username, password, casesText, clientsText] = process.argv.slice(2);
const cases = Number(casesText);
const clients = Number(clientsText);

async function main(): Promise<void> {
  let next = 0;
  const errors: string[] = [];
  const startMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new ProcessServiceClient(baseUrl, username, password, 60_000);
      for (let i = next++; i < cases; i = next++) {
        const t = process.hrtime.bigint();
        try {
          await client.startProcess('business_licence_express', { applicantId: `LOAD-${i}`, businessName: 'Load', address: i % 10 === 0 ? 'basement' : 'street' });
          startMs.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    }),
  );
  startMs.sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ started: startMs.length, ms: Date.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, startP50: startMs[Math.floor(startMs.length / 2)] ?? 0, errors: errors.slice(0, 5), errorCount: errors.length })}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
