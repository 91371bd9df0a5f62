/** XPDL Transition → TransitionDef. */
import type { TransitionDef } from '../engine';
import { attr, child, text, type XNode } from './xpdl-document';
import { ANY_EXCEPTION } from './xpdl-conventions';
import { XpdlImportError } from './xpdl-import-error';
import { isConditionLabel } from './xpdl-condition-labels';

export interface TransitionContext {
  /** The process's data fields: a bare word naming one is an expression, not a label. */
  fieldIds: ReadonlySet<string>;
  warnings: string[];
}

export function mapTransition(node: XNode, processId: string, activityIds: ReadonlySet<string>, context?: TransitionContext): TransitionDef {
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
        if (context && isConditionLabel(body, context.fieldIds)) {
          transition.decision = true;
          context.warnings.push(
            `Transition "${id}" (${location}) has the condition ${JSON.stringify(body)}, which is a label, not an expression: ` +
              `a person decides — when "${from}" completes, its performer gets a decision work item listing the branches by their labels`,
          );
        }
      }
      break;
    case 'OTHERWISE':
      transition.kind = 'otherwise';
      break;
    case 'EXCEPTION':
      // XPDL 1.0: an EXCEPTION condition without a name catches any exception.
      transition.kind = 'exception';
      transition.condition = body || ANY_EXCEPTION;
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
