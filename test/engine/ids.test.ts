import { expect } from 'chai';
import { uuidIds, uuidV7 } from '../../src/engine/ids';

describe('engine ids', () => {
  it('are version 7 UUIDs carrying the time they were made', () => {
    const at = Date.UTC(2026, 11, 2, 7, 0, 0, 123);
    const id = uuidV7(at);
    expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).to.equal(at);
  });

  it('sort in the order they were made across milliseconds, so new rows go next to the last ones', () => {
    const ids = Array.from({ length: 50 }, (_, i) => uuidV7(1_800_000_000_000 + i));
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('never repeat, also within one millisecond and across refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) seen.add(i % 2 ? uuidIds.instanceId() : uuidV7(1_800_000_000_000));
    expect(seen.size).to.equal(2_000);
    expect(uuidIds.workItemId()).to.not.equal(uuidIds.messageId());
  });
});
