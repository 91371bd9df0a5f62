import type { ActivityKind } from '../../definition/process-definition';
import type { ActivityBehaviour } from './activity-behaviour';
import { automaticBehaviour } from './automatic';
import { blockBehaviour } from './block';
import { endBehaviour } from './end';
import { manualBehaviour } from './manual';
import { receiveBehaviour } from './receive';
import { routeBehaviour } from './route';
import { localSubflowBehaviour } from './subflow-local';
import { remoteSubflowBehaviour } from './subflow-remote';
import { timerBehaviour } from './timer';

export type { ActivityBehaviour, ActivityContext, ChildCase } from './activity-behaviour';
export { handOverBehaviour } from './hand-over';
export { workItemCompleted } from './manual';
export { childClosed, MAX_SUBPROCESS_DEPTH } from './subflow-local';

/** One behaviour per activity kind: adding a kind means adding a file and a line here. */
export const behaviours: Readonly<Record<ActivityKind, ActivityBehaviour>> = {
  start: routeBehaviour,
  route: routeBehaviour,
  end: endBehaviour,
  manual: manualBehaviour,
  automatic: automaticBehaviour,
  timer: timerBehaviour,
  subprocess: localSubflowBehaviour,
  'remote-subprocess': remoteSubflowBehaviour,
  receive: receiveBehaviour,
  block: blockBehaviour,
};
