/** Longest piece of caller-supplied text quoted in a fault or a log line, unless a caller asks less. */
export const ECHO_MAX_CHARS = 64;

/**
 * Caller-supplied text (a name, a value) as it may be quoted back in a fault or written to a log:
 * at most `max` characters, control characters shown as `?`, and a cut says how long the whole
 * was. The one helper every fault and log line uses, so a 900,000-character element name costs
 * a few dozen bytes wherever it is mentioned.
 */
export function echo(text: string, max: number = ECHO_MAX_CHARS): string {
  if (text.length <= max) return safe(text);
  return `${safe(text.slice(0, max))}… (${text.length} characters)`;
}

function safe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '?');
}
