/** `npm run bench`: every benchmark, each printing its figures as a ratio against a baseline run alongside. */
import { benchEngine } from './engine';
import { benchServices } from './services';
import { benchRegistry } from './registry';
import { benchFederation } from './federation';
import { benchAbuse } from './abuse';

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const engine = await benchEngine();
  console.log();
  const services = await benchServices();
  console.log();
  const registry = await benchRegistry();
  console.log();
  const federation = await benchFederation();
  console.log();
  const abuse = await benchAbuse();
  console.log('\nRESULTS.md lines:');
  console.log(`| ${date} | engine | bpmn-engine ${engine.baseline.toFixed(1)}/s | Interflow ${engine.interflow.toFixed(1)}/s | ${engine.ratio.toFixed(1)}x |`);
  console.log(`| ${date} | services | node-soap echo ${services.baseline.toFixed(0)}/s | Interflow StartProcess ${services.interflow.toFixed(0)}/s (SOAP layer echo ${services.layer.toFixed(0)}/s); server CPU per request ${services.cpuUs.baseline.toFixed(0)} / ${services.cpuUs.layer.toFixed(0)} / ${services.cpuUs.interflow.toFixed(0)} µs | ${services.ratio.toFixed(2)}x |`);
  console.log(`| ${date} | registry | node-soap echo ${registry.echo.perSecond.toFixed(0)}/s | get_bindingDetail ${registry.getBindingDetail.perSecond.toFixed(0)}/s; find_business prefix ${registry.findBusiness.perSecond.toFixed(0)}/s, median ${registry.findBusiness.medianMs.toFixed(2)} ms; cached lookup ${registry.cachedLookupNs.toFixed(0)} ns; Binder.resolve ${registry.binderUncached.medianMs.toFixed(2)} ms uncached, ${registry.binderCachedUs.toFixed(1)} µs cached | ${(registry.getBindingDetail.perSecond / registry.echo.perSecond).toFixed(2)}x / ${(registry.findBusiness.perSecond / registry.echo.perSecond).toFixed(2)}x |`);
  console.log(`| ${date} | federation | echo hop p50 ${federation.echo.p50.toFixed(2)} ms | ${federation.casesPerSecond.toFixed(1)} completed express licence cases/s; one signed transfer p50 ${federation.transfer.p50.toFixed(1)} ms, p99 ${federation.transfer.p99.toFixed(1)} ms | ${(federation.transfer.p50 / federation.echo.p50).toFixed(1)}x echo p50 |`);
  console.log(`| ${date} | abuse | /health idle p99 ${abuse.idle.p99.toFixed(2)} ms | /health p99 ${abuse.burst.p99.toFixed(1)} ms under 6 hostile 1 MiB posters; each refused in p50 ${abuse.refusal.p50.toFixed(1)} ms | ${(abuse.burst.p99 / abuse.idle.p99).toFixed(1)}x |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
