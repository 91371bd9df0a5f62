import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { WorkflowEngine } from '../../src/engine';
import type { TypeormStore } from '../../src/persistence';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import { createAuthenticator, demoSecurityConfig } from '../../src/services/security';
import { HeldPackages, MessageLog } from '../../src/transfer';
import { importXpdl } from '../../src/xpdl';
import { LogCapture } from '../services/support';
import { createTypeormTestStore } from '../support/test-store';
import { logIn, openBrowser, type Browser } from './browser';
import { PERMIT_XPDL, USERS } from './support';
import { TypeormMessageLogRepository, TypeormHeldPackageRepository } from '../../src/persistence';

const LICENCE = readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8');

/**
 * An administrator of department tax decides held packages on the Definitions page, in Chromium,
 * and reads which fields reach each department; a user without admin sees nothing of them.
 */
describe('console in Chromium: held packages and data by department', function () {
  this.timeout(120_000);
  let store: TypeormStore;
  let engine: WorkflowEngine;
  let running: RunningServer;
  let held: HeldPackages;
  let browser: Browser;
  let page: Page;

  before(async () => {
    store = await createTypeormTestStore();
    engine = new WorkflowEngine({ store, department: 'tax' });
    const permit = readFileSync(PERMIT_XPDL, 'utf8');
    await engine.deploy(importXpdl(permit), { source: permit, actor: 'test' });
    held = new HeldPackages(new TypeormHeldPackageRepository(store), engine);
    await held.hold({ id: 'from-fire', packageId: 'business_licence_package', sender: 'fire', source: LICENCE, at: new Date(Date.now() - 1000) });
    await held.hold({ id: 'from-market', packageId: 'business_licence_package', sender: 'market', source: LICENCE, at: new Date() });
    const config = demoSecurityConfig(Object.values(USERS), { allowInsecureBasic: true });
    running = await createServer(engine, {
      log: new LogCapture().logger,
      security: createAuthenticator(config),
      console: { security: config, heldPackages: held, transferLog: new MessageLog(new TypeormMessageLogRepository(store)) },
    }).listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 500 });
    browser = await openBrowser();
    page = browser.page;
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await running?.close();
    await store?.close();
  });
  afterEach(() => {
    const problems = browser ? browser.problems.splice(0) : [];
    if (problems.length) throw new Error(`the browser reported problems:\n  ${problems.join('\n  ')}`);
  });

  const loginAs = (user: (typeof USERS)[keyof typeof USERS]): Promise<void> => logIn(page, running.url, user);

  /** The row of register_taxpayer in business_licence (the express process has one of the same name). */
  const taxpayerRow = (article: ReturnType<Page['locator']>) =>
    article.getByRole('row', { name: /Register taxpayer/ }).filter({ has: page.getByRole('cell', { name: 'business_licence', exact: true }) });

  async function definitions(): Promise<void> {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Definitions', exact: true }).click();
    await page.getByRole('heading', { name: 'Process definitions', level: 1 }).waitFor();
  }

  it('shows an administrator each held package with the activities it would add here, and approves one', async () => {
    await loginAs(USERS.admin);
    await definitions();
    await page.getByRole('heading', { name: 'Packages waiting for approval' }).waitFor();
    const fromFire = page.locator('article.held-package', { has: page.locator('h3', { hasText: 'fire' }) });
    expect(await page.locator('article.held-package').count()).to.equal(2);
    const row = taxpayerRow(fromFire);
    expect((await row.textContent())!).to.include('added').and.include('applicantId').and.include('taxpayerId');
    expect(await fromFire.textContent()).to.include('business_licence (new here)');
    await fromFire.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Installed package business_licence_package from fire.').waitFor();
    await page.getByRole('link', { name: 'Business licence', exact: true }).waitFor();
    expect(await page.locator('article.held-package').count(), 'one left to decide').to.equal(1);
    expect((await held.get('from-fire')).state).to.equal('installed');
  });

  it('rejects the other with a reason, and the section says nothing waits', async () => {
    const fromMarket = page.locator('article.held-package');
    expect(await taxpayerRow(fromMarket).textContent()).to.include('performed already');
    await fromMarket.getByLabel('Reason for rejecting (optional)').fill('market does not define the licence');
    await fromMarket.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('Rejected package business_licence_package from market.').waitFor();
    await page.getByText('No published package waits for a decision.').waitFor();
    expect(await held.get('from-market')).to.include({ state: 'rejected', reason: 'market does not define the licence', decidedBy: 'ops-admin' });
  });

  it("shows on a definition's page the fields each department receives and returns", async () => {
    await page.getByRole('link', { name: 'Business licence', exact: true }).click();
    await page.getByRole('heading', { name: 'Business licence', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Fields each department receives and returns' });
    const tax = table.getByRole('row', { name: /^tax/ });
    const cells = await tax.locator('td').allTextContents();
    expect(cells).to.deep.equal(['Register taxpayer', 'applicantId', 'taxpayerId']);
    expect(await table.getByRole('row').count(), 'header and fire, market, tax').to.equal(4);
  });

  it('shows a user without admin nothing of held packages', async () => {
    await held.hold({ id: 'later', packageId: 'business_licence_package', sender: 'market', source: LICENCE, at: new Date() });
    await loginAs(USERS.reader);
    await definitions();
    await page.getByRole('link', { name: 'Building permit', exact: true }).waitFor();
    expect(await page.getByRole('heading', { name: 'Packages waiting for approval' }).count()).to.equal(0);
    expect(await page.locator('article.held-package').count()).to.equal(0);
  });
});
