import { expect } from 'chai';
import type { Page } from 'playwright-core';
import express from 'express';
import { RegistryClient } from '../../src/binding';
import { consoleRouter, CONSOLE_PATH } from '../../src/console';
import { WorkflowEngine } from '../../src/engine';
import { listen } from '../../src/services/http';
import { MessageLog } from '../../src/transfer';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import { createAuthenticator, demoSecurityConfig } from '../../src/services/security';
import { LogCapture } from '../services/support';
import { auto, end, flow, pkg, process as processDef, start } from '../support/definition-builder';
import { TransferFederation } from '../transfer/federation-support';
import { logIn, openBrowser, type Browser } from './browser';
import { USERS } from './support';
import { waitFor } from '../support/wait-for';
import { TypeormMessageLogRepository } from '../../src/persistence';

/**
 * An operator's first look, in Chromium: the overview of department market counts what needs
 * attention — a hand-over stuck because its receiver (tax) is down, an incident (an automatic
 * activity whose handler throws) — and each count links to the list of those items.
 */
describe('console in Chromium: the overview counts what needs attention', function () {
  this.timeout(120_000);
  let fed: TransferFederation;
  let running: RunningServer;
  let browser: Browser;
  let page: Page;
  let stuckCase = '';
  let incidentCase = '';

  before(async () => {
    fed = await TransferFederation.open();
    const market = fed.dept('market');
    await fed.dept('tax').down();
    // The hand-over to tax fails (nobody answers at its address) and is retried.
    stuckCase = (await market.engine.startProcess('business_licence_express', { data: { applicantId: 'OPS-1', businessName: 'Stuck Ltd', address: '4 Wait St' } })).id;
    await waitFor(async () => (await market.engine.outbox({ state: 'pending' })).find((m) => m.instanceId === stuckCase && m.attempts > 0), 'the hand-over to tax to fail once');
    // An automatic activity whose handler throws: an incident.
    market.engine.handlers.register('ledger_post', () => {
      throw new Error('ledger service answered 503');
    });
    await market.engine.deploy(pkg(processDef('post_fee', { activities: [start(), auto('post_to_ledger', 'ledger_post'), end()], transitions: [flow('start', 'post_to_ledger'), flow('post_to_ledger', 'end')], applications: [{ id: 'ledger_post', formalParameters: [] }] })));
    incidentCase = (await market.engine.startProcess('post_fee', {})).id;

    const config = demoSecurityConfig(Object.values(USERS), { allowInsecureBasic: true });
    running = await createServer(market.engine, {
      log: new LogCapture().logger,
      security: createAuthenticator(config),
      registry: new RegistryClient({ baseUrl: fed.url, timeoutMs: 3000 }),
      console: { security: config, transferLog: market.federation!.messageLog, heldPackages: market.federation!.heldPackages },
    }).listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 500 });
    browser = await openBrowser();
    page = browser.page;
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await running?.close();
    await fed?.close();
  });
  afterEach(() => {
    const problems = browser ? browser.problems.splice(0) : [];
    if (problems.length) throw new Error(`the browser reported problems:\n  ${problems.join('\n  ')}`);
  });

  const loginAs = (user: (typeof USERS)[keyof typeof USERS]): Promise<void> => logIn(page, running.url, user);

  const card = (key: string) => page.locator(`[data-attention="${key}"]`);

  it('names the department in the header and the title', async () => {
    await loginAs(USERS.admin);
    expect(await page.locator('#brand').textContent()).to.equal('Interflow — Market regulation bureau (market)');
    expect(await page.title()).to.equal('Overview · Interflow — Market regulation bureau (market) console');
  });

  it('counts the stuck hand-over and the incident, and links each count to its items', async () => {
    await loginAs(USERS.admin);
    await page.getByRole('heading', { name: 'Needs attention' }).waitFor();
    expect(await card('stuck').locator('.big').textContent()).to.equal('1');
    expect(await card('incidents').locator('.big').textContent()).to.equal('1');
    expect(await card('dead').locator('.big').textContent()).to.equal('0');
    // An administrator sees every part; this department's lease in the registry has not lapsed.
    for (const key of ['held', 'refused', 'leases']) expect(await card(key).count(), key).to.equal(1);

    await card('stuck').getByRole('link').click();
    await page.getByRole('heading', { name: 'Stuck hand-overs', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: stuckCase }) });
    await row.waitFor();
    expect(await row.textContent()).to.include('tax').and.include('transfer');

    await page.goBack();
    await card('incidents').getByRole('link').click();
    await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
    const incident = page.getByRole('row').filter({ has: page.getByRole('link', { name: incidentCase }) });
    expect(await incident.textContent()).to.include('post_to_ledger').and.include('ledger service answered 503');
    await incident.getByRole('link', { name: incidentCase }).click();
    await page.getByRole('heading', { name: `Case ${incidentCase}`, level: 1 }).waitFor();
  });

  it('shows a user without admin the hand-overs and incidents, not the held packages or refusals', async () => {
    await loginAs(USERS.reader);
    await page.getByRole('heading', { name: 'Needs attention' }).waitFor();
    expect(await card('stuck').locator('.big').textContent()).to.equal('1');
    expect(await card('held').count()).to.equal(0);
    expect(await card('refused').count()).to.equal(0);
  });

  it('colours a department from its code alone, whatever the order of the departments a server knows', async () => {
    const same = await page.evaluate(async () => {
      const dom = (await import('/console/static/dom.js' as string)) as { deptClass(code: string, order: string[]): string };
      return [dom.deptClass('tax', ['tax']), dom.deptClass('tax', ['fire', 'market', 'tax']), dom.deptClass('tax', [])];
    });
    expect(new Set(same).size).to.equal(1);
  });

  it("the hub's console says it is the registry hub, and shows what needs attention there", async () => {
    const config = demoSecurityConfig(Object.values(USERS), { allowInsecureBasic: true });
    const app = express();
    app.use(CONSOLE_PATH, consoleRouter({
      role: 'hub',
      security: config,
      registry: fed.registry,
      federationKeys: fed.keys,
      transferLog: new MessageLog(new TypeormMessageLogRepository(fed.store)),
      engine: new WorkflowEngine({ store: fed.store }),
      log: new LogCapture().logger,
      services: () => [],
      isSecure: () => false,
      baseUrl: (req) => `http://${req.headers.host}`,
    }));
    const hub = await listen(app, { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 });
    try {
      await page.context().clearCookies();
      await page.goto(`${hub.url}/console/login`);
      await page.getByLabel('User name').fill(USERS.admin.username);
      await page.getByLabel('Password').fill(USERS.admin.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview — registry hub', level: 1 }).waitFor();
      expect(await page.title()).to.equal('Overview · Interflow — registry hub console');
      expect(await page.locator('#brand').textContent()).to.equal('Interflow — registry hub');
      expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents()).to.deep.equal(['Overview', 'Registry']);
      expect(await card('leases').locator('.big').textContent(), 'every department renews its lease').to.equal('0');
      expect(await card('stuck').count(), 'the hub sends no hand-overs of its own').to.equal(0);
    } finally {
      await hub.close();
    }
  });

  it('offers the same counts as JSON', async () => {
    await loginAs(USERS.admin);
    const res = await page.request.get(`${running.url}/console/api/attention`);
    expect(res.status()).to.equal(200);
    const a = (await res.json()) as { stuck: { count: number; items: Array<{ caseId: string; destination: string }> }; incidents: { count: number; items: Array<{ caseId: string; activityId: string }> } };
    expect(a.stuck.items.map((m) => [m.caseId, m.destination])).to.deep.equal([[stuckCase, 'tax']]);
    expect(a.incidents.items.map((i) => [i.caseId, i.activityId])).to.deep.equal([[incidentCase, 'post_to_ledger']]);
  });
});
