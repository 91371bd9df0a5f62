import type { HandlerRegistry } from '../engine';

/**
 * Import notes that ask for a handler are moot when this engine already has one under that name
 * (the built-in notification handlers, say); showing them would tell the administrator to do
 * something that is done.
 */
export function outstandingWarnings(warnings: string[], handlers: HandlerRegistry): string[] {
  return warnings.filter((w) => {
    const m = /register a handler named "([^"]+)"/.exec(w);
    return !(m && handlers.get(m[1]));
  });
}
