import { expect } from 'chai';
describe('toolchain', () => { it('runs TypeScript tests', () => { const x: number = 1; expect(x).to.equal(1); }); });
