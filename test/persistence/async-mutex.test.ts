import { expect } from 'chai';
import { AsyncMutex } from '../../src/persistence/async-mutex';

describe('AsyncMutex', () => {
  it('runs holders one at a time, in arrival order, and survives a throwing holder', async () => {
    const mutex = new AsyncMutex();
    const events: string[] = [];
    let inside = 0;
    const task = (name: string, fail = false) =>
      mutex.runExclusive(async () => {
        inside += 1;
        expect(inside).to.equal(1);
        events.push(`${name}:in`);
        await new Promise((resolve) => setTimeout(resolve, 3));
        events.push(`${name}:out`);
        inside -= 1;
        if (fail) throw new Error(name);
      });
    const results = await Promise.allSettled([task('a'), task('b', true), task('c')]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(events).to.deep.equal(['a:in', 'a:out', 'b:in', 'b:out', 'c:in', 'c:out']);
  });

  it('tolerates a double release', async () => {
    const mutex = new AsyncMutex();
    const release = await mutex.acquire();
    release();
    release();
    const second = await mutex.acquire();
    let thirdIn = false;
    const third = mutex.acquire().then((r) => {
      thirdIn = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(thirdIn).to.equal(false);
    second();
    (await third)();
  });
});
