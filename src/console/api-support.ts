import { resolve } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { type DefinitionRecord, type DeployResult, type InstanceRecord, type WorkflowEngine, type WorkItemRecord } from '../engine';
import type { HeldPackage, HeldState, Refusal, TraceEntry } from '../transfer';
import type { AuthThrottle, SecurityConfig } from '../services/security';
import { type Caller } from '../services/security';
import type { SoapServiceDefinition } from '../services/soap';
import { FederationKeys } from '../binding';
import { ConsoleAuth, type ConsoleSession, type ConsoleSessionStore, type ConsoleUser } from './auth';
import { type CaseTrace } from './case-view';
import { type ConsoleRegistry } from './registry-view';
import { type WsdlSummary } from './wsdl-summary';


export interface ConsoleOptions {
  /** The same users and permissions the SOAP services use (INTERFLOW_USERS_FILE). */
  security: SecurityConfig;
  /** A registry to show (the local UDDI store, or an inquiry client of a remote one). */
  registry?: ConsoleRegistry;
  /**
   * The cross-department trace of a case from the transfer message log, when there is one;
   * undefined lets the console derive it from the history.
   */
  caseTrace?: (instanceId: string) => Promise<CaseTrace | undefined>;
  /** The federation's UDDI keys (src/binding); src/app gives those of INTERFLOW_FEDERATION_DOMAIN; default the default domain's. */
  federationKeys?: FederationKeys;
  /** The transfer message log (src/transfer MessageLog fits): the case page lists the messages of a case. */
  transferLog?: TransferLogReader;
  /** Published packages held for an administrator (src/transfer HeldPackages): administrators approve or reject them on the Definitions page. */
  heldPackages?: HeldPackageAdmin;
  /**
   * The department's display name for the header and title ("Tax bureau"); src/app gives
   * INTERFLOW_DEPARTMENT_NAME; else the name definitions give the department's participant.
   */
  departmentName?: string;
  /** Whose console this is: a department engine (default) or the registry hub. */
  role?: 'department' | 'hub';
  /** Where login sessions live (default in memory): the shared database, so every replica serves them. */
  sessions?: ConsoleSessionStore;
  /** The failed-login throttle (default one in memory): the server's shared one. */
  throttle?: AuthThrottle;
}

/** What the console needs of src/transfer HeldPackages. */
export interface HeldPackageAdmin {
  list(filter?: { state?: HeldState }): Promise<HeldPackage[]>;
  get(id: string): Promise<HeldPackage & { source: string }>;
  approve(id: string, actor: string): Promise<DeployResult[]>;
  reject(id: string, actor: string, reason?: string): Promise<void>;
}

/** One logged inter-department message item: transfer's trace entry. */
export type TransferLogEntry = TraceEntry;

export interface TransferLogReader {
  trace(caseId: string): Promise<TransferLogEntry[]>;
  /** Refused messages and items (src/transfer MessageLog.refusals): the overview counts the recent ones. */
  refusals?(filter: { since?: Date; limit?: number }): Promise<Refusal[]>;
}

export interface ConsoleContext extends ConsoleOptions {
  engine: WorkflowEngine;
  log: Logger;
  /** The SOAP services this server has mounted, for the registry page's "this engine" part. */
  services: () => readonly SoapServiceDefinition[];
  /** Whether a request came over TLS (directly or through a trusted proxy). */
  isSecure: (req: Request) => boolean;
  /** scheme://host:port the request was addressed to. */
  baseUrl: (req: Request) => string;
}

export const CONSOLE_PATH = '/console';
/** Where the browser side lives: console/ at the package root, beside src/ and dist/. */
export const STATIC_DIR = resolve(__dirname, '..', '..', 'console');
export const PAGE_SIZE_MAX = 100;
export const SEARCH_SCAN_LIMIT = 2000;

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'BAD_REQUEST',
  ) {
    super(message);
  }
}



export function caller(user: ConsoleUser): Caller {
  return { username: user.username, via: 'basic', start: user.start, participants: user.participants, admin: user.admin };
}

export function isJson(req: Request): boolean {
  return /^application\/json\b/i.test(req.headers['content-type'] ?? '');
}

/** Form values arrive as strings (the engine converts them to the declared types); blanks mean "leave as is". */
export function formData(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'data must be an object of field names and values');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === '' || v === null || v === undefined) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) out[k] = v;
    else throw new HttpError(400, `field "${k}" must be a text, number, yes/no or a list of them`);
  }
  return out;
}

export function caseSummary(i: InstanceRecord) {
  return {
    id: i.id,
    processId: i.processId,
    version: i.version,
    state: i.state,
    subject: i.subject ?? null,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    completedAt: i.completedAt ?? null,
    parentInstanceId: i.parentInstanceId ?? null,
  };
}

export function workItemSummary(w: WorkItemRecord) {
  return {
    id: w.id,
    instanceId: w.instanceId,
    activityId: w.activityId,
    activityName: w.activityName ?? null,
    participant: w.participant,
    department: w.department ?? null,
    kind: w.kind,
    state: w.state,
    loopCounter: w.loopCounter ?? null,
    createdAt: w.createdAt,
  };
}

export function matchesText(i: InstanceRecord, needle: string): boolean {
  if (i.id.toLowerCase().includes(needle) || (i.subject ?? '').toLowerCase().includes(needle) || i.processId.toLowerCase().includes(needle)) return true;
  return Object.values(i.data).some((v) => v !== null && v !== undefined && typeof v !== 'object' && String(v).toLowerCase().includes(needle));
}

export function clampInt(raw: unknown, dflt: number, min: number, max: number): number {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

export function departmentCodes(defs: readonly DefinitionRecord[]): string[] {
  const codes = new Set<string>();
  for (const d of defs) for (const a of d.definition.activities) if (a.department) codes.add(a.department);
  return [...codes].sort();
}

export function dedupe<T extends { name: string; path: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((s) => (seen.has(s.path) ? false : (seen.add(s.path), true)));
}

/** What every page's API shares: the router's context, its session handling and helpers. */
export interface ConsoleApi {
  ctx: ConsoleContext;
  engine: WorkflowEngine;
  auth: ConsoleAuth;
  handle: (fn: (req: Request, res: Response, session: ConsoleSession) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => void;
  federationKeys: FederationKeys;
  latestDefinitions(): Promise<DefinitionRecord[]>;
  definitionOf(req: Request): Promise<DefinitionRecord>;
  visibleWorklist(user: ConsoleUser, limit: number): Promise<WorkItemRecord[]>;
  requireActAs(user: ConsoleUser, item: WorkItemRecord): void;
  localSummary(def: SoapServiceDefinition): Promise<WsdlSummary>;
  remoteSummary(wsdlUrl: string): Promise<WsdlSummary & { url: string }>;
}
