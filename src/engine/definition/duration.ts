/**
 * Durations in definitions are milliseconds ("60000") or ISO-8601 durations ("PT1H30M", "P2D").
 * Months and years are refused: their length depends on the calendar, and a deadline that silently
 * drifts is worse than one the modeller must state in days.
 */
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t));
  const m = ISO.exec(t);
  if (!m || t === 'P' || t.endsWith('T')) {
    throw new Error(
      `"${text}" is not a duration: give milliseconds (60000) or an ISO-8601 duration such as PT60S, PT2H or P3D`,
    );
  }
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return Math.round(((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000);
}

export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A deadline written as code may give the moment it is due (Shark's JavaScript deadlines build a
 * Date): an ISO-8601 date-time becomes the time left from `now` (0 when already past). Anything
 * else is not a moment (undefined), and is read as a duration instead.
 */
export function dueInMs(text: string, now: Date): number | undefined {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t)) return undefined;
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
