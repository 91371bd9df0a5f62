import { InvalidDataError } from '../engine';

/**
 * `--data name=value` pairs. Values stay text: the engine converts them to each field's declared
 * type, so `approved=true` becomes a boolean only where the field is BOOLEAN.
 */
export function parseAssignments(pairs: string[] | undefined): Record<string, unknown> | undefined {
  if (!pairs?.length) return undefined;
  const data: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidDataError(`--data needs name=value, got "${pair}"`);
    data[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return data;
}
