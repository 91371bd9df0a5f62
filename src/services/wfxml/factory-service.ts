import { ALL_INSTANCE_STATES, type DefinitionPackage, type DefinitionRecord, type ProcessDefinition, type WorkflowEngine } from '../../engine';
import { exportXpdl, importXpdl } from '../../xpdl';
import type { SoapContext } from '../soap';
import { ATTRIBUTES_KEY, escapeXml, TEXT_KEY } from '../soap';
import { asapFault, AsapErrorCodes } from './asap-fault';
import { contextFields, dataSchema, readDataElement, resultFields } from './context-data';
import { inlineDefinition, requireXpdl, withoutDeclaration } from './definition-xml';
import { factoryKey, instanceKey, parseUrl } from './keys';
import { ASAP_NS, WFXML_NS, asap, wfxml } from './namespaces';
import { allow, wfxmlOperation, type ResourceBinding, type WfxmlCall } from './wfxml-operation';
import type { WfxmlEndpointOwners } from './trust';
import { caseLogger } from '../../monitoring';

/** ASAP has no paging; a factory lists at most this many instances (in the store's order). */
export const LIST_INSTANCES_LIMIT = 1000;

function processIdOf(ctx: SoapContext): string {
  return ctx.pathParams.processId;
}

const factory: ResourceBinding = {
  keyOf: (ctx) => factoryKey(ctx.baseUrl, processIdOf(ctx)),
};

/** The Wf-XML Factory of each deployed process, at /wfxml/factory/{processId}. */
export function factoryOperations(engine: WorkflowEngine, options: { endpoints?: WfxmlEndpointOwners } = {}) {
  const departments = { departments: true };
  return {
    [asap('GetPropertiesRq')]: wfxmlOperation('GetPropertiesRq', factory, async ({ ctx, key }) => {
      const rec = await engine.getDefinition(processIdOf(ctx));
      return factoryProperties(key, rec.definition);
    }, departments),

    [asap('CreateInstanceRq')]: wfxmlOperation('CreateInstanceRq', factory, async (call) => createInstance(engine, call, options.endpoints), departments),

    [asap('ListInstancesRq')]: wfxmlOperation('ListInstancesRq', factory, async ({ ctx, body }) => {
      const processId = processIdOf(ctx);
      await engine.getDefinition(processId); // an unknown factory is a fault, not an empty list
      const filter = body.optionalString('Filter')?.trim();
      const { items } = await engine.listInstances({
        processId,
        // A full state name matches that state only; anything else (open., closed.abnormal…) is a prefix.
        ...(filter ? ((ALL_INSTANCE_STATES as readonly string[]).includes(filter) ? { state: filter } : { statePrefix: filter }) : {}),
        limit: LIST_INSTANCES_LIMIT,
      });
      const defs = new Map<number, string | undefined>();
      const nameOf = async (version: number) => {
        if (!defs.has(version)) defs.set(version, (await engine.getDefinition(processId, version)).name);
        return defs.get(version);
      };
      const rows: string[] = [];
      for (const i of items) {
        const name = (await nameOf(i.version)) ?? processId;
        rows.push(
          `<as:Instance><as:InstanceKey>${escapeXml(instanceKey(ctx.baseUrl, i.id))}</as:InstanceKey><as:Name>${escapeXml(name)}</as:Name>` +
            (i.subject ? `<as:Subject>${escapeXml(i.subject)}</as:Subject>` : '') +
            `</as:Instance>`,
        );
      }
      return `<as:ListInstancesRs xmlns:as="${ASAP_NS}">${rows.join('')}</as:ListInstancesRs>`;
    }),

    [wfxml('GetDefinitionRq')]: wfxmlOperation('GetDefinitionRq', factory, async ({ ctx, body }) => {
      requireXpdl(body.optionalString('ProcessLanguage'));
      const rec = await engine.getDefinition(processIdOf(ctx));
      const pkg = await packageOf(engine, rec);
      const xpdl = withoutDeclaration(exportXpdl(pkg));
      return `<wfxml:GetDefinitionRs xmlns:wfxml="${WFXML_NS}"><wfxml:ProcessLanguage>XPDL</wfxml:ProcessLanguage><wfxml:Definition>${xpdl}</wfxml:Definition></wfxml:GetDefinitionRs>`;
    }),

    [wfxml('SetDefinitionRq')]: wfxmlOperation('SetDefinitionRq', factory, async (call) => {
      const { ctx, body, actor } = call;
      allow(call, { kind: 'administer', operation: 'SetDefinition' });
      requireXpdl(body.optionalString('ProcessLanguage'));
      if (!body.has('Definition')) {
        throw asapFault('Client', AsapErrorCodes.invalidDefinition, 'SetDefinitionRq/Definition is missing; send the XPDL Package inside it', 'INVALID_FIELD');
      }
      // An element inside Definition is the package inline. Text (escaped or CDATA) is the document,
      // also beside attributes: rpc/encoded toolkits send a string as <Definition xsi:type="xsd:string">.
      const raw = body.raw.Definition;
      const inline = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).some((k) => k !== ATTRIBUTES_KEY && k !== TEXT_KEY);
      const xml = inline ? inlineDefinition(ctx.envelope) : body.optionalString('Definition')?.trim();
      if (!xml) {
        throw asapFault('Client', AsapErrorCodes.invalidDefinition, 'SetDefinitionRq/Definition is empty; send the XPDL Package inside it', 'INVALID_FIELD');
      }
      const processId = processIdOf(ctx);
      const pkg = importXpdl(xml);
      if (!pkg.processes.some((p) => p.id === processId)) {
        throw asapFault(
          'Client',
          AsapErrorCodes.invalidDefinition,
          `This is the factory of process "${processId}", but the package "${pkg.id}" defines ${pkg.processes.map((p) => `"${p.id}"`).join(', ') || 'no process'}; post it to the factory of one of those (…/wfxml/factory/{processId})`,
          'INVALID_DEFINITION',
        );
      }
      const results = await engine.deploy(pkg, { source: xml, ...(actor ? { actor } : {}) });
      const mine = results.find((r) => r.processId === processId)!;
      ctx.log.info({ processId, results }, 'definition deployed through Wf-XML SetDefinition');
      return `<wfxml:SetDefinitionRs xmlns:wfxml="${WFXML_NS}"><wfxml:Version>${mine.version}</wfxml:Version><wfxml:Created>${mine.created}</wfxml:Created></wfxml:SetDefinitionRs>`;
    }),
  };
}

export function factoryProperties(key: string, def: ProcessDefinition): string {
  const name = def.name ?? def.id;
  const description = def.description ? `<as:Description>${escapeXml(def.description)}</as:Description>` : '';
  return (
    `<as:GetPropertiesRs xmlns:as="${ASAP_NS}"><as:Key>${escapeXml(key)}</as:Key><as:Name>${escapeXml(name)}</as:Name>${description}` +
    `<as:ContextDataSchema>${dataSchema(contextFields(def))}</as:ContextDataSchema>` +
    `<as:ResultDataSchema>${dataSchema(resultFields(def))}</as:ResultDataSchema>` +
    `</as:GetPropertiesRs>`
  );
}

async function createInstance(engine: WorkflowEngine, call: WfxmlCall, endpoints: WfxmlEndpointOwners | undefined): Promise<string> {
  const { ctx, body, actor } = call;
  allow(call, { kind: 'start', processId: processIdOf(ctx) });
  const startImmediately = body.optionalBoolean('StartImmediately') ?? true;
  const observer = body.optionalString('ObserverKey')?.trim() || undefined;
  if (observer !== undefined && !parseUrl(observer)) {
    throw asapFault('Client', AsapErrorCodes.invalidData, `CreateInstanceRq/ObserverKey "${observer}" is not an absolute http(s) URL; Interflow posts the observer's notifications to it`, 'INVALID_FIELD');
  }
  if (observer !== undefined) await allowObserver(call, observer, endpoints);
  // The engine keeps one subject per instance; ASAP's Name is the closest thing when there is no
  // Subject. Either is the caller's text and kept as written, as StartProcess keeps it; a blank one is none.
  const subject = nonBlank(body.optionalString('Subject')) ?? nonBlank(body.optionalString('Name'));
  const data = readDataElement(body.optionalChild('ContextData')?.raw, 'CreateInstanceRq/ContextData');
  const view = await engine.startProcess(processIdOf(ctx), {
    data,
    startImmediately,
    ...(subject ? { subject } : {}),
    ...(observer ? { observer } : {}),
    ...(actor ? { actor } : {}),
  });
  const key = instanceKey(ctx.baseUrl, view.id);
  caseLogger(ctx.log, view.id).info({ processId: view.processId, state: view.state, observer }, 'instance created through Wf-XML CreateInstance');
  return `<as:CreateInstanceRs xmlns:as="${ASAP_NS}"><as:InstanceKey>${escapeXml(key)}</as:InstanceKey></as:CreateInstanceRs>`;
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/**
 * The engine POSTs the instance's result to its ObserverKey, so the key decides where data goes:
 * it is taken only from someone entitled to receive it, and only when it names a place Interflow
 * may call (docs/wfxml.md, "Who may name an ObserverKey"). A refusal is logged and nothing is created.
 *
 * - A department's signed call: only that department's own Observer, as published in the registry.
 * - A user in a federation: only the Observer of a registered department.
 * - Outside a federation there is no registry to vouch for an address, so only an administrator
 *   may name one (or anyone where caller authentication is off, as everything is open then).
 */
async function allowObserver(call: WfxmlCall, observer: string, endpoints: WfxmlEndpointOwners | undefined): Promise<void> {
  const refuse = (reason: string): never => {
    call.ctx.log.warn({ observer, department: call.department, user: call.ctx.caller?.username, reason }, 'CreateInstance refused: ObserverKey not authorised');
    throw asapFault('Client', AsapErrorCodes.forbidden, `not authorised: ${reason}`, 'FORBIDDEN');
  };
  const registered = async (ask: () => Promise<boolean>): Promise<boolean> => {
    try {
      return await ask();
    } catch (err) {
      call.ctx.log.error({ err, observer }, 'the registry could not say whose ObserverKey this is');
      throw asapFault('Server', AsapErrorCodes.internal, 'The ObserverKey cannot be checked right now (the registry is unreachable); retry later', 'REGISTRY_UNAVAILABLE');
    }
  };
  if (call.department !== undefined) {
    const department = call.department;
    if (!endpoints || !(await registered(() => endpoints.publishes(department, observer, 'wfxml-observer')))) {
      refuse(`ObserverKey ${observer} is not an Observer department ${call.department} publishes in the registry; a department may only be reported to at its own observer`);
    }
    return;
  }
  if (endpoints) {
    if (!(await registered(async () => (await endpoints.ownerOf(observer, 'wfxml-observer')) !== undefined))) {
      refuse(`ObserverKey ${observer} is not the Observer of any department registered in the registry; Interflow reports results only to registered observers`);
    }
    return;
  }
  const caller = call.ctx.caller;
  if (caller && !caller.admin) {
    refuse(`user "${caller.username}" may not name an ObserverKey: outside a federation only an administrator may, because Interflow posts the instance's result to it; leave it out, or ask an administrator`);
  }
}

/**
 * The package GetDefinition returns: the process and, transitively, the local processes it calls
 * as subprocesses (latest versions), so the document can be deployed elsewhere as it is. Remote
 * subprocesses stay references to their factories.
 */
async function packageOf(engine: WorkflowEngine, rec: DefinitionRecord): Promise<DefinitionPackage> {
  const processes: ProcessDefinition[] = [];
  const seen = new Set<string>();
  const visit = async (def: ProcessDefinition) => {
    if (seen.has(def.id)) return;
    seen.add(def.id);
    processes.push(def);
    for (const a of def.activities) {
      if (a.kind === 'subprocess' && a.subprocess && !seen.has(a.subprocess.processId)) {
        const sub = await engine.getDefinition(a.subprocess.processId).catch(() => undefined);
        if (sub) await visit(sub.definition);
      }
    }
  };
  await visit(rec.definition);
  return { id: rec.packageId ?? rec.processId, ...(rec.name ? { name: rec.name } : {}), processes, warnings: [] };
}
