import type { SoapCaller } from '../soap';
import { AuthorizationError, type AuthorizedAction } from './errors';

/**
 * An authenticated (or, on a service in mode `none`, anonymous) caller and what it may do. The SOAP
 * layer carries it in SoapContext.caller, so the shape is declared there, once.
 */
export type Caller = SoapCaller;

export function canStart(caller: Caller, processId: string): boolean {
  return caller.start.includes('*') || caller.start.includes(processId);
}

export function canActAs(caller: Caller, participant: string): boolean {
  return caller.participants.includes('*') || caller.participants.includes(participant);
}

export function canAdminister(caller: Caller): boolean {
  return caller.admin === true;
}

/**
 * Which participants' work items the caller may see (GetWorklist): `'*'` for all, else the list.
 * An empty list means none: the worklist is empty, not an error.
 */
export function visibleParticipants(caller: Caller): '*' | readonly string[] {
  return caller.participants.includes('*') ? '*' : caller.participants;
}

/** Keeps the items whose participant the caller may act as. */
export function filterByParticipant<T>(caller: Caller, items: readonly T[], participantOf: (item: T) => string | null | undefined): T[] {
  const visible = visibleParticipants(caller);
  if (visible === '*') return [...items];
  return items.filter((item) => {
    const p = participantOf(item);
    return p !== null && p !== undefined && visible.includes(p);
  });
}

/**
 * Throws {@link AuthorizationError} unless the caller may do `action`. The message names the user
 * and the action and says what an administrator would change; it never holds a secret.
 */
export function authorize(caller: Caller, action: AuthorizedAction): void {
  switch (action.kind) {
    case 'start':
      if (canStart(caller, action.processId)) return;
      throw new AuthorizationError(
        `user "${caller.username}" may not start process "${action.processId}"; an administrator can add it to the user's "start" list`,
        caller.username,
        action,
      );
    case 'act-as':
      if (canActAs(caller, action.participant)) return;
      throw new AuthorizationError(
        `user "${caller.username}" may not act as participant "${action.participant}"; an administrator can add it to the user's "participants" list`,
        caller.username,
        action,
      );
    case 'administer':
      if (canAdminister(caller)) return;
      throw new AuthorizationError(
        `user "${caller.username}" may not ${action.operation ? `${action.operation} (an administrative operation)` : 'perform administrative operations'}; it needs "admin": true`,
        caller.username,
        action,
      );
  }
}
