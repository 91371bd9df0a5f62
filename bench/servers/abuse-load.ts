/**
 * The hostile load of bench/abuse, in its own process so the /health prober's timings are not its
 * event loop's: six keep-alive connections posting ~1 MiB unauthenticated envelopes whose operation
 * element has 50,000 attributes, for `seconds`; prints the refusal times and statuses as JSON.
 */
import { Agent, request } from 'node:http';

const [port, seconds, connections] = process.argv.slice(2).map(Number);

function hostileBody(): Buffer {
  const attrs: string[] = [];
  for (let i = 0; i < 50_000; i++) attrs.push(` a${i}="x"`);
  const inner = `<GetWorklist xmlns="urn:interflow:process-service:1"${attrs.join('')}><Participant>clerk</Participant></GetWorklist>`;
  let text = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
  text += ' '.repeat(Math.max(0, 1024 * 1024 - 64 - text.length)); // about 1 MiB, under the limit
  return Buffer.from(text);
}

const body = hostileBody();
const times: number[] = [];
const statuses: Record<string, number> = {};

function post(agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      { agent, host: '127.0.0.1', port, path: '/services/ProcessService', method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => {
          times.push(Number(process.hrtime.bigint() - started) / 1e6);
          statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  process.stdout.write('started\n');
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (Date.now() < deadline) await post(agent);
      agent.destroy();
    }),
  );
  process.stdout.write(`${JSON.stringify({ times, statuses })}\n`);
}

void main();
