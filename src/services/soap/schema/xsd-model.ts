/**
 * The compiled form of the XML Schema a SOAP service publishes, as the request validator walks it.
 * Only what a document/literal contract needs is modelled; the compiler refuses anything else by
 * name, so a schema that grows a construct the validator cannot honour fails at start-up.
 */

export type Particle = ElementParticle | GroupParticle | AnyParticle;

export interface Occurs {
  min: number;
  /** Number.POSITIVE_INFINITY for unbounded. */
  max: number;
}

export interface ElementParticle extends Occurs {
  kind: 'element';
  /** Local name: the SOAP layer's parsed tree keys children by local name. */
  name: string;
  type: SchemaType;
}

export interface GroupParticle extends Occurs {
  kind: 'sequence' | 'choice' | 'all';
  items: Particle[];
}

export interface AnyParticle extends Occurs {
  kind: 'any';
}

export type SchemaType = ComplexType | SimpleType;

export interface ComplexType {
  kind: 'complex';
  /** For messages: `ps:DataList`, or the element's name for an anonymous type. */
  label: string;
  /** Undefined: empty content (or simple content, see `simple`). Filled after creation (types may recurse). */
  content?: Particle;
  /** simpleContent: the text is checked against this type. */
  simple?: SimpleType;
  /** Text between child elements is allowed: mixed="true", or a wildcard content model (docs/contract.md). */
  textAllowed: boolean;
  /** Every element name the content model declares, in schema order (for "expected one of"). */
  names: string[];
  /** Whether the content model has a wildcard (xsd:any): unknown names are then not refused. */
  wildcard: boolean;
}

export type Builtin =
  | 'string' | 'normalizedString' | 'token' | 'language' | 'Name' | 'NCName' | 'NMTOKEN' | 'ID' | 'IDREF' | 'QName'
  | 'boolean'
  | 'decimal' | 'integer' | 'long' | 'int' | 'short' | 'byte'
  | 'nonNegativeInteger' | 'positiveInteger' | 'nonPositiveInteger' | 'negativeInteger'
  | 'unsignedLong' | 'unsignedInt' | 'unsignedShort' | 'unsignedByte'
  | 'float' | 'double'
  | 'dateTime' | 'date' | 'time' | 'duration' | 'gYear' | 'gYearMonth'
  | 'anyURI' | 'base64Binary' | 'hexBinary' | 'anySimpleType';

export interface Facets {
  enumeration?: string[];
  length?: number;
  minLength?: number;
  maxLength?: number;
  minInclusive?: number;
  maxInclusive?: number;
  minExclusive?: number;
  maxExclusive?: number;
  patterns?: RegExp[];
}

export interface SimpleType {
  kind: 'simple';
  /** `xsd:int`, `ps:Identifier`: how messages name it. */
  label: string;
  builtin: Builtin;
  facets: Facets;
  /** xsd:list: whitespace-separated items of this type. */
  list?: SimpleType;
  /** xsd:union: valid when any member accepts the value. */
  union?: SimpleType[];
}
