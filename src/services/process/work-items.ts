import type { WorkItemDetails } from '../../engine';
import { escapeXml, FAULT_DETAIL_NS, optionalElement, xml, type XmlFragment } from '../soap';
import { textOf } from './data-items';
import { PROCESS_SERVICE_NS } from './namespace';

/**
 * The ProcessService WorkItem: what the item is, whose case it serves (the home department and
 * case id when it belongs to a performing instance), and its form — the fields CompleteWorkItem
 * takes (Update, with Required and AllowedValue) and the fields it shows (Read), each with the
 * case's current value. A client needs nothing else to complete it (docs/services-design.md, "Work items").
 */
export function workItemXml(d: WorkItemDetails): XmlFragment {
  const w = d.item;
  const values = (v: unknown) => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]).map((x) => xml`<Value>${textOf(x)}</Value>`);
  const updates = d.updates.map(
    (f) =>
      xml`<Update><Name>${f.id}</Name>${optionalElement('Label', f.label)}<Type>${f.type}</Type><IsArray>${String(f.isArray)}</IsArray><Required>${String(f.required)}</Required>${optionalElement('Description', f.description)}${(f.allowedValues ?? []).map((v) => xml`<AllowedValue>${v}</AllowedValue>`)}${values(f.value)}</Update>`,
  );
  const reads = d.reads.map(
    (f) => xml`<Read><Name>${f.id}</Name>${optionalElement('Label', f.label)}<Type>${f.type}</Type><IsArray>${String(f.isArray)}</IsArray>${optionalElement('Description', f.description)}${values(f.value)}</Read>`,
  );
  return xml`<WorkItem><WorkItemId>${w.id}</WorkItemId><ProcessInstanceId>${w.instanceId}</ProcessInstanceId><ActivityId>${w.activityId}</ActivityId><ActivityName>${w.activityName ?? w.activityId}</ActivityName><Participant>${w.participant}</Participant><State>${w.state}</State>${optionalElement('ProcessDefinitionId', d.processId)}${optionalElement('HomeDepartment', d.homeDepartment)}${optionalElement('HomeProcessInstanceId', d.homeInstanceId)}<Form>${updates}${reads}</Form></WorkItem>`;
}

/**
 * GetWorkItem's own fault detail (ps:WorkItemNotFound in process-service.xsd), first, so that
 * generated clients raise the declared fault (JAX-WS maps the first detail entry), then the
 * iff:FaultDetail every Interflow fault carries, for clients that read only that.
 */
export function workItemNotFoundDetail(workItemId: string, message: string): string {
  return (
    `<ps:WorkItemNotFound xmlns:ps="${PROCESS_SERVICE_NS}"><ps:WorkItemId>${escapeXml(workItemId)}</ps:WorkItemId><ps:Message>${escapeXml(message)}</ps:Message></ps:WorkItemNotFound>` +
    `<iff:FaultDetail xmlns:iff="${FAULT_DETAIL_NS}"><iff:Code>NOT_FOUND</iff:Code><iff:Message>${escapeXml(message)}</iff:Message></iff:FaultDetail>`
  );
}
