import { expect } from 'chai';
import { Federation, freePort, type ProcessServiceClient } from '../../src/federation';
import { auditPerformer, completedCount, databasesFor, expressCases, expressPath, rows, sleep, startExpressCases, tempDir, withStore, type ExpressCase, type PerformingAudit } from './support';
import { waitFor } from '../support/wait-for';

/**
 * The federation as separate processes (registry hub, market, tax, fire; `interflow serve` each,
 * launched the way `interflow federation up` does), under crashes: the tax bureau's engine is
 * killed with SIGKILL several times and the fire department's once while hundreds of automatic
 * licence cases run, each restarted on a new port with the same database and environment. Nothing
 * may be lost and nothing may run twice — checked from the audit history and the message log.
 */
describe('federation processes: departments killed with SIGKILL mid-run, and a department offline', function () {
  this.timeout(240_000);
  const CASES = 300;
  let fed: Federation;
  let market: ProcessServiceClient;
  let admin: ProcessServiceClient;
  const all: ExpressCase[] = [];

  before(async function () {
    this.timeout(120_000);
    const dataDir = tempDir('interflow-crash-');
    fed = await Federation.launch({
      dataDir,
      databaseUrl: await databasesFor(dataDir, ['registry', 'market', 'tax', 'fire'], 'crash'),
      logLevel: 'info',
      timeoutMs: 60_000,
    });
    market = fed.client('market', 'market-clerk');
    admin = fed.client('market');
  });
  after(async () => fed?.stop());

  async function restartOnNewPort(code: string): Promise<number> {
    const port = await freePort();
    await fed.startDepartment(code, { port });
    return port;
  }

  /** Returns once the department's inbox has taken `more` items since the call. */
  async function untilTaking(code: string, more: number): Promise<void> {
    const count = () => withStore(fed.department(code).placement.databaseUrl, async (store) => Number((await rows<{ n: number | string }>(store, 'SELECT COUNT(*) AS n FROM if_inbox'))[0].n));
    const base = await count();
    const t0 = Date.now();
    while ((await count()) < base + more && Date.now() - t0 < 10_000) await sleep(10);
  }

  async function untilAllCompleted(n: number, limitMs: number): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      const done = await completedCount(admin);
      if (done >= n) return Date.now() - t0;
      if (Date.now() - t0 > limitMs) throw new Error(`only ${done} of ${n} cases completed at market within ${limitMs / 1000} s (logs in ${fed.dataDir}/logs)`);
      await sleep(250);
    }
  }

  it(`runs ${CASES} licence cases to their end, each activity exactly once, while tax is SIGKILLed three times and fire once`, async () => {
    const t0 = Date.now();
    const cases = expressCases(CASES, 'CRASH');
    all.push(...cases);
    const kills: string[] = [];
    // Cases keep arriving over the whole chaos phase, so every kill lands on work in flight.
    const starting = startExpressCases(market, cases, { workers: 2, gapMs: 80 });
    const chaos = (async () => {
      // Each kill waits until the department is taking hand-overs (its inbox grows), so it lands in
      // the middle of a batch: some items committed, the sender's request left without an answer.
      for (const [code, intoBatch] of [['tax', 1], ['tax', 15], ['fire', 3], ['tax', 5]] as const) {
        await sleep(800);
        await untilTaking(code, intoBatch);
        await fed.killDepartment(code, 'SIGKILL');
        const port = await restartOnNewPort(code);
        kills.push(`${code}@${((Date.now() - t0) / 1000).toFixed(1)}s→:${port}`);
      }
    })();
    await Promise.all([starting, chaos]);
    const startedIn = Date.now() - t0;
    const drained = await untilAllCompleted(CASES, 75_000);
    console.log(`      ${CASES} cases started in ${(startedIn / 1000).toFixed(1)} s, all completed ${(drained / 1000).toFixed(1)} s later; kills: ${kills.join(', ')}`);

    // Outcomes match the data, read back over SOAP as the legacy client sees them.
    for (const c of cases.filter((_, i) => i % 25 === 0 || !_.safe)) {
      const inst = await admin.getProcessInstance(c.id!);
      expect(inst.state, c.applicantId).to.equal('closed.completed');
      expect(inst.data.taxpayerId).to.equal(`TX-${c.applicantId}`);
      if (c.safe) expect(inst.data.licenceNo).to.equal(`LIC-${c.applicantId}`);
      else expect(inst.data.rejectionReason).to.equal('premises not safe');
    }
  });

  it('the audit history and message logs show every activity ran exactly once and no item was accepted twice', async () => {
    await verifyExactlyOnce(all);
  });

  it('a department offline for a while: its hand-overs wait in the sender\'s outbox, the other branch goes on, and all complete once it is back', async () => {
    const cases = expressCases(20, 'OFFLINE');
    await fed.killDepartment('fire', 'SIGTERM');
    await startExpressCases(market, cases, { workers: 2 });
    all.push(...cases);
    const marketDb = fed.department('market').placement.databaseUrl;
    const ids = cases.map((c) => c.id!);
    const waiting = async () =>
      withStore(marketDb, async (store) => {
        const pending = await rows<{ instance_id: string }>(store, `SELECT instance_id FROM if_outbox WHERE kind = 'transfer' AND destination = 'fire' AND state = 'pending'`);
        const taxDone = await rows<{ instance_id: string }>(store, `SELECT instance_id FROM if_history WHERE type = 'activity.completed' AND activity_id = 'x_register_taxpayer'`);
        return { pending: new Set(pending.map((r) => r.instance_id)), taxDone: new Set(taxDone.map((r) => r.instance_id)) };
      });
    // Tax carries on: its branch of every case comes back while fire is away.
    const t0 = Date.now();
    let seen = await waiting();
    while (!ids.every((id) => seen.taxDone.has(id)) && Date.now() - t0 < 30_000) {
      await sleep(250);
      seen = await waiting();
    }
    await sleep(2000);
    seen = await waiting();
    expect(ids.filter((id) => !seen.taxDone.has(id)), 'tax results back while fire is offline').to.deep.equal([]);
    expect(ids.filter((id) => !seen.pending.has(id)), 'fire hand-overs pending in market\'s outbox').to.deep.equal([]);
    for (const id of ids.slice(0, 3)) {
      const inst = await admin.getProcessInstance(id);
      expect(inst.state).to.equal('open.running');
      expect(inst.openActivities.map((a) => [a.activityId, a.department, a.state])).to.deep.include(['x_fire_check', 'fire', 'transferred']);
    }
    await restartOnNewPort('fire');
    await untilAllCompleted(CASES + cases.length, 60_000);
    await verifyExactlyOnce(all);
  });

  async function verifyExactlyOnce(cases: ExpressCase[]): Promise<void> {
    const byId = new Map(cases.map((c) => [c.id!, c]));
    await withStore(fed.department('market').placement.databaseUrl, async (store) => {
      const instances = await rows<{ id: string; state: string; data: string }>(store, `SELECT id, state, data FROM if_instance WHERE process_id = 'business_licence_express'`);
      expect(instances.length).to.equal(cases.length);
      for (const i of instances) {
        const c = byId.get(i.id);
        expect(c, `case ${i.id} was started by the test`).to.not.equal(undefined);
        expect(i.state, c!.applicantId).to.equal('closed.completed');
        const data = JSON.parse(i.data) as Record<string, unknown>;
        expect(data.taxpayerId, c!.applicantId).to.equal(`TX-${c!.applicantId}`);
        expect(data.premisesSafe, c!.applicantId).to.equal(c!.safe);
        if (c!.safe) expect(data.licenceNo, c!.applicantId).to.equal(`LIC-${c!.applicantId}`);
        else expect(data.rejectionReason, c!.applicantId).to.equal('premises not safe');
      }
      const completed = await rows<{ instance_id: string; activity_id: string }>(
        store,
        `SELECT h.instance_id, h.activity_id FROM if_history h INNER JOIN if_instance i ON i.id = h.instance_id WHERE i.process_id = 'business_licence_express' AND h.type = 'activity.completed'`,
      );
      const perCase = new Map<string, string[]>();
      for (const r of completed) perCase.set(r.instance_id, [...(perCase.get(r.instance_id) ?? []), r.activity_id]);
      for (const c of cases) {
        expect([...(perCase.get(c.id!) ?? [])].sort(), `activities completed in ${c.applicantId}`).to.deep.equal(expressPath(c.safe).sort());
      }
      // One hand-over per case and department, each sent and acknowledged; nothing gave up. A row
      // whose send was cut by a kill may be retried after its backoff, after the case has already
      // closed (the receiver then answers "duplicate"): wait for those to settle.
      await waitFor(
        async () => (await rows<{ n: number | string }>(store, `SELECT COUNT(*) AS n FROM if_outbox WHERE kind = 'transfer' AND state = 'pending'`)).every((r) => Number(r.n) === 0),
        'the transfer rows retried after the kills to be acknowledged',
        120_000,
        250,
      );
      const outbox = await rows<{ kind: string; destination: string; state: string; n: number | string }>(
        store,
        `SELECT kind, destination, state, COUNT(*) AS n FROM if_outbox WHERE kind = 'transfer' GROUP BY kind, destination, state`,
      );
      expect(outbox.map((r) => [r.destination, r.state, Number(r.n)]).sort()).to.deep.equal([['fire', 'sent', cases.length], ['tax', 'sent', cases.length]]);
      // Results: each taken once at market; a resend after a crash is acknowledged as a duplicate.
      const results = await rows<{ item_id: string; n: number | string }>(
        store,
        `SELECT i.item_id, COUNT(*) AS n FROM if_message_item i INNER JOIN if_message m ON m.log_id = i.log_id WHERE m.direction = 'in' AND i.kind = 'result' AND i.outcome = 'accepted' GROUP BY i.item_id`,
      );
      expect(results.filter((r) => Number(r.n) > 1), 'results accepted twice at market').to.deep.equal([]);
    });
    const caseIds = new Set(cases.map((c) => c.id!));
    for (const [code, activity] of [['tax', 'x_register_taxpayer'], ['fire', 'x_fire_check']] as const) {
      const audit = await withStore(fed.department(code).placement.databaseUrl, (store) => auditPerformer(store, 'business_licence_express', activity));
      checkPerformer(code, audit, caseIds);
    }
  }

  function checkPerformer(code: string, audit: PerformingAudit, caseIds: Set<string>): void {
    expect([...audit.instancesPerCase.keys()].sort(), `${code} performed for exactly the cases started`).to.deep.equal([...caseIds].sort());
    expect([...audit.instancesPerCase.entries()].filter(([, n]) => n !== 1), `${code}: cases with more than one performing instance`).to.deep.equal([]);
    expect([...audit.instancesPerItem.entries()].filter(([, n]) => n !== 1), `${code}: hand-over items taken more than once`).to.deep.equal([]);
    expect(audit.notCompleted, `${code}: performing instances not completed`).to.deep.equal([]);
    expect([...audit.completionsPerInstance.entries()].filter(([, n]) => n !== 1), `${code}: performing instances whose activity did not complete exactly once`).to.deep.equal([]);
    // The message log: an item is accepted at most once; a resend after a crash is a 'duplicate' ack.
    // An item taken just before a kill may have no 'accepted' line (the kill can fall between the
    // engine's commit and the log write), but its resend is then logged as 'duplicate'.
    const twice = [...audit.acks.entries()].filter(([, a]) => a.accepted > 1 || a.other.length);
    expect(twice, `${code}: items accepted twice or refused`).to.deep.equal([]);
    const unlogged = [...audit.instancesPerItem.keys()].filter((item) => !audit.acks.has(item));
    expect(unlogged, `${code}: performed items missing from the message log`).to.deep.equal([]);
    const duplicates = [...audit.acks.values()].reduce((n, a) => n + a.duplicate, 0);
    console.log(`      ${code}: ${audit.instancesPerItem.size} hand-overs performed once each; ${duplicates} resent after a crash and acknowledged as duplicates`);
  }
});
