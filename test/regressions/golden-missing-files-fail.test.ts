import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareWithGolden, goldenCoverage, goldenUpdate, wsdlOperations } from '../services/golden-support';
import { GOLDEN_SERVICES } from '../services/golden-worlds';

/**
 * Issue 15 item 7: the golden test wrote a missing response.xml and passed, so a golden file that
 * was never recorded (or was deleted) tested nothing; and it only knew ProcessService. Now a
 * missing folder or file fails, and only INTERFLOW_GOLDEN_UPDATE=1 writes.
 */
describe('regression: a missing golden file fails the run (issue 15 item 7)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'interflow-golden-regression-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing response.xml is a failure and is not written', () => {
    const file = join(dir, 'response.xml');
    expect(() => compareWithGolden(file, '<a/>', false)).to.throw(/response\.xml is missing: run with INTERFLOW_GOLDEN_UPDATE=1/);
    expect(existsSync(file)).to.equal(false);
  });

  it('a different response fails; INTERFLOW_GOLDEN_UPDATE=1 records it, after which it passes', () => {
    const file = join(dir, 'response.xml');
    writeFileSync(file, '<a>\n  <b>1</b>\n</a>\n');
    expect(() => compareWithGolden(file, '<a><b>1</b></a>', false), 'layout whitespace does not count').to.not.throw();
    expect(() => compareWithGolden(file, '<a><b>2</b></a>', false)).to.throw(/differs from/);
    expect(goldenUpdate({ INTERFLOW_GOLDEN_UPDATE: '1' })).to.equal(true);
    expect(goldenUpdate({ UPDATE_GOLDEN: '1' }), 'only the documented variable writes').to.equal(false);
    compareWithGolden(file, '<a><b>2</b></a>', true);
    expect(readFileSync(file, 'utf8')).to.equal('<a>\n  <b>2</b>\n</a>\n');
  });

  it('an operation of the WSDL without an Operation__case folder is reported, and so is a folder naming none', () => {
    const operations = wsdlOperations(resolve(__dirname, '../../wsdl/process-service.wsdl'));
    expect(operations).to.include.members(['StartProcess', 'CompleteWorkItem']);
    const folders = operations.filter((op) => op !== 'CompleteWorkItem').map((op) => `${op}__ok`);
    expect(goldenCoverage(operations, folders)).to.deep.equal({ missing: ['CompleteWorkItem'], strays: [] });
    expect(goldenCoverage(operations, [...folders, 'CompleteWorkItem__ok', 'StopProcess__ok', 'StartProcess']).strays).to.deep.equal(['StopProcess__ok', 'StartProcess']);
  });

  it('every service the servers expose is covered, the UDDI APIs and TransferService included', () => {
    const wsdls = ['process-service', 'wfxml-factory', 'wfxml-instance', 'wfxml-observer', 'transfer-service', 'uddi/uddi-inquiry', 'uddi/uddi-publication', 'uddi/uddi-security'];
    expect(GOLDEN_SERVICES.map((s) => s.wsdl).sort()).to.deep.equal(wsdls.map((w) => resolve(__dirname, `../../wsdl/${w}.wsdl`)).sort());
  });
});
