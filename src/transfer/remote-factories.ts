/**
 * Where a remote SubFlow is bound (docs/remote-subprocess.md). The SubFlow's Id (or EndPoint) in a
 * definition is the factory address its author's engine used — for the 2005 Wf-XML demo
 * definitions, vendor hosts that are long gone — so Interflow never calls it. It binds the call at
 * run time instead, in this order:
 *
 * 1. INTERFLOW_REMOTE_FACTORIES, by the SubFlow Id, then by the derived process id: the operator's
 *    word about this deployment wins over what a definition says;
 * 2. the activity's `RemoteDepartment` extended attribute (the definition's author narrowing it);
 * 3. the registry: any department whose entry offers a Wf-XML factory for the process.
 */

export const REMOTE_FACTORIES_ENV = 'INTERFLOW_REMOTE_FACTORIES';
export const REMOTE_DEPARTMENT_ATTRIBUTE = 'RemoteDepartment';

/** One entry of INTERFLOW_REMOTE_FACTORIES, in its long form. */
export interface RemoteFactoryMapping {
  /** The department whose registered factory is called. */
  department?: string;
  /** The process to start there, when it is not the one derived from the SubFlow Id. */
  processId?: string;
  /** Only a factory that lists this capability (<processId>/<activityId>). */
  capability?: string;
  /** A factory address called as it is, outside the registry (an engine that does not register). */
  url?: string;
}

export type RemoteFactoryTable = ReadonlyMap<string, RemoteFactoryMapping>;

/** How one remote SubFlow call is bound, and why (for the logs and lastError). */
export type RemoteFactoryTarget =
  | { kind: 'registry'; processId: string; department?: string; capability?: string; because: string }
  | { kind: 'url'; url: string; because: string };

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function text(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !value.trim()) throw new Error(`${REMOTE_FACTORIES_ENV}: ${where} must be a non-empty string`);
  return value.trim();
}

/**
 * Parses INTERFLOW_REMOTE_FACTORIES: a JSON object from a SubFlow Id or a process id to a
 * department code, a factory URL, or `{ department?, processId?, capability?, url? }`. A value that
 * is set but wrong stops the engine at start with what is expected, like every other setting.
 */
export function parseRemoteFactories(raw: string | undefined): RemoteFactoryTable {
  const table = new Map<string, RemoteFactoryMapping>();
  if (!raw?.trim()) return table;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${REMOTE_FACTORIES_ENV} must be a JSON object ({"<SubFlow Id or process id>": "<department code or factory URL>"}): ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${REMOTE_FACTORIES_ENV} must be a JSON object ({"<SubFlow Id or process id>": "<department code or factory URL>"})`);
  }
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!key.trim()) throw new Error(`${REMOTE_FACTORIES_ENV}: an empty key maps nothing`);
    let mapping: RemoteFactoryMapping;
    if (typeof value === 'string') {
      const v = text(value, `"${key}"`)!;
      mapping = isHttpUrl(v) ? { url: v } : { department: v };
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      const unknown = Object.keys(o).filter((k) => !['department', 'processId', 'capability', 'url'].includes(k));
      if (unknown.length) throw new Error(`${REMOTE_FACTORIES_ENV}: "${key}" has unknown field(s) ${unknown.join(', ')}; use department, processId, capability or url`);
      const department = text(o.department, `"${key}".department`);
      const processId = text(o.processId, `"${key}".processId`);
      const capability = text(o.capability, `"${key}".capability`);
      const url = text(o.url, `"${key}".url`);
      if (url && !isHttpUrl(url)) throw new Error(`${REMOTE_FACTORIES_ENV}: "${key}".url must be an http(s) URL, got "${url}"`);
      if (url && (department || processId || capability)) throw new Error(`${REMOTE_FACTORIES_ENV}: "${key}" names a url and registry fields; a url is called as it is, so give one or the other`);
      mapping = { ...(department ? { department } : {}), ...(processId ? { processId } : {}), ...(capability ? { capability } : {}), ...(url ? { url } : {}) };
      if (!Object.keys(mapping).length) throw new Error(`${REMOTE_FACTORIES_ENV}: "${key}" maps to an empty object`);
    } else {
      throw new Error(`${REMOTE_FACTORIES_ENV}: "${key}" must map to a department code, a factory URL or an object`);
    }
    table.set(key.trim(), mapping);
  }
  return table;
}

export function remoteFactoriesFromEnv(env: NodeJS.ProcessEnv): RemoteFactoryTable {
  return parseRemoteFactories(env[REMOTE_FACTORIES_ENV]);
}

/** Decides how one remote SubFlow call is bound; see the module comment for the order. */
export function remoteFactoryTarget(call: {
  /** The SubFlow Id or EndPoint as the definition gives it (the outbox row's destination). */
  remoteRef: string;
  /** The process id the importer derived from it (procDef=, planName=, or the last path segment). */
  processId: string;
  /** The calling activity's extended attributes. */
  attributes?: Readonly<Record<string, string>>;
  table?: RemoteFactoryTable;
}): RemoteFactoryTarget {
  const byRef = call.table?.get(call.remoteRef.trim());
  const byProcess = byRef ? undefined : call.table?.get(call.processId);
  const mapping = byRef ?? byProcess;
  if (mapping) {
    const because = `${REMOTE_FACTORIES_ENV}[${JSON.stringify(byRef ? call.remoteRef : call.processId)}]`;
    if (mapping.url) return { kind: 'url', url: mapping.url, because };
    return {
      kind: 'registry',
      processId: mapping.processId ?? call.processId,
      ...(mapping.department ? { department: mapping.department } : {}),
      ...(mapping.capability ? { capability: mapping.capability } : {}),
      because,
    };
  }
  const department = call.attributes?.[REMOTE_DEPARTMENT_ATTRIBUTE]?.trim();
  if (department) return { kind: 'registry', processId: call.processId, department, because: `the activity's ${REMOTE_DEPARTMENT_ATTRIBUTE} extended attribute` };
  return { kind: 'registry', processId: call.processId, because: 'the registry (any department offering the process)' };
}

/** The target in words, for logs and the outbox's lastError. */
export function describeTarget(t: RemoteFactoryTarget): string {
  if (t.kind === 'url') return `factory ${t.url}`;
  const parts = [`the factory of process "${t.processId}"`];
  if (t.department) parts.push(`at department ${t.department}`);
  if (t.capability) parts.push(`performing ${t.capability}`);
  return parts.join(' ');
}
