import { expect } from 'chai';
import path from 'path';
import { main } from '../../src/cli/main';
import { freshSqlitePath } from '../support/test-store';

interface Run { code: number; stdout: string; stderr: string }

/** Issue 12: a split whose conditions are labels is decided from the CLI with `complete --branch`. */
describe('interflow CLI: deploying label conditions and deciding with complete --branch', () => {
  const db = `sqlite:${freshSqlitePath()}`;
  const file = path.resolve(__dirname, '../fixtures/xpdl/label-decision.xpdl');

  async function cli(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await main(['node', 'interflow', '--db', db, ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    return { code, stdout, stderr };
  }

  it('deploys with a warning per label, offers the decision and takes the branch given', async () => {
    const deployed = await cli('deploy', file);
    expect(deployed.code, deployed.stderr).to.equal(0);
    expect(deployed.stderr).to.match(/warning: Transition "t_ok" \(process "parts"\) has the condition "Information available", which is a label/);
    expect(deployed.stderr).to.match(/warning: Transition "t_parts"/);

    const started = await cli('start', 'parts');
    expect(started.code, started.stderr).to.equal(0);
    const inspect = /work item (\S+) {2}Inspect the order/.exec(started.stdout)![1];
    const inspected = await cli('complete', inspect);
    expect(inspected.code, inspected.stderr).to.equal(0);
    const decision = /next: (\S+) {2}Parts\?: choose Information available \| Individualteile benötigt {2}for workshop/.exec(inspected.stdout);
    expect(decision, inspected.stdout).to.not.equal(null);

    const missing = await cli('complete', decision![1]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/is a decision: complete it with the data item "@branch" set to one of "Information available", "Individualteile benötigt"/);

    const chosen = await cli('complete', decision![1], '--branch', 'Individualteile benötigt', '--actor', 'wanda');
    expect(chosen.code, chosen.stderr).to.equal(0);
    expect(chosen.stdout).to.match(/next: \S+ {2}Order parts {2}for workshop/);
  });
});
