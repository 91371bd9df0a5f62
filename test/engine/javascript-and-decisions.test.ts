import { expect } from 'chai';
import { activityDataContract, BRANCH_FIELD, DefinitionError, InstanceStates, InvalidDataError, ManualClock, WorkflowEngine, type Store } from '../../src/engine';
import { CompiledDefinition } from '../../src/engine/definition/compiled-definition';
import { compileJavaScriptExpression, compileJavaScriptScript, loadJavaScript } from '../../src/engine/script/javascript';
import { importXpdl } from '../../src/xpdl';
import { readFixture } from '../xpdl/xpdl-test-support';
import { createTestStore } from '../support/test-store';
import { app, auto, end, field, flow, manual, pkg, process, start } from '../support/definition-builder';

const JS = 'text/javascript';

describe('JavaScript packages and human decisions (engine)', () => {
  let store: Store;
  let engine: WorkflowEngine;
  let clock: ManualClock;

  before(async () => {
    store = await createTestStore();
    clock = new ManualClock(Date.UTC(2026, 11, 2, 9, 0, 0));
    engine = new WorkflowEngine({ store, clock });
  });
  after(async () => store.close());

  async function open(instanceId: string) {
    return engine.worklist({ instanceId });
  }

  async function complete(instanceId: string, activityId: string, data?: Record<string, unknown>, actor = 'tester') {
    const item = (await open(instanceId)).find((i) => i.activityId === activityId);
    expect(item, `an open work item for ${activityId}`).to.exist;
    return engine.completeWorkItem(item!.id, { data, actor });
  }

  describe('js-routing.xpdl', () => {
    before(async () => {
      await engine.deploy(importXpdl(readFixture('js-routing.xpdl')));
    });

    it('runs the JavaScript tool script and takes every branch whose JavaScript condition holds', async () => {
      const inst = await engine.startProcess('js_route', { data: { when: '2026-01-01T00:00:00.000Z' } });
      await complete(inst.id, 'prepare', { whereToGo: 'AB' });
      expect((await open(inst.id)).map((i) => i.activityId).sort()).to.deep.equal(['a', 'b']);
      const view = await engine.getInstance(inst.id);
      // visits: INTEGER 0 + 2 letters; the DATETIME went in as a Date and came back a day later.
      expect(view.data).to.include({ visits: 2, note: 'via A-B', when: '2026-01-02T00:00:00.000Z' });
      await complete(inst.id, 'a');
      expect((await complete(inst.id, 'b')).state).to.equal(InstanceStates.completed);
    });

    it('computes the deadline in JavaScript as Shark writes it (a java.util.Date from ACTIVITY_ACTIVATED_TIME) and a nameless EXCEPTION transition catches it', async () => {
      const inst = await engine.startProcess('js_route', { data: { minutes: 5 } });
      await complete(inst.id, 'prepare', { whereToGo: 'c' });
      expect((await open(inst.id)).map((i) => i.activityId)).to.deep.equal(['c']);
      clock.advance(4 * 60_000);
      await engine.fireDueTimers();
      expect((await open(inst.id)).map((i) => i.activityId)).to.deep.equal(['c']);
      clock.advance(2 * 60_000);
      await engine.fireDueTimers();
      expect((await open(inst.id)).map((i) => i.activityId)).to.deep.equal(['escalate']);
      const passed = (await engine.history(inst.id)).find((h) => h.type === 'deadline.passed');
      expect(passed?.detail).to.deep.equal({ exception: 'tooSlow', handled: true });
    });
  });

  describe('the sandbox', () => {
    it('refuses a JavaScript syntax error at deploy, naming the element', async () => {
      const bad = process('js_bad', {
        activities: [start(), manual('a'), manual('b'), end()],
        transitions: [flow('start', 'a'), { ...flow('a', 'b', 'status.indexOf("x" != -1'), id: 'bad_flow' }, flow('b', 'end')],
        fields: [field('status', 'STRING')],
      });
      bad.scriptType = JS;
      const e = await engine.deploy(pkg(bad)).then(() => undefined, (x: unknown) => x);
      expect(e).to.be.instanceOf(DefinitionError);
      expect((e as Error).message).to.match(/Transition "bad_flow" condition "status\.indexOf\("x" != -1": JavaScript SyntaxError: expecting ','$/m);
    });

    it('has no host access and stops a script that runs too long, failing the activity with the reason', async () => {
      const def = process('js_sandbox', {
        activities: [start(), auto('probe', 'probe'), auto('spin', 'spin'), end()],
        transitions: [flow('start', 'probe'), flow('probe', 'spin'), flow('spin', 'end')],
        fields: [field('found', 'STRING')],
        applications: [
          app('probe', { script: "found = [typeof require, typeof process, typeof fetch, typeof std, typeof os].join(',');" }),
          app('spin', { script: 'while (true) {}' }),
        ],
      });
      def.scriptType = JS;
      await engine.deploy(pkg(def));
      await loadJavaScript({ timeMs: 200 });
      try {
        const inst = await engine.startProcess('js_sandbox');
        const view = await engine.getInstance(inst.id);
        expect(view.data.found).to.equal('undefined,undefined,undefined,undefined,undefined');
        const failed = (await engine.history(inst.id)).find((h) => h.type === 'activity.failed');
        expect(failed?.activityId).to.equal('spin');
        expect(JSON.stringify(failed?.detail)).to.match(/ran longer than 200 ms \(INTERFLOW_SCRIPT_TIMEOUT_MS\)/);
      } finally {
        await loadJavaScript({ timeMs: 1000 });
      }
    });

    it('gives the Java that Shark (Rhino) scripts use for bookkeeping a JavaScript meaning, and names any other Java it meets', async () => {
      await loadJavaScript();
      const script = compileJavaScriptScript('java.lang.System.out.println("c=" + a * b); c = java.lang.Math.round(a * b); n = java.lang.Integer.parseInt("12");');
      expect(script.run({ a: 1.5, b: 3 })).to.deep.equal({ c: 5, n: 12 });
      expect(() => compileJavaScriptScript('var m = new java.util.HashMap();').run({})).to.throw(/JavaScript ReferenceError: java\.util\.HashMap is Java/);
    });

    it('answers literals and bare field names without the interpreter, as the interpreter would', async () => {
      await loadJavaScript();
      expect(compileJavaScriptExpression('42').evaluate({})).to.equal(42);
      expect(compileJavaScriptExpression('"Good day"').evaluate({})).to.equal('Good day');
      const flag = compileJavaScriptExpression('approved');
      expect(flag.test!({ approved: true })).to.equal(true);
      expect(flag.test!({ approved: '' })).to.equal(false);
      expect(flag.test!({ approved: 'false' })).to.equal(true); // JavaScript truthiness, as Shark's Rhino
      expect(flag.evaluate({ approved: null })).to.equal(null);
      // Not in scope: the interpreter answers, with JavaScript's own error.
      expect(() => flag.evaluate({})).to.throw(/JavaScript ReferenceError: 'approved' is not defined/);
    });

    it('computes the data contract from the JavaScript: names read and assigned, all fields when it cannot tell', async () => {
      const def = process('js_contract', {
        activities: [start(), auto('calc', 'calc'), auto('dyn', 'dyn'), end()],
        transitions: [flow('start', 'calc'), flow('calc', 'dyn'), flow('dyn', 'end')],
        fields: [field('price', 'FLOAT'), field('qty', 'INTEGER'), field('total', 'FLOAT'), field('secret', 'STRING'), field('log', 'STRING')],
        applications: [
          app('calc', { script: 'var t = price * qty; total = t; log = "x".concat(total);' }),
          app('dyn', { script: 'this["to" + "tal"] = 1;' }),
        ],
      });
      def.scriptType = JS;
      await loadJavaScript();
      const compiled = CompiledDefinition.compile(def);
      expect(compiled.dataContract('calc')).to.deep.include({ reads: ['log', 'price', 'qty', 'total'], writes: ['log', 'total'] });
      expect(compiled.dataContract('dyn')).to.deep.include({ reads: ['log', 'price', 'qty', 'secret', 'total'], writes: ['log', 'price', 'qty', 'secret', 'total'] });
      // Without the interpreter (data flows shown for a definition not compiled here): the same contract.
      expect(activityDataContract(def, def.activities[1])).to.deep.equal(compiled.dataContract('calc'));
      expect(activityDataContract(def, def.activities[2])).to.deep.equal(compiled.dataContract('dyn'));
    });
  });

  describe('label conditions: a person decides', () => {
    before(async () => {
      await engine.deploy(importXpdl(readFixture('label-decision.xpdl')));
    });

    it('offers the decision to the performer, lists the labels, and follows the chosen branch', async () => {
      const inst = await engine.startProcess('parts');
      await complete(inst.id, 'inspect', undefined, 'wanda');
      const [item] = await open(inst.id);
      expect(item).to.include({ activityId: 'gw', kind: 'decision', participant: 'workshop' });
      expect(item.activityName).to.equal('Parts?: choose Information available | Individualteile benötigt');
      expect(item.data).to.deep.equal({ [BRANCH_FIELD]: ['Information available', 'Individualteile benötigt'] });

      const noChoice = await engine.completeWorkItem(item.id, { data: {}, actor: 'wanda' }).then(() => undefined, (x: unknown) => x);
      expect(noChoice).to.be.instanceOf(InvalidDataError);
      expect((noChoice as Error).message).to.match(/is a decision: complete it with the data item "@branch" set to one of "Information available", "Individualteile benötigt"/);
      const wrong = await engine.completeWorkItem(item.id, { data: { [BRANCH_FIELD]: 'maybe' } }).then(() => undefined, (x: unknown) => x);
      expect((wrong as Error).message).to.match(/"maybe" is not a branch here/);

      await engine.completeWorkItem(item.id, { data: { [BRANCH_FIELD]: 'individualteile benötigt' }, actor: 'wanda' });
      expect((await open(inst.id)).map((i) => i.activityId)).to.deep.equal(['order']);
      const history = await engine.history(inst.id);
      const made = history.find((h) => h.type === 'decision.made');
      expect(made).to.include({ activityId: 'gw', actor: 'wanda' });
      expect(made?.detail).to.deep.equal({ took: ['t_parts'], labels: ['Individualteile benötigt'] });
      expect((await complete(inst.id, 'order')).state).to.equal(InstanceStates.completed);
    });

    it('accepts the transition Id as the choice', async () => {
      const inst = await engine.startProcess('parts');
      await complete(inst.id, 'inspect');
      const [item] = await open(inst.id);
      await engine.completeWorkItem(item.id, { data: { [BRANCH_FIELD]: 't_ok' } });
      expect((await open(inst.id)).map((i) => i.activityId)).to.deep.equal(['assemble']);
    });
  });
});
