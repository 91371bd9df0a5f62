import type { DefinitionRecord, HistoryRecord, InstanceRecord, InstanceView, WorkItemRecord } from '../engine';

import type { Output } from '../federation';

export type { Output };

/** Plain fixed-width tables: readable in a terminal and in a log, no colour codes to strip. */
export function table(out: Output, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd() + '\n';
  out.stdout(line(header));
  for (const r of rows) out.stdout(line(r));
}

export function printDefinitions(out: Output, defs: DefinitionRecord[]): void {
  if (!defs.length) return out.stdout('no definitions deployed; deploy one with: interflow deploy FILE.xpdl\n');
  table(out, ['PROCESS', 'VERSION', 'PACKAGE', 'NAME', 'DEPLOYED'], defs.map((d) => [
    d.processId, String(d.version), d.packageId ?? '', d.name ?? '', d.deployedAt.toISOString(),
  ]));
}

export function printWorklist(out: Output, items: WorkItemRecord[]): void {
  if (!items.length) return out.stdout('no open work items\n');
  table(out, ['WORK ITEM', 'CASE', 'ACTIVITY', 'PARTICIPANT', 'KIND'], items.map((i) => [
    i.id, i.instanceId, i.activityName ?? i.activityId, i.participant || '(anyone)', i.kind + (i.loopCounter !== undefined ? ` #${i.loopCounter}` : ''),
  ]));
}

export function printInstances(out: Output, items: InstanceRecord[], total: number): void {
  if (!items.length) return out.stdout('no cases\n');
  table(out, ['CASE', 'PROCESS', 'VER', 'STATE', 'CREATED', 'SUBJECT'], items.map((i) => [
    i.id, i.processId, String(i.version), i.state, i.createdAt.toISOString(), i.subject ?? '',
  ]));
  if (total > items.length) out.stdout(`(${items.length} of ${total}; use --offset and --limit to page)\n`);
}

export function printInstance(out: Output, inst: InstanceView, history: HistoryRecord[]): void {
  out.stdout(`case      ${inst.id}\nprocess   ${inst.processId} version ${inst.version}\nstate     ${inst.state}\n`);
  if (inst.subject) out.stdout(`subject   ${inst.subject}\n`);
  if (inst.parentInstanceId) out.stdout(`parent    ${inst.parentInstanceId}\n`);
  out.stdout(`created   ${inst.createdAt.toISOString()}${inst.completedAt ? `   closed ${inst.completedAt.toISOString()}` : ''}\n`);
  out.stdout('\ndata\n');
  const fields = Object.entries(inst.data);
  if (!fields.length) out.stdout('  (none)\n');
  for (const [k, v] of fields) out.stdout(`  ${k} = ${JSON.stringify(v)}\n`);
  out.stdout('\nwhere the case is\n');
  if (!inst.openActivities.length && !inst.waitingAt.length) out.stdout('  nowhere: the case is closed\n');
  for (const a of inst.openActivities) {
    out.stdout(`  activity ${a.activityId}${a.name && a.name !== a.activityId ? ` (${a.name})` : ''}: ${a.state}${a.department ? ` in department ${a.department}` : ''}${a.error ? ` — ${a.error} (interflow retry ${inst.id} ${a.activityInstanceId})` : ''}\n`);
  }
  for (const w of inst.waitingAt) out.stdout(`  token waiting in front of ${w} (a join waiting for its other branches)\n`);
  if (inst.workItems.length) {
    out.stdout('\nopen work items\n');
    for (const w of inst.workItems) out.stdout(`  ${w.id}  ${w.activityName ?? w.activityId}  for ${w.participant || '(anyone)'}  ${w.state}${w.kind !== 'normal' ? ` (${w.kind})` : ''}\n`);
  }
  out.stdout('\nhistory\n');
  for (const h of history) {
    const detail = h.detail ? ' ' + JSON.stringify(h.detail) : '';
    out.stdout(`  ${h.at.toISOString()}  ${h.type.padEnd(22)} ${h.activityId ?? ''}${h.actor ? ` by ${h.actor}` : ''}${detail}\n`);
  }
}
