/**
 * Instance states use the Wf-XML 2.0 / ASAP state names so the SOAP services can pass them through
 * unchanged.
 */
export const InstanceStates = {
  notRunning: 'open.notrunning',
  suspended: 'open.notrunning.suspended',
  running: 'open.running',
  completed: 'closed.completed',
  abnormalCompleted: 'closed.abnormalCompleted',
  terminated: 'closed.abnormalCompleted.terminated',
  aborted: 'closed.abnormalCompleted.aborted',
} as const;

export type InstanceState = (typeof InstanceStates)[keyof typeof InstanceStates];

export const ALL_INSTANCE_STATES: readonly InstanceState[] = Object.values(InstanceStates);

export function isInstanceState(value: string): value is InstanceState {
  return (ALL_INSTANCE_STATES as readonly string[]).includes(value);
}

export function isClosed(state: InstanceState): boolean {
  return state.startsWith('closed.');
}

/** The administrative actions the monitoring interface offers (seed 002: suspend, resume, terminate). */
export type StateAction = 'start' | 'suspend' | 'resume' | 'terminate' | 'abort';

const TRANSITIONS: Record<StateAction, { from: readonly InstanceState[]; to: InstanceState }> = {
  start: { from: [InstanceStates.notRunning], to: InstanceStates.running },
  suspend: { from: [InstanceStates.running, InstanceStates.notRunning], to: InstanceStates.suspended },
  resume: { from: [InstanceStates.suspended], to: InstanceStates.running },
  terminate: {
    from: [InstanceStates.running, InstanceStates.notRunning, InstanceStates.suspended],
    to: InstanceStates.terminated,
  },
  abort: {
    from: [InstanceStates.running, InstanceStates.notRunning, InstanceStates.suspended],
    to: InstanceStates.aborted,
  },
};

/** Maps a requested Wf-XML target state (ChangeState) to the action that reaches it. */
export function actionForTargetState(target: string): StateAction | undefined {
  switch (target) {
    case InstanceStates.running:
      return undefined; // ambiguous (start or resume): resolved against the current state
    case InstanceStates.suspended:
      return 'suspend';
    case InstanceStates.terminated:
    case InstanceStates.abnormalCompleted:
      return 'terminate';
    case InstanceStates.aborted:
      return 'abort';
    default:
      return undefined;
  }
}

export function nextState(current: InstanceState, action: StateAction): InstanceState | undefined {
  const rule = TRANSITIONS[action];
  return rule.from.includes(current) ? rule.to : undefined;
}

export function allowedActions(current: InstanceState): StateAction[] {
  return (Object.keys(TRANSITIONS) as StateAction[]).filter((a) => TRANSITIONS[a].from.includes(current));
}
