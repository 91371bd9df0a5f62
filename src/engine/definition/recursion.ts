import type { ActivityDef, ProcessDefinition } from './process-definition';

/**
 * Deploy-time check for subprocess recursion that can never end (docs/execution.md, "Limits"):
 * a process that, from its start and without passing a wait state or a condition, calls a local
 * subprocess that (the same way) calls it again. Such a case would nest children until memory
 * runs out; it is refused by name. Recursion behind a condition may end and is left to the
 * run-time limits (subprocess depth and steps per command).
 *
 * Wait states: manual, receive and timer activities, remote subprocesses and activities of
 * another department than `localDepartment`. A synchronous local subprocess is a wait state only
 * when its child waits; it is not looked through (the child's own calls are its own edges).
 */
export function unconditionalRecursion(
  processes: ReadonlyMap<string, ProcessDefinition>,
  checked: Iterable<string>,
  localDepartment?: string,
): string[] {
  const edges = new Map<string, Array<{ to: string; via: string }>>();
  const callsOf = (id: string) => {
    let e = edges.get(id);
    if (!e) {
      const p = processes.get(id);
      e = p ? immediateCalls(p, localDepartment) : [];
      edges.set(id, e);
    }
    return e;
  };
  const problems: string[] = [];
  for (const root of checked) {
    // Depth-first search for a path of immediate calls from root back to root.
    const seen = new Set<string>();
    const path: string[] = [];
    const found = (id: string): boolean => {
      for (const { to, via } of callsOf(id)) {
        path.push(`"${id}" activity "${via}" → "${to}"`);
        if (to === root) return true;
        if (!seen.has(to)) {
          seen.add(to);
          if (found(to)) return true;
        }
        path.pop();
      }
      return false;
    };
    if (found(root)) {
      problems.push(
        `Process "${root}" calls itself through local subprocesses (${path.join(', ')}) before any wait state or condition: ` +
          'every case would nest subprocesses without end. Put the call behind a condition, or a wait state (a manual activity, a message, a timer) before it',
      );
    }
  }
  return problems;
}

/** Local subprocesses the process calls, unconditionally and without waiting, when a case starts. */
function immediateCalls(p: ProcessDefinition, localDepartment: string | undefined): Array<{ to: string; via: string }> {
  const byId = new Map(p.activities.map((a) => [a.id, a]));
  const incoming = new Map<string, number>();
  for (const t of p.transitions) incoming.set(t.to, (incoming.get(t.to) ?? 0) + 1);
  const explicit = p.activities.filter((a) => a.kind === 'start');
  const starts = explicit.length ? explicit : p.activities.filter((a) => !incoming.get(a.id));
  const calls: Array<{ to: string; via: string }> = [];
  const seen = new Set<string>();
  const stack = starts.map((a) => a.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const a = byId.get(id);
    if (!a || waits(a, localDepartment)) continue;
    if (a.loop?.testBefore) continue; // may be passed over
    if (a.kind === 'subprocess' && a.subprocess) {
      calls.push({ to: a.subprocess.processId, via: a.id });
      if (a.subprocess.execution !== 'async') continue;
    }
    if (a.kind === 'end') continue;
    const out = p.transitions.filter((t) => t.from === id && t.kind !== 'exception');
    // Only where every outgoing branch is taken for sure: no condition, no choice.
    if (a.split === 'deferred' || out.some((t) => t.kind !== 'normal')) continue;
    if ((a.split === 'xor' || a.split === 'or') && out.length > 1) continue;
    for (const t of out) stack.push(t.to);
  }
  return calls;
}

function waits(a: ActivityDef, localDepartment: string | undefined): boolean {
  if (a.kind === 'manual' || a.kind === 'receive' || a.kind === 'timer' || a.kind === 'remote-subprocess') return true;
  if (a.multiInstance) return true; // a count of zero passes over it
  return !!(localDepartment && a.department && a.department !== localDepartment && a.kind !== 'route' && a.kind !== 'start' && a.kind !== 'end');
}
