import { expect } from 'chai';
import {
  AuthorizationError,
  authorize,
  canActAs,
  canAdminister,
  canStart,
  createAuthenticator,
  filterByParticipant,
  visibleParticipants,
  type Caller,
} from '../../../src/services/security';
import { ADMIN_PASSWORD, CLERK_PASSWORD, basic, config } from './support';

describe('security: permissions', () => {
  const auth = createAuthenticator(config());
  let clerk: Caller;
  let ops: Caller;
  before(async () => {
    clerk = await auth.authenticate({ serviceName: 'ProcessService', authorization: basic('clerk-system', CLERK_PASSWORD), secure: true });
    ops = await auth.authenticate({ serviceName: 'ProcessService', authorization: basic('ops', ADMIN_PASSWORD), secure: true });
  });
  const nobody: Caller = { username: 'viewer', via: 'basic', start: [], participants: [], admin: false };

  it('canStart: listed process ids, or any with "*"', () => {
    expect(canStart(clerk, 'building_permit')).to.equal(true);
    expect(canStart(clerk, 'document_approval')).to.equal(false);
    expect(canStart(ops, 'document_approval')).to.equal(true);
    expect(canStart(nobody, 'building_permit')).to.equal(false);
  });

  it('canActAs: listed participants, or any with "*"; exact match only', () => {
    expect(canActAs(clerk, 'clerk')).to.equal(true);
    expect(canActAs(clerk, 'Clerk')).to.equal(false);
    expect(canActAs(clerk, 'inspector')).to.equal(false);
    expect(canActAs(ops, 'inspector')).to.equal(true);
  });

  it('canAdminister: admin only', () => {
    expect(canAdminister(ops)).to.equal(true);
    expect(canAdminister(clerk)).to.equal(false);
  });

  it('filters a worklist to the participants the caller may act as', () => {
    const items = [
      { id: 1, participant: 'clerk' },
      { id: 2, participant: 'inspector' },
      { id: 3, participant: null },
    ];
    expect(filterByParticipant(clerk, items, (i) => i.participant).map((i) => i.id)).to.deep.equal([1]);
    expect(filterByParticipant(ops, items, (i) => i.participant).map((i) => i.id)).to.deep.equal([1, 2, 3]);
    expect(filterByParticipant(nobody, items, (i) => i.participant)).to.deep.equal([]);
    expect(visibleParticipants(clerk)).to.deep.equal(['clerk']);
    expect(visibleParticipants(ops)).to.equal('*');
  });

  it('authorize passes allowed actions and throws AuthorizationError naming user and action, never a secret', () => {
    authorize(clerk, { kind: 'start', processId: 'building_permit' });
    authorize(clerk, { kind: 'act-as', participant: 'clerk' });
    authorize(ops, { kind: 'administer', operation: 'deploy' });
    const denials: Array<[Parameters<typeof authorize>[1], string]> = [
      [{ kind: 'start', processId: 'document_approval' }, 'user "clerk-system" may not start process "document_approval"; an administrator can add it to the user\'s "start" list'],
      [{ kind: 'act-as', participant: 'inspector' }, 'user "clerk-system" may not act as participant "inspector"; an administrator can add it to the user\'s "participants" list'],
      [{ kind: 'administer', operation: 'deploy' }, 'user "clerk-system" may not deploy (an administrative operation); it needs "admin": true'],
      [{ kind: 'administer' }, 'user "clerk-system" may not perform administrative operations; it needs "admin": true'],
    ];
    for (const [action, message] of denials) {
      let err: unknown;
      try {
        authorize(clerk, action);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(AuthorizationError);
      const e = err as AuthorizationError;
      expect(e.message).to.equal(message);
      expect(e.username).to.equal('clerk-system');
      expect(e.action).to.deep.equal(action);
      expect(JSON.stringify({ ...e, message: e.message })).not.to.contain(CLERK_PASSWORD);
    }
  });
});
