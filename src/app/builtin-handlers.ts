import type { Logger } from 'pino';
import type { HandlerRegistry } from '../engine';

/**
 * Applications every department engine offers out of the box. Notifications go to the structured
 * log, which is the channel operators already collect; a department with a mail or SMS gateway
 * registers its own handler under the same name to replace these.
 */
export function registerBuiltinHandlers(handlers: HandlerRegistry, log: Logger): HandlerRegistry {
  const notify = (channel: string) => (call: { instanceId: string; activityId: string; input: Record<string, unknown> }) => {
    log.info({ caseId: call.instanceId, activityId: call.activityId, channel, message: call.input }, `notification sent via ${channel}`);
    return {};
  };
  return handlers.register('send_email', notify('email')).register('send_sms', notify('sms')).register('log', notify('log'));
}
