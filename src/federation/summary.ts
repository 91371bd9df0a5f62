import { relative } from 'node:path';
import { WorkflowEngine } from '../engine';
import { openStore } from '../persistence';
import { MessageLog, whereIs, type TraceEntry } from '../transfer';
import type { Federation } from './launcher';
import type { CaseStep } from './demo-case';
import { TypeormMessageLogRepository } from '../persistence';

/** Where the launcher prints: the CLI passes its stdout and stderr. */
export interface Output {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** What `federation up` prints: where everything is, who may log in, and a case's trace. */

export function printEndpoints(out: Output, f: Federation): void {
  const hub = f.hub.placement.url;
  const rule = '-'.repeat(78);
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  out.stdout(`\n${rule}\nThe federation is up: a registry hub and ${f.departments.size} department engines, each its own process (Ctrl-C stops them all)\n\n`);
  out.stdout(`Registry hub            ${hub}   (pid ${f.hub.process?.pid ?? '-'})\n`);
  out.stdout(`  UDDI Inquiry          ${hub}/uddi/inquiry\n  UDDI Publication      ${hub}/uddi/publication\n  UDDI Security         ${hub}/uddi/security\n  Transfer relay        ${hub}/services/TransferRelay\n`);
  out.stdout(`  list it               INTERFLOW_FEDERATION_DOMAIN=${f.settings.federationDomain} node bin/interflow.js registry list --url ${hub}\n`);
  for (const d of f.departments.values()) {
    const url = d.placement.url;
    out.stdout(`\n${d.placement.spec.name} (${d.code})   ${url}   (pid ${d.process?.pid ?? '-'})\n`);
    out.stdout(`  ProcessService        ${url}/services/ProcessService?wsdl\n`);
    out.stdout(`  Wf-XML factory        ${url}/wfxml/factory/business_licence?wsdl\n`);
    out.stdout(`  TransferService       ${url}/services/TransferService?wsdl\n`);
    out.stdout(`  Console               ${url}/console/\n`);
    out.stdout(`  health / ready        ${url}/health   ${url}/ready   metrics ${url}/metrics\n`);
    out.stdout('  users (random for this run; console login, WS-Security UsernameToken digest, or HTTP Basic on this loopback demo):\n');
    for (const u of d.credentials.users) {
      const can = u.admin ? 'admin: starts anything, acts as anyone, suspends/terminates' : `starts ${u.start.join(', ') || '-'}; acts as ${u.participants.join(', ')}`;
      out.stdout(`    ${u.username.padEnd(16)} ${String(u.password).padEnd(26)} ${can}\n`);
    }
  }
  out.stdout(`\nData directory          ${rel(f.dataDir)}   (one SQLite database per process, generated keys, secrets/ with the users files and publisher passwords, mode 0600)\n`);
  out.stdout('Logs                    ');
  out.stdout([f.hub, ...f.departments.values()].map((m) => rel(m.logFile)).join('\n                        ') + '\n');
  const market = f.departments.get('market');
  const clerk = market?.credentials.users.find((u) => u.username === 'market-clerk');
  if (market && clerk) {
    out.stdout('\nStart a licence case as a legacy client would (SOAP 1.1; HTTP Basic is accepted here because the demo is on loopback):\n\n');
    out.stdout(`  curl -s -u market-clerk:${String(clerk.password)} -H 'Content-Type: text/xml' ${market.placement.url}/services/ProcessService --data \\\n`);
    out.stdout(`    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ps="urn:interflow:process-service:1"><s:Body><ps:StartProcess><ps:ProcessDefinitionId>business_licence</ps:ProcessDefinitionId><ps:Data><ps:Item><ps:Name>applicantId</ps:Name><ps:Value>A-1001</ps:Value></ps:Item></ps:Data></ps:StartProcess></s:Body></s:Envelope>'\n`);
    out.stdout('\n  then work it from each department\'s worklist (GetWorklist / CompleteWorkItem, or the console): market-clerk at market,\n  fire-inspector at fire ("Visit premises"); the tax bureau registers the taxpayer by itself.\n');
  }
  out.stdout(`${rule}\n`);
}

export function printStep(out: Output, s: CaseStep): void {
  out.stdout(`  ${s.at.toISOString().slice(11, 23)}  ${s.department.padEnd(7)} ${s.call.padEnd(32)} ${s.detail}\n`);
}

/**
 * The case's cross-department trace from every department's message log (read from their
 * databases): what each engine sent and received, with the receiver's acknowledgement.
 */
export async function printTrace(out: Output, f: Federation, caseId: string): Promise<void> {
  const rows: Array<TraceEntry & { node: string }> = [];
  let holders = '';
  for (const d of f.departments.values()) {
    const store = await openStore(d.placement.databaseUrl, { migrate: false });
    try {
      const engine = new WorkflowEngine({ store, department: d.code });
      const where = await whereIs(engine, new MessageLog(new TypeormMessageLogRepository(store)), caseId);
      if (where.home) holders = `home ${where.home.department}, ${where.home.state}${where.home.holders.length ? `, open: ${where.home.holders.map((h) => `${h.activityId}@${h.department}`).join(', ')}` : ''}`;
      rows.push(...where.transfers.map((t) => ({ ...t, node: d.code })));
    } finally {
      await store.close();
    }
  }
  rows.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.direction === 'out' ? -1 : 1));
  out.stdout(`\nTrace of case ${caseId} (${holders}) from the departments' message logs:\n`);
  for (const t of rows) {
    const verb = t.direction === 'out' ? 'sent    ' : t.direction === 'in' ? 'received' : t.direction;
    out.stdout(`  ${t.at.toISOString().slice(11, 23)}  ${t.node.padEnd(7)} ${verb} ${t.kind.padEnd(9)} ${`${t.from} → ${t.to}`.padEnd(16)} ${(t.activityId ?? '').padEnd(18)} ${t.outcomeText}${t.reason ? ` (${t.reason})` : ''}\n`);
  }
}
