/** `npm run bench`: every benchmark, each printing its figures as a ratio against a baseline run alongside. */
import { benchEngine } from './engine';

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const engine = await benchEngine();
  console.log(`\nRESULTS.md line:\n| ${date} | engine | bpmn-engine ${engine.baseline.toFixed(1)}/s | Interflow ${engine.interflow.toFixed(1)}/s | ${engine.ratio.toFixed(1)}x |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
