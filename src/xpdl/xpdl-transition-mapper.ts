/** XPDL Transition → TransitionDef. */
import type { TransitionDef } from '../engine';
import { attr, child, text, type XNode } from './xpdl-document';
import { ANY_EXCEPTION } from './xpdl-conventions';
import { XpdlImportError } from './xpdl-import-error';

export function mapTransition(node: XNode, processId: string, activityIds: ReadonlySet<string>): TransitionDef {
  const location = `process "${processId}"`;
  const id = attr(node, 'Id');
  if (!id) throw new XpdlImportError({ element: 'Transition', location, problem: 'invalid', reason: 'a Transition has no Id' });
  const invalid = (reason: string): never => {
    throw new XpdlImportError({ element: 'Transition', elementId: id, location, problem: 'invalid', reason });
  };

  const from = attr(node, 'From');
  const to = attr(node, 'To');
  if (!from) invalid('the transition has no From');
  if (!to) invalid('the transition has no To');
  if (!activityIds.has(from as string)) invalid(`From refers to unknown activity "${from}"`);
  if (!activityIds.has(to as string)) invalid(`To refers to unknown activity "${to}"`);

  const transition: TransitionDef = { id, from: from as string, to: to as string, kind: 'normal' };
  const name = attr(node, 'Name');
  if (name) transition.name = name;

  const condition = child(node, 'Condition');
  if (!condition) return transition;
  // 2.x puts the expression in the body or an Expression child, 1.0 JaWE in an Xpression child.
  const body = text(condition) || text(child(condition, 'Expression')) || text(child(condition, 'Xpression'));
  const type = attr(condition, 'Type');
  switch (type) {
    case undefined:
    case 'CONDITION':
      if (body) {
        transition.kind = 'condition';
        transition.condition = body;
      }
      break;
    case 'OTHERWISE':
      transition.kind = 'otherwise';
      break;
    case 'EXCEPTION':
      if (!body) invalid('an EXCEPTION condition must name the exception it catches (use DEFAULTEXCEPTION to catch any)');
      transition.kind = 'exception';
      transition.condition = body;
      break;
    case 'DEFAULTEXCEPTION':
      transition.kind = 'exception';
      transition.condition = ANY_EXCEPTION;
      break;
    default:
      invalid(`Condition Type "${type}" is not CONDITION, OTHERWISE, EXCEPTION or DEFAULTEXCEPTION`);
  }
  return transition;
}
