export { CompiledSchema, compiledSchemaFor } from './xsd-compiler';
export { validateElement } from './request-validator';
export { checkSimple, describeSimple } from './simple-types';
export type { SchemaType, SimpleType, ComplexType } from './xsd-model';
