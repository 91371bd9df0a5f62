import { ProcessServiceClient, type ProcessInstance, type WorklistFilter } from './process-client';
import { waitFor } from './readiness';

/**
 * One business licence case driven end to end the way legacy back offices would: only SOAP calls
 * to the departments' ProcessService endpoints, each as that department's own user. The market
 * clerk starts the case and works market's steps; the fire inspector works the inspection step of
 * the fire department's internal process; the tax bureau's registration is automatic.
 */

export interface LicenceCaseParties {
  /** market-clerk at the market regulation bureau. */
  market: ProcessServiceClient;
  /** fire-inspector at the fire department. */
  fire: ProcessServiceClient;
  /** An administrator at market, to read the case's history. */
  marketAdmin?: ProcessServiceClient;
}

export interface CaseStep {
  at: Date;
  department: string;
  call: string;
  detail: string;
}

export interface LicenceCaseResult {
  caseId: string;
  instance: ProcessInstance;
  steps: CaseStep[];
}

export async function runLicenceCase(
  parties: LicenceCaseParties,
  options: { applicantId?: string; premisesSafe?: boolean; timeoutMs?: number; onStep?: (s: CaseStep) => void } = {},
): Promise<LicenceCaseResult> {
  const steps: CaseStep[] = [];
  const step = (department: string, call: string, detail: string) => {
    const s = { at: new Date(), department, call, detail };
    steps.push(s);
    options.onStep?.(s);
  };
  const timeoutMs = options.timeoutMs ?? 60_000;
  const applicantId = options.applicantId ?? `APP-${Date.now().toString(36).toUpperCase()}`;
  const safe = options.premisesSafe ?? true;

  const started = await parties.market.startProcess('business_licence', { applicantId }, `Business licence for ${applicantId}`);
  const caseId = started.id;
  step('market', 'StartProcess business_licence', `case ${caseId} (${started.state}), applicantId=${applicantId}`);

  const work = async (department: string, client: ProcessServiceClient, activityId: string, data: Record<string, string>, filter: WorklistFilter) => {
    const item = await waitFor(`${activityId} in the ${department} worklist`, async () => (await client.getWorklist([], { activityId, ...filter }))[0], { timeoutMs, intervalMs: 250 });
    step(department, 'GetWorklist', `work item ${item.workItemId} "${item.activityName}" for ${item.participant}`);
    const state = await client.completeWorkItem(item.workItemId, data);
    step(department, 'CompleteWorkItem', `${activityId} with ${Object.entries(data).map(([k, v]) => `${k}=${v}`).join(', ')} → case there ${state}`);
  };
  const ofThisCase = { processInstanceId: caseId };

  await work('market', parties.market, 'receive_application', { businessName: 'Corner Bakery', address: safe ? '1 Main Street' : '1 Main Street, basement' }, ofThisCase);
  await work('market', parties.market, 'review_application', { complete: 'true' }, ofThisCase);
  // Fire's work item belongs to the fire department's own instance of fire_inspection, which names
  // the market case it performs "Inspect premises" for as its home case.
  await work('fire', parties.fire, 'visit_premises', { premisesSafe: String(safe) }, { homeDepartment: 'market', homeProcessInstanceId: caseId });
  await work('market', parties.market, 'approve', { approved: 'true' }, ofThisCase);

  const reader = parties.marketAdmin ?? parties.market;
  const instance = await waitFor(`case ${caseId} to close at market`, async () => {
    const inst = await reader.getProcessInstance(caseId);
    return inst.state.startsWith('closed.') ? inst : undefined;
  }, { timeoutMs, intervalMs: 250 });
  step('market', 'GetProcessInstance', `case ${caseId} is ${instance.state}; ${instance.data.licenceNo ? `licenceNo=${instance.data.licenceNo}` : `rejectionReason=${instance.data.rejectionReason}`}, taxpayerId=${instance.data.taxpayerId}`);
  return { caseId, instance, steps };
}
