import { buildUsernameTokenHeader } from '../services/security';
import { escapeXml as esc, soapCall, SoapTransportError, TEXT_KEY, type SoapCallReply } from '../services/soap';

/**
 * A legacy back office's view of a department: plain SOAP 1.1 to ProcessService, authenticated with
 * a WS-Security UsernameToken digest — what a Java, PHP or .NET client generated from the WSDL
 * sends. Deliberately not built on the engine's types: it knows only the published contract. The
 * call itself is the SOAP layer's soapCall (size limit, DTD refusal, well-formedness).
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
    return list(r.WorkItem).map((w) => ({
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
    const open = list((r.OpenActivities as Node | undefined)?.Activity);
    const events = list((r.History as Node | undefined)?.Event);
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
    return list(r.Definition).map((d) => ({ processDefinitionId: text(d.ProcessDefinitionId), version: Number(text(d.Version)) }));
  }

  async listProcessInstances(filter: { processId?: string; state?: string; offset?: number; limit?: number } = {}): Promise<{ total: number; ids: Array<{ id: string; state: string }> }> {
    const r = await this.call(
      'ListProcessInstances',
      `${filter.processId ? `<ps:ProcessDefinitionId>${esc(filter.processId)}</ps:ProcessDefinitionId>` : ''}${filter.state ? `<ps:State>${esc(filter.state)}</ps:State>` : ''}${filter.offset !== undefined ? `<ps:Offset>${filter.offset}</ps:Offset>` : ''}${filter.limit !== undefined ? `<ps:Limit>${filter.limit}</ps:Limit>` : ''}`,
    );
    return { total: Number(text(r.Total)), ids: list(r.Instance).map((i) => ({ id: text(i.ProcessInstanceId), state: text(i.State) })) };
  }

  private async call(operation: string, inner: string): Promise<Node> {
    const envelope =
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11}" xmlns:ps="${PS_NS}">` +
      `<soap:Header>${buildUsernameTokenHeader(this.username, this.password)}</soap:Header>` +
      `<soap:Body><ps:${operation}>${inner}</ps:${operation}></soap:Body></soap:Envelope>`;
    let reply: SoapCallReply;
    try {
      reply = await soapCall({ url: this.endpoint, envelope, soapAction: `${PS_NS}#${operation}`, timeoutMs: this.timeoutMs, maxReplyBytes: 16 * 1024 * 1024 });
    } catch (e) {
      if (e instanceof SoapTransportError) throw new SoapCallError(`${operation} at ${this.endpoint}: ${e.reason}`, undefined, e.status);
      throw e;
    }
    if (reply.fault) {
      const detail = (reply.fault.node.detail as Node | undefined)?.FaultDetail as Node | undefined;
      throw new SoapCallError(`${operation} at ${this.endpoint}: ${reply.fault.reason}`, detail?.Code !== undefined ? text(detail.Code) : undefined, reply.status);
    }
    const envelopeReply = reply.envelope;
    if (!envelopeReply || envelopeReply.operation.localName !== `${operation}Response`) {
      throw new SoapCallError(`${operation} at ${this.endpoint}: HTTP ${reply.status}, no ${operation}Response in the answer${reply.notSoap ? ` (${reply.notSoap})` : ''}`, undefined, reply.status);
    }
    const response = envelopeReply.body as Node | string | undefined;
    return typeof response === 'object' ? response : {};
  }
}

function dataList(data: Record<string, string>): string {
  return `<ps:Data>${Object.entries(data).map(([k, v]) => `<ps:Item><ps:Name>${esc(k)}</ps:Name><ps:Value>${esc(v)}</ps:Value></ps:Item>`).join('')}</ps:Data>`;
}

function items(node: unknown): Record<string, string> {
  return Object.fromEntries(list((node as Node | undefined)?.Item).map((i) => [text(i.Name), i.Value === undefined ? '' : text(i.Value)]));
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as Node)[TEXT_KEY] ?? '');
  return String(v);
}

/** Repeated elements parse as an array, a single one as itself. */
function list(v: unknown): Node[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as Node[];
}
