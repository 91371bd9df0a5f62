import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { WorkflowEngine } from '../../src/engine';
import { openStore } from '../../src/persistence';
import { importXpdl } from '../../src/xpdl';
import { readFixture } from '../xpdl/xpdl-test-support';
import { freshSqlitePath } from '../support/test-store';

/**
 * Issue 12: QuickJS is loaded when a server starts if a deployed definition is JavaScript, so the
 * first case does not pay for it; with none, it stays unloaded. Each server runs in a fresh
 * process (the interpreter is loaded once per process, and this one has loaded it already).
 */
describe('serve: the JavaScript interpreter is loaded at start only when a deployed definition needs it', function () {
  this.timeout(60_000);

  async function servedWith(files: string[]): Promise<{ loadedBeforeServe: boolean; loadedWhenListening: boolean; languages: string[] }> {
    const db = `sqlite:${freshSqlitePath()}`;
    const store = await openStore(db);
    try {
      for (const f of files) await new WorkflowEngine({ store }).deploy(importXpdl(readFixture(f)));
    } finally {
      await store.close();
    }
    const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, 'fixtures', 'serve-languages.ts'), db], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    return JSON.parse(run.stdout.trim().split('\n').pop()!);
  }

  it('loads it before listening when a JavaScript package is deployed', async () => {
    expect(await servedWith(['label-decision.xpdl', 'js-routing.xpdl'])).to.deep.equal({ loadedBeforeServe: false, loadedWhenListening: true, languages: ['javascript'] });
  });

  it('leaves it unloaded when every definition is in the own language', async () => {
    expect(await servedWith(['label-decision.xpdl', 'unconditional-choice.xpdl'])).to.deep.equal({ loadedBeforeServe: false, loadedWhenListening: false, languages: [] });
  });
});
