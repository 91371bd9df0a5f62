import type { ActivityBehaviour } from './activity-behaviour';

/** Waits for a message of its name (InstanceSession.deliverMessage completes it). */
export const receiveBehaviour: ActivityBehaviour = {
  enter() {},
};
