import { expect } from 'chai';
import type { DefinitionPackage, ProcessDefinition } from '../../src/engine/definition/process-definition';
import { scriptLanguageOf } from '../../src/engine/definition/script-language';
import { exportXpdl, importXpdl } from '../../src/xpdl';
import { isConditionLabel } from '../../src/xpdl/xpdl-condition-labels';
import { readFixture, withoutWarnings } from './xpdl-test-support';

/** An XPDL 2.1 package with one process, for small cases. */
function wrap(body: string, packageLevel = ''): string {
  return `<?xml version="1.0"?>
<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="inline">${packageLevel}
  <WorkflowProcesses><WorkflowProcess Id="p">${body}</WorkflowProcess></WorkflowProcesses>
</Package>`;
}

describe('XPDL scripts, XPDL 1.0 semantics and label conditions (import)', () => {
  describe('js-routing.xpdl (XPDL 1.0, Script Type="text/javascript")', () => {
    let pkg: DefinitionPackage;
    let p: ProcessDefinition;
    before(() => {
      pkg = importXpdl(readFixture('js-routing.xpdl'));
      p = pkg.processes[0];
    });

    it('keeps the declared script type on every process', () => {
      expect(p.scriptType).to.equal('text/javascript');
      expect(scriptLanguageOf(p.scriptType)).to.equal('javascript');
    });

    it('takes a JavaScript tool-agent script as the application script (not a handler)', () => {
      const app = p.applications.find((a) => a.id === 'summarise')!;
      expect(app.script).to.contain("whereToGo.split('')");
      expect(app.handler).to.equal(undefined);
      expect(pkg.warnings.join('\n')).not.to.contain('Application "summarise"');
    });

    it('reads an AND split with conditions as the multi-choice (OR), with a warning', () => {
      expect(p.activities.find((a) => a.id === 'summary')!.split).to.equal('or');
      expect(pkg.warnings.join('\n')).to.match(/Activity "summary" \(process "js_route"\) is an AND split whose transitions have conditions/);
    });

    it('keeps JavaScript conditions as written and a nameless EXCEPTION catches any exception', () => {
      const t = Object.fromEntries(p.transitions.map((x) => [x.id, x]));
      expect(t.to_a).to.include({ kind: 'condition', condition: "whereToGo.indexOf('A') != -1" });
      expect(t.to_a.decision).to.equal(undefined);
      expect(t.late).to.include({ kind: 'exception', condition: '*' });
    });

    it('keeps a deadline computed in JavaScript as its expression', () => {
      expect(p.activities.find((a) => a.id === 'c')!.deadlines).to.deep.equal([
        { duration: 'var d = new java.util.Date(); d.setTime(ACTIVITY_ACTIVATED_TIME.getTime() + minutes * 60000); d;', exceptionName: 'tooSlow', synchronous: true },
      ]);
    });

    it('exports the script type and re-imports the same definition', () => {
      const xml = exportXpdl(pkg);
      expect(xml).to.contain('<xpdl:Script Type="text/javascript"/>');
      expect(withoutWarnings(importXpdl(xml))).to.deep.equal(withoutWarnings(pkg));
    });
  });

  describe('label-decision.xpdl (labels exported by a modelling tool)', () => {
    let pkg: DefinitionPackage;
    before(() => {
      pkg = importXpdl(readFixture('label-decision.xpdl'));
    });

    it('marks label conditions as decisions and warns naming each transition', () => {
      const t = Object.fromEntries(pkg.processes[0].transitions.map((x) => [x.id, x]));
      expect(t.t_ok).to.include({ kind: 'condition', condition: 'Information available', decision: true });
      expect(t.t_parts).to.include({ kind: 'condition', condition: 'Individualteile benötigt', decision: true });
      const notes = pkg.warnings.filter((w) => /is a label, not an expression/.test(w));
      expect(notes).to.have.length(2);
      expect(notes[0]).to.match(/^Transition "t_ok" \(process "parts"\) has the condition "Information available"/);
      expect(pkg.processes[0].scriptType).to.equal(undefined);
    });

    it('exports the labels as they were and re-imports them as decisions', () => {
      const xml = exportXpdl(pkg);
      expect(xml).to.contain('Individualteile benötigt');
      expect(xml).not.to.contain('<xpdl:Script');
      expect(withoutWarnings(importXpdl(xml))).to.deep.equal(withoutWarnings(pkg));
    });
  });

  describe('telling a label from an expression', () => {
    const fields = new Set(['approved', 'amount', 'low', 'risk', 'whereToGo']);
    const labels = ['Information available', 'Individualteile benötigt', 'Approved?', 'Yes', 'no parts needed.', 'high-volume', 'Kunde existiert nicht', "Customer's choice"];
    const expressions = [
      'approved', 'amount > 100', "whereToGo.indexOf('B') != -1", 'not approved', 'approved and amount', 'typeof amount', 'low-risk',
      'true', '42', 'a b == c', 'approved == true', 'x in y',
    ];
    for (const text of labels) it(`"${text}" is a label`, () => expect(isConditionLabel(text, fields)).to.equal(true));
    for (const text of expressions) it(`"${text}" is not a label`, () => expect(isConditionLabel(text, fields)).to.equal(false));

    it('a bare word that names a data field is an expression, not a label', () => {
      const pkg = importXpdl(wrap(`
        <DataFields><DataField Id="ok"><DataType><BasicType Type="BOOLEAN"/></DataType></DataField></DataFields>
        <Activities><Activity Id="a"><Implementation><No/></Implementation></Activity><Activity Id="b"><Implementation><No/></Implementation></Activity></Activities>
        <Transitions><Transition Id="t" From="a" To="b"><Condition Type="CONDITION">ok</Condition></Transition></Transitions>`));
      expect(pkg.processes[0].transitions[0].decision).to.equal(undefined);
      expect(pkg.warnings).to.deep.equal([]);
    });
  });

  it('warns, naming the element, when the fields a JavaScript script uses cannot be decided', () => {
    const pkg = importXpdl(wrap(
      '<Activities><Activity Id="s"><Implementation><Task><TaskScript><Script>this["tot" + "al"] = 1;</Script></TaskScript></Task></Implementation></Activity></Activities>',
      '<Script Type="text/javascript"/>',
    ));
    expect(pkg.warnings).to.deep.equal([
      'Application "s__script" script (process "p"): which data fields its JavaScript reads cannot be decided (it uses "this", which reaches variables by computed name); every field is handed to it and it may change every field',
    ]);
  });

  describe('script languages other than JavaScript', () => {
    it('keeps BeanShell tool-agent scripts for a registered handler in a JavaScript package', () => {
      const pkg = importXpdl(wrap(
        '<Activities><Activity Id="a"><Implementation><Tool Id="bsh"/></Implementation></Activity></Activities>',
        `<Script Type="text/javascript"/><Applications><Application Id="bsh"><ExtendedAttributes>
          <ExtendedAttribute Name="ToolAgentClass" Value="org.enhydra.shark.toolagent.BshToolAgent"/>
          <ExtendedAttribute Name="Script" Value="import java.util.*; x = new ArrayList();"/></ExtendedAttributes></Application></Applications>`,
      ));
      const app = pkg.processes[0].applications[0];
      expect(app.script).to.equal(undefined);
      expect(app.handler).to.equal('bsh');
      expect(pkg.warnings[0]).to.match(/Application "bsh" .* carries a script Interflow does not run \(org\.enhydra\.shark\.toolagent\.BshToolAgent\)/);
    });

    it('runs a Java package in the engine language and refuses a TaskScript it cannot read', () => {
      expect(scriptLanguageOf('text/java')).to.equal('interflow');
      expect(scriptLanguageOf(' Text/JavaScript ')).to.equal('javascript');
      expect(scriptLanguageOf('application/ecmascript')).to.equal('javascript');
      expect(() => importXpdl(wrap(
        '<Activities><Activity Id="s"><Implementation><Task><TaskScript><Script>list.add(1)</Script></TaskScript></Task></Implementation></Activity></Activities>',
        '<Script Type="text/java"/>',
      ))).to.throw(/TaskScript in Activity "s".*statement language/);
    });

    it('accepts a JavaScript TaskScript in a JavaScript package (its syntax is checked at deploy)', () => {
      const pkg = importXpdl(wrap(
        '<Activities><Activity Id="s"><Implementation><Task><TaskScript><Script>var list = [1, 2]; total = list.reduce(function (a, b) { return a + b; }, 0);</Script></TaskScript></Task></Implementation></Activity></Activities>',
        '<Script Type="text/ecmascript"/>',
      ));
      expect(pkg.processes[0].applications[0].script).to.contain('list.reduce');
    });
  });
});
