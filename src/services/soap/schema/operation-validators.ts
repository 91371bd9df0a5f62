import type { SoapNode } from '../envelope-parser';
import type { SoapServiceDefinition } from '../soap-service';
import { validateElement } from './request-validator';
import { compiledSchemaFor } from './xsd-compiler';

export type RequestValidator = (body: SoapNode) => void;

/**
 * One validator per operation of a service, keyed like its operations (`{namespace}LocalName`):
 * the request element's global declaration in the schemas the service publishes. An operation
 * whose element no published schema declares (the UDDI APIs, whose official schema the WSDL only
 * names) gets none; its handler's own checks are then all there is (docs/contract.md).
 */
export function requestValidators(def: SoapServiceDefinition): Map<string, RequestValidator> {
  const validators = new Map<string, RequestValidator>();
  const schema = compiledSchemaFor(def.wsdl);
  for (const key of Object.keys(def.operations)) {
    const m = /^\{([^}]*)\}(.+)$/.exec(key);
    if (!m) continue;
    const type = schema.element(m[1], m[2]);
    if (!type) continue;
    const root = m[2];
    validators.set(key, (body) => validateElement(type, body, root));
  }
  return validators;
}
