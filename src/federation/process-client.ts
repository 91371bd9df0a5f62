import { XMLParser } from 'fast-xml-parser';
import { buildUsernameTokenHeader } from '../services/security';

/**
 * A legacy back office's view of a department: plain SOAP 1.1 to ProcessService, authenticated with
 * a WS-Security UsernameToken digest — what a Java, PHP or .NET client generated from the WSDL
 * sends. Deliberately not built on the engine's types: it knows only the published contract.
 */

const PS_NS = 'urn:interflow:process-service:1';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

export interface WorkItem {
  workItemId: string;
  processInstanceId: string;
  activityId: string;
  activityName: string;
  participant: string;
  /** A performing instance's item: the home department and case it serves. */
  homeDepartment?: string;
  homeProcessInstanceId?: string;
}

/** GetWorklist's optional filters, as process-service.xsd names them. */
export interface WorklistFilter {
  processInstanceId?: string;
  activityId?: string;
  homeDepartment?: string;
  homeProcessInstanceId?: string;
}

export interface ProcessInstance {
  processInstanceId: string;
  processDefinitionId: string;
  state: string;
  subject?: string;
  openActivities: Array<{ activityId: string; department?: string; state: string }>;
  data: Record<string, string>;
  history: Array<{ at: string; type: string; activityId?: string; actor?: string; detail?: string }>;
}

export class SoapCallError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: true,
  isArray: (name) => ['WorkItem', 'Item', 'Event', 'Definition', 'Instance', 'Activity'].includes(name),
});

type Node = Record<string, unknown>;

export class ProcessServiceClient {
  readonly endpoint: string;

  constructor(
    baseUrl: string,
    private readonly username: string,
    private readonly password: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.endpoint = `${baseUrl.replace(/\/+$/, '')}/services/ProcessService`;
  }

  async startProcess(processId: string, data: Record<string, string>, subject?: string): Promise<{ id: string; state: string }> {
    const r = await this.call('StartProcess', `<ps:ProcessDefinitionId>${esc(processId)}</ps:ProcessDefinitionId>${subject ? `<ps:Subject>${esc(subject)}</ps:Subject>` : ''}${dataList(data)}`);
    return { id: text(r.ProcessInstanceId), state: text(r.State) };
  }

  async getWorklist(participants: string[] = [], filter: WorklistFilter = {}): Promise<WorkItem[]> {
    const optional = (name: string, v: string | undefined) => (v === undefined ? '' : `<ps:${name}>${esc(v)}</ps:${name}>`);
    const r = await this.call(
      'GetWorklist',
      participants.map((p) => `<ps:Participant>${esc(p)}</ps:Participant>`).join('') +
        optional('ProcessInstanceId', filter.processInstanceId) +
        optional('ActivityId', filter.activityId) +
        optional('HomeDepartment', filter.homeDepartment) +
        optional('HomeProcessInstanceId', filter.homeProcessInstanceId),
    );
    return ((r.WorkItem as Node[] | undefined) ?? []).map((w) => ({
      workItemId: text(w.WorkItemId),
      processInstanceId: text(w.ProcessInstanceId),
      activityId: text(w.ActivityId),
      activityName: text(w.ActivityName),
      participant: text(w.Participant),
      ...(w.HomeDepartment !== undefined ? { homeDepartment: text(w.HomeDepartment) } : {}),
      ...(w.HomeProcessInstanceId !== undefined ? { homeProcessInstanceId: text(w.HomeProcessInstanceId) } : {}),
    }));
  }

  async completeWorkItem(workItemId: string, data: Record<string, string>): Promise<string> {
    const r = await this.call('CompleteWorkItem', `<ps:WorkItemId>${esc(workItemId)}</ps:WorkItemId>${dataList(data)}`);
    return text(r.State);
  }

  async getProcessInstance(id: string): Promise<ProcessInstance> {
    const r = await this.call('GetProcessInstance', `<ps:ProcessInstanceId>${esc(id)}</ps:ProcessInstanceId>`);
    const open = ((r.OpenActivities as Node | undefined)?.Activity as Node[] | undefined) ?? [];
    const events = ((r.History as Node | undefined)?.Event as Node[] | undefined) ?? [];
    return {
      processInstanceId: text(r.ProcessInstanceId),
      processDefinitionId: text(r.ProcessDefinitionId),
      state: text(r.State),
      ...(r.Subject !== undefined ? { subject: text(r.Subject) } : {}),
      openActivities: open.map((a) => ({ activityId: text(a.ActivityId), ...(a.Department !== undefined ? { department: text(a.Department) } : {}), state: text(a.State) })),
      data: items(r.Data),
      history: events.map((e) => ({
        at: text(e.At),
        type: text(e.Type),
        ...(e.ActivityId !== undefined ? { activityId: text(e.ActivityId) } : {}),
        ...(e.Actor !== undefined ? { actor: text(e.Actor) } : {}),
        ...(e.Detail !== undefined ? { detail: text(e.Detail) } : {}),
      })),
    };
  }

  async listProcessDefinitions(): Promise<Array<{ processDefinitionId: string; version: number }>> {
    const r = await this.call('ListProcessDefinitions', '');
    return ((r.Definition as Node[] | undefined) ?? []).map((d) => ({ processDefinitionId: text(d.ProcessDefinitionId), version: Number(text(d.Version)) }));
  }

  async listProcessInstances(filter: { processId?: string; state?: string; offset?: number; limit?: number } = {}): Promise<{ total: number; ids: Array<{ id: string; state: string }> }> {
    const r = await this.call(
      'ListProcessInstances',
      `${filter.processId ? `<ps:ProcessDefinitionId>${esc(filter.processId)}</ps:ProcessDefinitionId>` : ''}${filter.state ? `<ps:State>${esc(filter.state)}</ps:State>` : ''}${filter.offset !== undefined ? `<ps:Offset>${filter.offset}</ps:Offset>` : ''}${filter.limit !== undefined ? `<ps:Limit>${filter.limit}</ps:Limit>` : ''}`,
    );
    return { total: Number(text(r.Total)), ids: ((r.Instance as Node[] | undefined) ?? []).map((i) => ({ id: text(i.ProcessInstanceId), state: text(i.State) })) };
  }

  private async call(operation: string, inner: string): Promise<Node> {
    const envelope =
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11}" xmlns:ps="${PS_NS}">` +
      `<soap:Header>${buildUsernameTokenHeader(this.username, this.password)}</soap:Header>` +
      `<soap:Body><ps:${operation}>${inner}</ps:${operation}></soap:Body></soap:Envelope>`;
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${PS_NS}#${operation}"` },
        body: envelope,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new SoapCallError(`${operation} at ${this.endpoint}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    }
    const body = await res.text();
    const doc = parser.parse(body) as Node;
    const content = ((doc.Envelope as Node | undefined)?.Body as Node | undefined) ?? {};
    const fault = content.Fault as Node | undefined;
    if (fault) {
      const detail = (fault.detail as Node | undefined)?.FaultDetail as Node | undefined;
      throw new SoapCallError(`${operation} at ${this.endpoint}: ${text(fault.faultstring)}`, detail?.Code !== undefined ? text(detail.Code) : undefined, res.status);
    }
    const response = content[`${operation}Response`] as Node | string | undefined;
    if (response === undefined) throw new SoapCallError(`${operation} at ${this.endpoint}: HTTP ${res.status}, no ${operation}Response in the answer`, undefined, res.status);
    return typeof response === 'object' ? response : {};
  }
}

function dataList(data: Record<string, string>): string {
  return `<ps:Data>${Object.entries(data).map(([k, v]) => `<ps:Item><ps:Name>${esc(k)}</ps:Name><ps:Value>${esc(v)}</ps:Value></ps:Item>`).join('')}</ps:Data>`;
}

function items(node: unknown): Record<string, string> {
  const list = ((node as Node | undefined)?.Item as Node[] | undefined) ?? [];
  return Object.fromEntries(list.map((i) => [text(i.Name), i.Value === undefined ? '' : text(i.Value)]));
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as Node)['#text'] ?? '');
  return String(v);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
