/**
 * What an activity calls: an application (1.0 Tool, 2.x TaskApplication) or a process (SubFlow,
 * local, in another package, or on another engine), with the parameter mapping.
 */
import type { ActivityDef, DataField, ParameterMapping } from '../engine';
import type { ActivityScope, Refuse } from './xpdl-scope';
import { attr, child, children, text, type XNode } from './xpdl-document';
import { parseParamMapping, remoteProcessId } from './xpdl-values';

export interface SubFlowCall {
  kind: 'subprocess' | 'remote-subprocess';
  subprocess: NonNullable<ActivityDef['subprocess']>;
  /** Extended attributes the call has used up (Shark's ParamMapping). */
  consumed: string[];
}

/** An application call (1.0 Tool or 2.x TaskApplication) with its parameters. */
export function applicationCall(
  call: XNode,
  element: string,
  scope: ActivityScope,
  refuse: Refuse,
): { id: string; parameters: ParameterMapping[] } {
  const appId = attr(call, 'Id');
  if (!appId) return refuse(element, 'the application call names no Application (Id is missing)');
  const application = scope.applications.get(appId);
  if (!application) {
    return refuse(element, `calls Application "${appId}", which neither the package nor the process declares; declare it under Applications`);
  }
  const mappings = dataMappings(call);
  if (mappings) return { id: appId, parameters: mappings };

  const actuals = children(child(call, 'ActualParameters'), 'ActualParameter').map(text);
  const formals = application.formalParameters;
  if (actuals.length !== formals.length) {
    refuse(element, `passes ${actuals.length} actual parameters to Application "${appId}", which declares ${formals.length} formal parameters; XPDL maps them by position, so the counts must match`);
  }
  return {
    id: appId,
    parameters: actuals.map((actual, i) => ({ formal: formals[i].id, actual, direction: formals[i].mode })),
  };
}

/** 2.x DataMappings, which name the formal parameter explicitly; undefined when absent. */
function dataMappings(node: XNode): ParameterMapping[] | undefined {
  const container = child(node, 'DataMappings');
  if (!container) return undefined;
  return children(container, 'DataMapping').map((mapping) => {
    const direction = attr(mapping, 'Direction') ?? 'IN';
    return {
      formal: attr(mapping, 'Formal') ?? '',
      actual: text(child(mapping, 'Actual')),
      direction: direction === 'OUT' || direction === 'INOUT' ? direction : 'IN',
    };
  });
}

export function subFlowCall(
  subFlow: XNode,
  scope: ActivityScope,
  attributes: Array<{ name: string; value: string }>,
  refuse: Refuse,
): SubFlowCall {
  const calledId = attr(subFlow, 'Id');
  if (!calledId) return refuse('SubFlow', 'the SubFlow names no process (Id is missing)');
  for (const unsupported of ['StartActivityId', 'StartActivitySetId', 'InstanceDataField']) {
    if (attr(subFlow, unsupported) !== undefined) {
      refuse('SubFlow', `${unsupported} is not supported yet; the called process starts at its own start activity and its instance id is not stored`);
    }
  }
  const executionAttr = attr(subFlow, 'Execution') ?? 'SYNCHR';
  if (executionAttr !== 'SYNCHR' && executionAttr !== 'ASYNCHR') {
    refuse('SubFlow', `Execution "${executionAttr}" is neither SYNCHR nor ASYNCHR`);
  }
  const execution = executionAttr === 'ASYNCHR' ? 'async' : 'sync';

  // Which process, and where it runs.
  let processId = calledId;
  let remoteRef: string | undefined;
  let calleeFormals: DataField[] | undefined = scope.localProcesses.get(calledId);
  const proxy = scope.proxies.get(calledId);
  const endPoint = attr(child(child(subFlow, 'EndPoint'), 'ExternalReference'), 'location');
  if (calledId.includes('://')) {
    // XPDL 1.0 Wf-XML idiom: the SubFlow Id is the remote factory's address.
    remoteRef = calledId;
    processId = remoteProcessId(calledId);
    calleeFormals = undefined;
  } else if (proxy) {
    processId = proxy.processId;
    remoteRef = proxy.remoteRef;
    calleeFormals = proxy.formalParameters.length ? proxy.formalParameters : undefined;
  } else if (!calleeFormals && endPoint) {
    remoteRef = endPoint;
  }

  let parameters = dataMappings(subFlow);
  const consumed: string[] = [];
  if (!parameters) {
    const actuals = children(child(subFlow, 'ActualParameters'), 'ActualParameter').map(text);
    if (calleeFormals) {
      const formals = calleeFormals.filter((f) => f.mode !== undefined);
      if (actuals.length !== formals.length) {
        refuse('SubFlow', `passes ${actuals.length} actual parameters to process "${processId}", which declares ${formals.length} formal parameters; XPDL maps them by position, so the counts must match`);
      }
      parameters = actuals.map((actual, i) => ({ formal: formals[i].id, actual, direction: formals[i].mode ?? 'IN' }));
    } else {
      // The callee's parameter list is not in this package: pass each variable under its own
      // name unless Shark's ParamMapping renames it, both ways since the direction is unknown.
      const mappingAttribute = attributes.find((a) => a.name === 'ParamMapping');
      const renames = parseParamMapping(mappingAttribute?.value);
      if (mappingAttribute) consumed.push('ParamMapping');
      parameters = actuals.map((actual) => ({ formal: renames.get(actual) ?? actual, actual, direction: 'INOUT' as const }));
    }
  }

  const subprocess: NonNullable<ActivityDef['subprocess']> = { processId, execution, parameters };
  if (remoteRef !== undefined) subprocess.remoteRef = remoteRef;
  return { kind: remoteRef !== undefined ? 'remote-subprocess' : 'subprocess', subprocess, consumed };
}
