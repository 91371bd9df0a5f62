import { expect } from 'chai';
import { CompiledDefinition } from '../../../src/engine/definition/compiled-definition';
import type { ActivityInstance, TokenState } from '../../../src/engine/ports/records';
import {
  chooseOutgoing,
  exceptionTarget,
  findEnabled,
  NoBranchHoldsError,
  waitingInFrontOf,
  type Marking,
} from '../../../src/engine/runtime/token-game';
import { end, flow, manual, process, route, start } from '../../support/definition-builder';
import type { TransitionDef } from '../../../src/engine';

/** The token game without a database: a definition graph and a marking in, an answer out. */
describe('token game (pure)', () => {
  const tok = (id: string, arc: string, choiceGroup?: string): TokenState => ({ id, arc, ...(choiceGroup ? { choiceGroup } : {}) });
  const active = (activityId: string): ActivityInstance => ({ id: `ai-${activityId}`, activityId, state: 'active', iteration: 1, startedAt: '' });
  const marking = (tokens: TokenState[], activities: ActivityInstance[] = []): Marking => ({ tokens, activities });

  function diamond(join: 'and' | 'or' | 'xor') {
    const t = {
      s: { id: 's_split', from: 'start', to: 'split', kind: 'normal' } as TransitionDef,
      a: { id: 'split_a', from: 'split', to: 'a', kind: 'normal' } as TransitionDef,
      b: { id: 'split_b', from: 'split', to: 'b', kind: 'normal' } as TransitionDef,
      aj: { id: 'a_join', from: 'a', to: 'join', kind: 'normal' } as TransitionDef,
      bj: { id: 'b_join', from: 'b', to: 'join', kind: 'normal' } as TransitionDef,
      je: { id: 'join_end', from: 'join', to: 'end', kind: 'normal' } as TransitionDef,
    };
    const def = CompiledDefinition.compile(
      process('diamond', {
        activities: [start(), route('split', { split: 'and' }), manual('a'), manual('b'), route('join', { join }), end()],
        transitions: Object.values(t),
      }),
    );
    return { def, t };
  }

  it('a start token enables its activity and is the only token consumed', () => {
    const { def } = diamond('and');
    const enabled = findEnabled(def, marking([tok('t1', 'start:start')]));
    expect(enabled?.activity.id).to.equal('start');
    expect(enabled?.consumed.map((x) => x.id)).to.deep.equal(['t1']);
  });

  it('an AND-join is enabled only when every input holds a token, and consumes one per input', () => {
    const { def } = diamond('and');
    expect(findEnabled(def, marking([tok('t1', 'a_join')], [active('b')]))).to.equal(undefined);
    const enabled = findEnabled(def, marking([tok('t1', 'a_join'), tok('t2', 'b_join'), tok('t3', 'a_join')]));
    expect(enabled?.activity.id).to.equal('join');
    expect(enabled?.consumed.map((x) => x.id)).to.deep.equal(['t1', 't2']);
  });

  it('an XOR-join fires on any one input', () => {
    const { def } = diamond('xor');
    const enabled = findEnabled(def, marking([tok('t9', 'b_join')], [active('a')]));
    expect(enabled?.activity.id).to.equal('join');
    expect(enabled?.consumed.map((x) => x.id)).to.deep.equal(['t9']);
  });

  it('an OR-join waits while live work can still reach an empty input, and fires once that branch is dead', () => {
    const { def } = diamond('or');
    // b is still being performed: its token can still arrive.
    expect(findEnabled(def, marking([tok('t1', 'a_join')], [active('b')]))).to.equal(undefined);
    // a token waits in front of b: it can still arrive too.
    expect(findEnabled(def, marking([tok('t1', 'a_join'), tok('t2', 'split_b')]))?.activity.id).to.equal('b');
    // nothing is live on b's side: the join fires with what it has.
    const enabled = findEnabled(def, marking([tok('t1', 'a_join')]));
    expect(enabled?.activity.id).to.equal('join');
    expect(enabled?.consumed.map((x) => x.id)).to.deep.equal(['t1']);
  });

  it('an XOR split takes the first transition whose condition holds, in definition order', () => {
    const def = CompiledDefinition.compile(
      process('x', {
        activities: [start(), route('gw', { split: 'xor' }), end('e1'), end('e2'), end('e3')],
        transitions: [flow('start', 'gw'), flow('gw', 'e1', 'amount > 10'), flow('gw', 'e2', 'amount > 5'), flow('gw', 'e3', 'otherwise')],
      }),
    );
    const gw = def.activity('gw');
    const evaluated: string[] = [];
    const pick = (amount: number) =>
      chooseOutgoing(def, gw, (c) => {
        evaluated.push(c);
        return def.expression(c).evaluate({ amount }) === true;
      }).map((t) => t.to);
    expect(pick(20)).to.deep.equal(['e1']);
    expect(evaluated).to.deep.equal(['amount > 10']);
    expect(pick(7)).to.deep.equal(['e2']);
    expect(pick(1)).to.deep.equal(['e3']);
  });

  it('an OR split takes every transition that holds; with none and no otherwise it says which were tried', () => {
    const def = CompiledDefinition.compile(
      process('o', {
        activities: [start(), route('gw', { split: 'or' }), end('e1'), end('e2')],
        transitions: [flow('start', 'gw'), flow('gw', 'e1', 'a'), flow('gw', 'e2', 'b')],
      }),
    );
    const gw = def.activity('gw');
    expect(chooseOutgoing(def, gw, () => true).map((t) => t.to)).to.deep.equal(['e1', 'e2']);
    expect(chooseOutgoing(def, gw, (c) => c === 'b').map((t) => t.to)).to.deep.equal(['e2']);
    expect(() => chooseOutgoing(def, gw, () => false)).to.throw(NoBranchHoldsError, /no outgoing transition of "gw" holds/);
  });

  it('an AND split takes every outgoing transition without evaluating anything', () => {
    const { def } = diamond('and');
    expect(chooseOutgoing(def, def.activity('split'), () => { throw new Error('not asked'); }).map((t) => t.id)).to.deep.equal(['split_a', 'split_b']);
  });

  it('an exception follows the transition named for it, else the default one', () => {
    const def = CompiledDefinition.compile(
      process('e', {
        activities: [start(), manual('work'), end(), end('late'), end('other')],
        transitions: [flow('start', 'work'), flow('work', 'end'), flow('work', 'late', 'exception:tooLate'), flow('work', 'other', 'exception:*')],
      }),
    );
    expect(exceptionTarget(def, 'work', 'tooLate')?.to).to.equal('late');
    expect(exceptionTarget(def, 'work', 'somethingElse')?.to).to.equal('other');
    expect(exceptionTarget(def, 'start', 'tooLate')).to.equal(undefined);
  });

  it('names where stuck tokens wait (the deadlock reason)', () => {
    const { def } = diamond('and');
    expect(waitingInFrontOf(def, [tok('t1', 'a_join'), tok('t2', 'a_join')])).to.deep.equal(['join']);
    expect(findEnabled(def, marking([tok('t1', 'a_join'), tok('t2', 'a_join')]))).to.equal(undefined);
  });
});
