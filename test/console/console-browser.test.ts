import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { openBrowser, type Browser } from './browser';
import { startDemo, type DemoServer } from './demo-server';

/**
 * Screenshots are taken on every run; they replace the README's (docs/console-*.png) only with
 * INTERFLOW_SCREENSHOTS=docs, so an ordinary test run leaves the work tree as it was.
 */
const DOCS = process.env.INTERFLOW_SCREENSHOTS === 'docs' ? resolve(__dirname, '..', '..', 'docs') : mkdtempSync(join(tmpdir(), 'interflow-screenshots-'));

/**
 * The console as a new user meets it: the README's demo, served, driven in Debian's Chromium.
 * A building permit case is started and worked through the worklist pages by the users of the
 * departments it crosses, and its page follows it to its end. Any console error or failed
 * request fails the test. Screenshots of the main pages go to docs/ (README shows them).
 */
describe('console in Chromium (the demo, served)', function () {
  this.timeout(240_000);
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  let caseUrl = '';

  before(async () => {
    mkdirSync(DOCS, { recursive: true });
    demo = await startDemo();
    browser = await openBrowser();
    page = browser.page;
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const file = join(mkdtempSync(join(tmpdir(), 'interflow-failed-')), 'page.png');
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      console.error(`    the page at ${page.url()} when the step failed: ${file}\n    ${browser.problems.join('\n    ')}`);
    }
    // Checked after every step, so a failure names the step where the browser complained.
    const problems = browser ? browser.problems.splice(0) : [];
    if (problems.length && this.currentTest?.state !== 'failed') throw new Error(`the browser reported problems:\n  ${problems.join('\n  ')}`);
  });

  async function login(username: string): Promise<void> {
    await page.goto(`${demo.url}/console/`);
    const logout = page.getByRole('button', { name: 'Log out' });
    // isVisible() does not wait: on a busy machine the page had not drawn either yet, the logged-in
    // session was taken for none, and the login form never came.
    await logout.or(page.getByLabel('User name')).first().waitFor();
    if (await logout.isVisible()) {
      await logout.click();
      await page.getByRole('heading', { name: 'Log in to the Interflow console' }).waitFor();
    }
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(demo.passwords[username]!);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.locator('#who').getByText(username).waitFor();
  }

  async function nav(name: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }

  async function shot(name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: resolve(DOCS, `console-${name}.png`), fullPage: true });
  }

  /** From the worklist, opens the item of our case for an activity, fills the form, completes it. */
  async function work(username: string, activity: string, answers: Record<string, string | boolean>, screenshot?: string, listScreenshot?: string): Promise<void> {
    await login(username);
    await nav('Worklist');
    await page.getByRole('heading', { name: 'Worklist', level: 1 }).waitFor();
    if (listScreenshot) await shot(listScreenshot);
    const row = page.locator('table.worklist tbody tr').filter({ hasText: 'Console test permit' }).filter({ hasText: activity }).first();
    await row.getByRole('link', { name: new RegExp(activity) }).click();
    await page.getByRole('heading', { name: activity, level: 1 }).waitFor();
    for (const [field, value] of Object.entries(answers)) {
      if (typeof value === 'boolean') {
        await page.getByRole('group', { name: new RegExp(`\\(${field}\\)`) }).getByLabel(value ? 'Yes' : 'No').check();
      } else {
        await page.getByLabel(new RegExp(`\\(${field}\\)`)).fill(value);
      }
    }
    if (screenshot) await shot(screenshot);
    await page.getByRole('button', { name: 'Complete' }).click();
    await page.getByRole('heading', { name: 'Worklist', level: 1 }).waitFor();
    await page.getByText(`Completed “${activity}”`).waitFor();
  }

  it('logs in with a demo user and shows the overview', async () => {
    await page.goto(`${demo.url}/`);
    await page.getByRole('heading', { name: 'Log in to the Interflow console' }).waitFor();
    expect(page.url()).to.include('/console/login');
    await login('demo-admin');
    await page.getByText('Process definitions').first().waitFor();
    await shot('overview');
  });

  it('shows the three departments of the permit process on the registry page, and a contract as operations', async () => {
    await nav('Registry');
    await page.getByRole('heading', { name: 'Registry', level: 1 }).waitFor();
    await page.getByText('The registry is not configured on this server.').waitFor();
    for (const code of ['planning', 'environment', 'fire-safety']) {
      expect(await page.locator(`article.department[data-department="${code}"]`).count(), code).to.equal(1);
    }
    const row = page.locator('table.services tbody tr').filter({ hasText: 'ProcessService' });
    await row.getByRole('button', { name: 'Show operations' }).click();
    const operation = (name: string) => row.locator('summary').filter({ hasText: new RegExp(`^${name}\\b`) });
    await operation('StartProcess').waitFor();
    await operation('CompleteWorkItem').waitFor();
    await operation('StartProcess').click();
    await row.getByText('ProcessDefinitionId').first().waitFor();
    expect(await row.getByRole('link', { name: 'raw ?wsdl' }).getAttribute('href')).to.equal(`${demo.url}/services/ProcessService?wsdl`);
    await shot('registry');
  });

  it('draws a definition as an SVG graph: a node per activity, arcs, gateways and condition labels', async () => {
    await nav('Definitions');
    await page.getByRole('link', { name: 'Building permit', exact: true }).click();
    await page.getByRole('heading', { name: 'Building permit', level: 1 }).waitFor();
    const svg = page.locator('svg.graph');
    await svg.waitFor();
    const activities = ['start', 'register', 'environment_review', 'fire_review', 'collect_reviews', 'approved', 'request_changes', 'issue_permit', 'notify_choice', 'send_email', 'send_sms', 'notified', 'site_inspection', 'archive', 'end'];
    for (const a of activities) expect(await svg.locator(`g.node[data-node="${a}"]`).count(), `node ${a}`).to.equal(1);
    const transitions = ['t_start_register', 't_register_environment', 't_register_fire', 't_environment_collect', 't_fire_collect', 't_collect_approved', 't_approved_issue', 't_approved_changes', 't_changes_register', 't_issue_notify', 't_notify_email', 't_notify_sms', 't_email_notified', 't_sms_notified', 't_notified_inspection', 't_inspection_archive', 't_archive_end'];
    for (const t of transitions) expect(await svg.locator(`path.edge[data-edge="${t}"]`).count(), `arc ${t}`).to.equal(1);
    expect(await svg.locator('g.node.shape-gateway').count(), 'gateways (route activities and the split/join of register)').to.be.at.least(6);
    expect(await svg.locator('g.node[data-node="register~split"]').count(), 'the AND-split of register').to.equal(1);
    const labels = await svg.locator('g.edge-label').allTextContents();
    expect(labels.join(' | ')).to.include('envOk && fireOk').and.include('otherwise').and.include('notifyEmail');
    // Departments colour the activities differently.
    const classOf = async (id: string) => (await svg.locator(`g.node[data-node="${id}"]`).getAttribute('class')) ?? '';
    const deptOf = async (id: string) => /dept-\d/.exec(await classOf(id))?.[0];
    expect(await deptOf('register')).to.not.equal(await deptOf('environment_review'));
    expect(await deptOf('environment_review')).to.not.equal(await deptOf('fire_review'));
    const download = await page.getByRole('link', { name: 'Download XPDL 2.1' }).getAttribute('href');
    const xpdl = await (await fetch(`${demo.url}${download}`, { headers: { Cookie: await cookieHeader(page) } })).text();
    expect(xpdl).to.include('<xpdl:WorkflowProcess Id="building_permit"');
    await shot('definition');
  });

  it('starts a case from the start form as the planning clerk', async () => {
    await login('demo-clerk');
    await page.goto(`${demo.url}/console/definitions/building_permit/latest`);
    await page.getByRole('heading', { name: 'Building permit', level: 1 }).waitFor();
    await page.getByText('Start a case').click();
    await page.getByLabel('Subject (optional)').fill('Console test permit');
    await page.getByLabel(/\(caseRef\)/).fill('BP-2026-0100');
    await page.getByRole('button', { name: 'Start the case' }).click();
    await page.getByRole('heading', { name: 'Case Console test permit', level: 1 }).waitFor();
    caseUrl = page.url();
    expect(await page.locator('[data-case-state]').getAttribute('data-case-state')).to.equal('open.running');
    await page.locator('[data-open-activity="register"]').getByText('planning').waitFor();
    expect(await page.locator('svg.graph g.node[data-node="register"]').getAttribute('data-state')).to.equal('active');
  });

  it('completes the case through the worklist pages of each department, and the case page follows it across departments', async () => {
    await work('demo-clerk', 'Register application', { caseRef: 'BP-2026-0100', notifyEmail: true, notifySms: false }, 'workitem');
    await work('demo-environment', 'Environmental review', { envOk: true });

    // Half-way: environment is done, fire safety has the case; the graph and the trace say so.
    await page.goto(caseUrl);
    const svg = page.locator('svg.graph');
    await svg.waitFor();
    expect(await svg.locator('g.node[data-node="environment_review"]').getAttribute('data-state')).to.equal('done');
    expect(await svg.locator('g.node[data-node="fire_review"]').getAttribute('data-state')).to.equal('active');
    expect(await svg.locator('g.node[data-node="collect_reviews"]').getAttribute('data-state')).to.equal('waiting');
    await page.locator('[data-open-activity="fire_review"]').getByText('fire-safety').waitFor();
    const steps = page.locator('ol.timeline li');
    expect(await steps.count()).to.equal(3);
    expect(await steps.nth(1).getAttribute('data-to')).to.equal('environment');
    expect(await steps.nth(1).textContent()).to.include('hand-over');
    await shot('case');

    await work('demo-fire', 'Fire safety review', { fireOk: true }, undefined, 'worklist');
    await work('demo-clerk', 'Issue permit', {});
    await work('demo-inspector', 'Site inspection', {});
    await work('demo-inspector', 'Site inspection', {});

    // The case page (open while the last step happens elsewhere) follows the case to its end.
    await page.goto(caseUrl);
    await page.locator('[data-case-state="closed.completed"]').waitFor({ timeout: 20_000 });
    const trace = await page.locator('ol.timeline li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-to')));
    expect(trace).to.deep.equal(['planning', 'environment', 'fire-safety', 'planning', 'planning', 'planning', 'planning'].slice(0, trace.length));
    expect(trace).to.include.members(['planning', 'environment', 'fire-safety']);
    expect(await page.locator('[data-value="archiveId"]').textContent()).to.equal('ARC-BP-2026-0100');
    for (const a of ['register', 'environment_review', 'fire_review', 'issue_permit', 'site_inspection', 'archive', 'end']) {
      expect(await page.locator(`svg.graph g.node[data-node="${a}"]`).getAttribute('data-state'), a).to.equal('done');
    }
    expect(await page.locator('svg.graph g.node[data-node="request_changes"]').getAttribute('data-state')).to.equal('idle');
    await shot('case-completed');
  });

  it('follows a case live: the open case page redraws when another user completes its work', async () => {
    await login('demo-clerk');
    await page.goto(`${demo.url}/console/cases?q=waiting%20for%20you`);
    await page.getByRole('link', { name: 'waiting for you' }).click();
    await page.locator('[data-open-activity="register"]').waitFor();
    const id = decodeURIComponent(page.url().split('/').pop()!);
    // Another department's system completes the registration over the API, not in this page.
    const items = await (await fetch(`${demo.url}/console/api/worklist`, { headers: { Cookie: await cookieHeader(page) } })).json() as { items: Array<{ id: string; instanceId: string; activityId: string }> };
    const item = items.items.find((i) => i.instanceId === id && i.activityId === 'register')!;
    const csrf = await page.evaluate(async () => ((await (await fetch('/console/api/session')).json()) as { csrf: string }).csrf);
    const done = await fetch(`${demo.url}/console/api/workitems/${item.id}/complete`, { method: 'POST', headers: { Cookie: await cookieHeader(page), 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: '{"data":{}}' });
    expect(done.status).to.equal(200);
    await page.locator('[data-open-activity="environment_review"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('svg.graph g.node[data-node="register"]').getAttribute('data-state')).to.equal('done');
  });

  it('lets an administrator suspend, resume and terminate a case, and hides those actions from others', async () => {
    await page.goto(`${demo.url}/console/cases?q=waiting%20for%20you`);
    await page.getByRole('link', { name: 'waiting for you' }).click();
    await page.locator('[data-case-state]').waitFor();
    expect(await page.getByRole('group', { name: 'Administrative actions' }).count(), 'the clerk is no administrator').to.equal(0);
    await login('demo-admin');
    await page.goto(`${demo.url}/console/cases?q=waiting%20for%20you`);
    await page.getByRole('link', { name: 'waiting for you' }).click();
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('[data-case-state="open.notrunning.suspended"]').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-case-state="open.running"]').waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Terminate' }).click();
    await page.locator('[data-case-state="closed.abnormalCompleted.terminated"]').waitFor();
    await page.getByText('The case ended abnormally').waitFor();
  });

  it('lists and searches cases with paging', async () => {
    await nav('Cases');
    await page.getByRole('heading', { name: 'Cases', level: 1 }).waitFor();
    expect(await page.locator('table.cases tbody tr').count()).to.be.at.least(5);
    await page.getByLabel('Search').fill('BP-2026-0100');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('link', { name: 'Console test permit' }).waitFor();
    await page.getByLabel('State').selectOption('closed.completed');
    await page.getByLabel('Search').fill('');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('nav.pager').getByText(/of \d+/).waitFor();
    const states = await page.locator('table.cases tbody .badge').allTextContents();
    expect(states.every((s) => s === 'closed.completed')).to.equal(true);
    await shot('cases');
  });
});

async function cookieHeader(page: Page): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}
