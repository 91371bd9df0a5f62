import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { Federation, makeCertificate } from '../binding/support';
import { testDatabaseKind } from '../support/test-store';
import { createTestStore } from '../support/test-store';
import { openBrowser } from './browser';
import { ConsoleClient, startConsoleServer, USERS, type ConsoleServer } from './support';

const SHOTS = process.env.INTERFLOW_SCREENSHOTS === 'docs' ? resolve(__dirname, '..', '..', 'docs') : mkdtempSync(join(tmpdir(), 'interflow-screenshots-'));

/**
 * A federation as self-registration builds it: a registry hub and the three permit departments'
 * engines, each registered with its signing certificate and leased bindings. The console of a
 * fourth server reads that registry.
 */
describe('console registry page with a registry (three self-registered departments)', function () {
  this.timeout(120_000);
  let f: Federation;
  let srv: ConsoleServer;
  const fingerprints: Record<string, string> = {};

  before(async () => {
    f = await Federation.open();
    for (const d of ['planning', 'environment', 'fire-safety']) {
      await f.publisher(d);
      const cert = makeCertificate(d);
      fingerprints[d] = cert.certificate.fingerprint;
      const e = await f.engine(d, { certificate: cert.certificate });
      await e.registration.whenRegistered();
    }
    // On MySQL every server of a suite shares the one test database.
    srv = await startConsoleServer({ registry: f.registry, console: { federationKeys: f.keys }, ...(testDatabaseKind() === 'mysql' ? { store: f.store } : { store: await createTestStore() }) });
  });

  after(async () => {
    await srv?.close();
    await f?.close();
  });

  it('lists the registered departments with their services, leased bindings and certificates', async () => {
    const c = new ConsoleClient(srv.url);
    expect((await c.login(USERS.admin.username, USERS.admin.password)).status).to.equal(200);
    const r = await c.get<{
      configured: boolean;
      departments: Array<{ code: string; registered: boolean; inDefinitions: boolean; certificates: Array<{ fingerprint: string }>; capabilities: string[]; services: Array<{ type?: string; bindings: Array<{ bindingKey: string; accessPoint: string; lease?: string; leaseExpired?: boolean; wsdlUrl?: string }> }> }>;
    }>('/registry');
    expect(r.body.configured).to.equal(true);
    expect(r.body.departments.map((d) => d.code)).to.deep.equal(['environment', 'fire-safety', 'planning']);
    for (const d of r.body.departments) {
      expect(d.registered && d.inDefinitions, d.code).to.equal(true);
      expect(d.certificates.map((x) => x.fingerprint), d.code).to.deep.equal([fingerprints[d.code]]);
      const bindings = d.services.flatMap((s) => s.bindings);
      expect(bindings.length, d.code).to.be.at.least(3);
      expect(bindings.every((b) => b.lease && b.leaseExpired === false), 'live leases').to.equal(true);
    }
    expect(r.body.departments.find((d) => d.code === 'environment')!.capabilities).to.include('building_permit/environment_review');

    // A binding's contract is read from the engine it names and shown as operations.
    const env = r.body.departments.find((d) => d.code === 'environment')!;
    const ps = env.services.find((s) => s.type === 'ProcessService')!.bindings[0]!;
    const w = await c.get<{ url: string; operations: Array<{ name: string }> }>(`/wsdl?binding=${encodeURIComponent(ps.bindingKey)}`);
    expect(w.status).to.equal(200);
    expect(w.body.url).to.equal(ps.wsdlUrl);
    expect(w.body.operations.map((o) => o.name)).to.include.members(['StartProcess', 'GetWorklist', 'CompleteWorkItem']);
  });

  it('shows them in Chromium', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${srv.url}/console/login`);
      await page.getByLabel('User name').fill(USERS.admin.username);
      await page.getByLabel('Password').fill(USERS.admin.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Registry', exact: true }).click();
      await page.getByRole('heading', { name: 'Registry', level: 1 }).waitFor();
      for (const d of ['planning', 'environment', 'fire-safety']) {
        const card = page.locator(`article.department[data-department="${d}"]`);
        await card.getByText('registered', { exact: true }).waitFor();
        await card.locator(`[data-fingerprint="${fingerprints[d]}"]`).waitFor();
      }
      const env = page.locator('article.department[data-department="environment"]');
      const row = env.locator('table.bindings tbody tr').filter({ hasText: '/services/ProcessService' }).first();
      await row.getByRole('button', { name: 'Show operations' }).click();
      await row.locator('summary').filter({ hasText: /^StartProcess\b/ }).waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: resolve(SHOTS, 'console-registry-federation.png'), fullPage: true });
      expect(browser.problems).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });
});
