import type { BindingTemplate, BusinessEntity, BusinessService, CategoryBag, KeyedReference, TModel } from '../../src/registry';

/** Builders for registry entities: only what a test cares about, the rest empty. */

export function business(name: string | string[], extra: Partial<BusinessEntity> = {}): BusinessEntity {
  const names = (Array.isArray(name) ? name : [name]).map((value) => ({ value }));
  return { discoveryURLs: [], names, descriptions: [], contacts: [], businessServices: [], identifierBag: [], ...extra };
}

export function service(name: string, extra: Partial<BusinessService> = {}): BusinessService {
  return { names: [{ value: name }], descriptions: [], bindingTemplates: [], ...extra };
}

export function binding(accessPoint: string, tModelKeys: string[] = [], extra: Partial<BindingTemplate> = {}): BindingTemplate {
  return {
    descriptions: [],
    accessPoint: { value: accessPoint, useType: 'endPoint' },
    tModelInstanceDetails: tModelKeys.map((tModelKey) => ({ tModelKey, descriptions: [] })),
    ...extra,
  };
}

export function tModel(name: string, extra: Partial<TModel> = {}): TModel {
  return { name: { value: name }, descriptions: [], overviewDocs: [], identifierBag: [], ...extra };
}

export function ref(tModelKey: string, keyValue: string, keyName?: string): KeyedReference {
  return keyName === undefined ? { tModelKey, keyValue } : { tModelKey, keyValue, keyName };
}

export function bag(...refs: KeyedReference[]): CategoryBag {
  return { keyedReferences: refs, keyedReferenceGroups: [] };
}

export const CAPABILITY = 'uddi:interflow.org:capability';
export const DEPARTMENT_TYPE = 'uddi:interflow.org:department-type';
export const WSDL_TYPES = 'uddi:uddi.org:wsdl:types';
