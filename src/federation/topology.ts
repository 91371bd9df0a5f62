import { join } from 'node:path';

/**
 * Who takes part in the demo federation and the environment each process gets: the same variables
 * an administrator sets on a real deployment (README "Registering a department engine"), so the
 * launcher, the crash test and docker-compose.yml all run the product the documented way.
 */

export interface DemoUserSpec {
  username: string;
  start?: string[];
  participants?: string[];
  admin?: boolean;
}

export interface DepartmentSpec {
  /** The code the definitions name as ORGANIZATIONAL_UNIT participant. */
  code: string;
  name: string;
  users: DemoUserSpec[];
}

/** The business licence's three agencies (examples/business-licence.xpdl). */
export const LICENCE_DEPARTMENTS: readonly DepartmentSpec[] = [
  {
    code: 'market',
    name: 'Market regulation bureau',
    users: [
      { username: 'market-admin', start: ['*'], participants: ['*'], admin: true },
      { username: 'market-clerk', start: ['business_licence', 'business_licence_express'], participants: ['market'] },
    ],
  },
  {
    code: 'tax',
    name: 'Tax bureau',
    users: [
      { username: 'tax-admin', start: ['*'], participants: ['*'], admin: true },
      { username: 'tax-clerk', start: [], participants: ['tax'] },
    ],
  },
  {
    code: 'fire',
    name: 'Fire department',
    users: [
      { username: 'fire-admin', start: ['*'], participants: ['*'], admin: true },
      // The fire department performs "Inspect premises" with its own process, whose manual step is the inspector's.
      { username: 'fire-inspector', start: [], participants: ['inspector', 'fire'] },
    ],
  },
];

export const LICENCE_XPDL = join(__dirname, '..', '..', 'examples', 'business-licence.xpdl');
export const LICENCE_PROCESSES = ['business_licence', 'fire_inspection', 'business_licence_express'] as const;
/** The department a coordinator deploys the licence at; its running engine publishes it to the others. */
export const COORDINATOR = 'market';

/** Key domains: departments publish under the federation's, the hub generates keys under its own. */
export const DEMO_FEDERATION_DOMAIN = 'gov.example';
export const DEMO_UDDI_DOMAIN = 'hub.gov.example';

export interface HubPlacement {
  port: number;
  url: string;
  databaseUrl: string;
  dataDir: string;
}

export interface DepartmentPlacement extends HubPlacement {
  spec: DepartmentSpec;
  registryPasswordFile: string;
  usersFile: string;
}

export interface FederationSettings {
  host: string;
  federationDomain: string;
  uddiDomain: string;
  logLevel: string;
  /** Added to every child's environment (tests shorten intervals with it). */
  extraEnv?: Record<string, string>;
}

export function urlOf(host: string, port: number): string {
  return `http://${host}:${port}`;
}

export function hubEnv(s: FederationSettings, hub: HubPlacement): Record<string, string> {
  return {
    INTERFLOW_DB: hub.databaseUrl,
    INTERFLOW_HOST: s.host,
    INTERFLOW_PORT: String(hub.port),
    INTERFLOW_FEDERATION_DOMAIN: s.federationDomain,
    INTERFLOW_UDDI_DOMAIN: s.uddiDomain,
    INTERFLOW_DATA_DIR: hub.dataDir,
    INTERFLOW_LOG_LEVEL: s.logLevel,
    ...s.extraEnv,
  };
}

export function departmentEnv(s: FederationSettings, hub: HubPlacement, d: DepartmentPlacement): Record<string, string> {
  return {
    INTERFLOW_DB: d.databaseUrl,
    INTERFLOW_DEPARTMENT: d.spec.code,
    INTERFLOW_DEPARTMENT_NAME: d.spec.name,
    INTERFLOW_HOST: s.host,
    INTERFLOW_PORT: String(d.port),
    INTERFLOW_PUBLIC_URL: d.url,
    INTERFLOW_REGISTRY_URL: hub.url,
    INTERFLOW_REGISTRY_USER: d.spec.code,
    INTERFLOW_REGISTRY_PASSWORD_FILE: d.registryPasswordFile,
    INTERFLOW_USERS_FILE: d.usersFile,
    INTERFLOW_FEDERATION_DOMAIN: s.federationDomain,
    INTERFLOW_UDDI_DOMAIN: s.uddiDomain,
    INTERFLOW_DATA_DIR: d.dataDir,
    INTERFLOW_LOG_LEVEL: s.logLevel,
    // Packages the coordinator publishes install at once; from anyone else they wait for an administrator.
    INTERFLOW_INSTALL_FROM: COORDINATOR,
    ...s.extraEnv,
  };
}
