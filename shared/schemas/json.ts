/**
 * JSON Schema schemas for the registry: parsing (drafts 4, 6, 7, 2019-09 and
 * 2020-12, compiled with ajv so invalid schemas are refused; `$ref`s to other
 * registered schemas resolve by reference name), a canonical rendering, and
 * Confluent's compatibility rules.
 *
 * Compatibility mirrors Confluent's `json.diff` difference kinds, comparing
 * the writer's schema (Confluent's "original") with the reader's ("update"):
 * the reader must accept every document the writer's schema accepts. Content
 * models decide what adding or removing a property means: in an open model
 * (no `additionalProperties` constraint) the writer may already have written
 * any property, so the reader may not add a constrained one; in a closed model
 * the reader may not drop one the writer writes.
 */

import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { type ResolvedReference, SchemaParseError, type SchemaRules } from './types.js';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

type Draft = 'draft-04' | 'draft-06' | 'draft-07' | '2019-09' | '2020-12';

export interface ParsedJsonSchema {
  readonly draft: Draft;
  readonly schema: JsonValue;
  /** Referenced schemas by the name the `$ref`s use, references of references included. */
  readonly references: ReadonlyMap<string, JsonValue>;
  /** Every `$id` (and draft 4 `id`) declared in the schema or its references, to the node declaring it. */
  readonly ids: ReadonlyMap<string, Located>;
}

export type JsonSchemaDifference =
  | 'ID_CHANGED'
  | 'DESCRIPTION_CHANGED'
  | 'TITLE_CHANGED'
  | 'DEFAULT_CHANGED'
  | 'SCHEMA_ADDED'
  | 'SCHEMA_REMOVED'
  | 'TYPE_EXTENDED'
  | 'TYPE_NARROWED'
  | 'TYPE_CHANGED'
  | 'MAX_LENGTH_ADDED'
  | 'MAX_LENGTH_REMOVED'
  | 'MAX_LENGTH_INCREASED'
  | 'MAX_LENGTH_DECREASED'
  | 'MIN_LENGTH_ADDED'
  | 'MIN_LENGTH_REMOVED'
  | 'MIN_LENGTH_INCREASED'
  | 'MIN_LENGTH_DECREASED'
  | 'PATTERN_ADDED'
  | 'PATTERN_REMOVED'
  | 'PATTERN_CHANGED'
  | 'MAXIMUM_ADDED'
  | 'MAXIMUM_REMOVED'
  | 'MAXIMUM_INCREASED'
  | 'MAXIMUM_DECREASED'
  | 'MINIMUM_ADDED'
  | 'MINIMUM_REMOVED'
  | 'MINIMUM_INCREASED'
  | 'MINIMUM_DECREASED'
  | 'EXCLUSIVE_MAXIMUM_ADDED'
  | 'EXCLUSIVE_MAXIMUM_REMOVED'
  | 'EXCLUSIVE_MAXIMUM_INCREASED'
  | 'EXCLUSIVE_MAXIMUM_DECREASED'
  | 'EXCLUSIVE_MINIMUM_ADDED'
  | 'EXCLUSIVE_MINIMUM_REMOVED'
  | 'EXCLUSIVE_MINIMUM_INCREASED'
  | 'EXCLUSIVE_MINIMUM_DECREASED'
  | 'MULTIPLE_OF_ADDED'
  | 'MULTIPLE_OF_REMOVED'
  | 'MULTIPLE_OF_EXPANDED'
  | 'MULTIPLE_OF_REDUCED'
  | 'MULTIPLE_OF_CHANGED'
  | 'REQUIRED_ATTRIBUTE_ADDED'
  | 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED'
  | 'REQUIRED_ATTRIBUTE_REMOVED'
  | 'MAX_PROPERTIES_ADDED'
  | 'MAX_PROPERTIES_REMOVED'
  | 'MAX_PROPERTIES_INCREASED'
  | 'MAX_PROPERTIES_DECREASED'
  | 'MIN_PROPERTIES_ADDED'
  | 'MIN_PROPERTIES_REMOVED'
  | 'MIN_PROPERTIES_INCREASED'
  | 'MIN_PROPERTIES_DECREASED'
  | 'ADDITIONAL_PROPERTIES_ADDED'
  | 'ADDITIONAL_PROPERTIES_REMOVED'
  | 'ADDITIONAL_PROPERTIES_EXTENDED'
  | 'ADDITIONAL_PROPERTIES_NARROWED'
  | 'DEPENDENCY_ARRAY_ADDED'
  | 'DEPENDENCY_ARRAY_REMOVED'
  | 'DEPENDENCY_ARRAY_EXTENDED'
  | 'DEPENDENCY_ARRAY_NARROWED'
  | 'DEPENDENCY_ARRAY_CHANGED'
  | 'DEPENDENCY_SCHEMA_ADDED'
  | 'DEPENDENCY_SCHEMA_REMOVED'
  | 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'
  | 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
  | 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL'
  | 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL'
  | 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL'
  | 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL'
  | 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
  | 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL'
  | 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'MAX_ITEMS_ADDED'
  | 'MAX_ITEMS_REMOVED'
  | 'MAX_ITEMS_INCREASED'
  | 'MAX_ITEMS_DECREASED'
  | 'MIN_ITEMS_ADDED'
  | 'MIN_ITEMS_REMOVED'
  | 'MIN_ITEMS_INCREASED'
  | 'MIN_ITEMS_DECREASED'
  | 'UNIQUE_ITEMS_ADDED'
  | 'UNIQUE_ITEMS_REMOVED'
  | 'ADDITIONAL_ITEMS_ADDED'
  | 'ADDITIONAL_ITEMS_REMOVED'
  | 'ADDITIONAL_ITEMS_EXTENDED'
  | 'ADDITIONAL_ITEMS_NARROWED'
  | 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL'
  | 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
  | 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL'
  | 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL'
  | 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
  | 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL'
  | 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
  | 'ENUM_ARRAY_EXTENDED'
  | 'ENUM_ARRAY_NARROWED'
  | 'ENUM_ARRAY_CHANGED'
  | 'COMBINED_TYPE_EXTENDED'
  | 'COMBINED_TYPE_CHANGED'
  | 'PRODUCT_TYPE_EXTENDED'
  | 'PRODUCT_TYPE_NARROWED'
  | 'SUM_TYPE_EXTENDED'
  | 'SUM_TYPE_NARROWED'
  | 'COMBINED_TYPE_SUBSCHEMAS_CHANGED'
  | 'NOT_TYPE_EXTENDED'
  | 'NOT_TYPE_NARROWED';

/** The differences a reader tolerates (Confluent's list); every other one is a problem. */
export const COMPATIBLE_JSON_DIFFERENCES: ReadonlySet<JsonSchemaDifference> = new Set<JsonSchemaDifference>([
  'ID_CHANGED',
  'DESCRIPTION_CHANGED',
  'TITLE_CHANGED',
  'DEFAULT_CHANGED',
  'SCHEMA_REMOVED',
  'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED',
  'MAX_LENGTH_REMOVED',
  'MIN_LENGTH_DECREASED',
  'MIN_LENGTH_REMOVED',
  'PATTERN_REMOVED',
  'MAXIMUM_INCREASED',
  'MAXIMUM_REMOVED',
  'MINIMUM_DECREASED',
  'MINIMUM_REMOVED',
  'EXCLUSIVE_MAXIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_REMOVED',
  'EXCLUSIVE_MINIMUM_DECREASED',
  'EXCLUSIVE_MINIMUM_REMOVED',
  'MULTIPLE_OF_REDUCED',
  'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED',
  'REQUIRED_ATTRIBUTE_REMOVED',
  'DEPENDENCY_ARRAY_NARROWED',
  'DEPENDENCY_ARRAY_REMOVED',
  'DEPENDENCY_SCHEMA_REMOVED',
  'MAX_PROPERTIES_INCREASED',
  'MAX_PROPERTIES_REMOVED',
  'MIN_PROPERTIES_DECREASED',
  'MIN_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED',
  'ADDITIONAL_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED',
  'MAX_ITEMS_REMOVED',
  'MIN_ITEMS_DECREASED',
  'MIN_ITEMS_REMOVED',
  'UNIQUE_ITEMS_REMOVED',
  'ADDITIONAL_ITEMS_ADDED',
  'ADDITIONAL_ITEMS_EXTENDED',
  'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED',
  'COMBINED_TYPE_EXTENDED',
  'PRODUCT_TYPE_NARROWED',
  'SUM_TYPE_EXTENDED',
  'NOT_TYPE_NARROWED',
]);

// ---------------------------------------------------------------------------
// Parsing

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function parseJson(text: string, what: string): JsonValue {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new SchemaParseError(`Invalid JSON schema ${what}: ${errorMessage(err)}`);
  }
  if (!isObject(value) && typeof value !== 'boolean') {
    throw new SchemaParseError(`Invalid JSON schema ${what}: a schema is an object or a boolean`);
  }
  return value;
}

function draftOf(schema: JsonValue): Draft {
  const declared = isObject(schema) && typeof schema.$schema === 'string' ? schema.$schema : '';
  if (declared.includes('draft-04')) return 'draft-04';
  if (declared.includes('draft-06')) return 'draft-06';
  if (declared.includes('2019-09')) return '2019-09';
  if (declared.includes('2020-12')) return '2020-12';
  return 'draft-07';
}

/**
 * Draft 4 and 6 schemas in draft 7 terms, so one ajv validates them: ajv 8
 * has no draft 4 meta-schema, and draft 4's boolean `exclusiveMinimum` /
 * `exclusiveMaximum` and `id` become their draft 6 forms.
 */
function asDraft7(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(asDraft7);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '$schema') continue;
    if (key === 'id' && typeof child === 'string' && !('$id' in value)) out.$id = child;
    else if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = isObject(child) ? Object.fromEntries(Object.entries(child).map(([k, v]) => [k, asDraft7(v)])) : child;
    } else out[key] = asDraft7(child);
  }
  for (const [bound, limit] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof value[bound] === 'boolean') {
      if (value[bound] === true && typeof value[limit] === 'number') {
        out[bound] = value[limit];
        delete out[limit];
      } else delete out[bound];
    }
  }
  return out;
}

function withoutDialect(schema: JsonValue): JsonValue {
  if (!isObject(schema) || !('$schema' in schema)) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

type AnyAjv = Ajv | Ajv2019 | Ajv2020;

const addFormats = addFormatsModule as unknown as (ajv: AnyAjv) => AnyAjv;

function newAjv(draft: Draft): AnyAjv {
  // Confluent accepts unknown keywords and formats; strictness would refuse schemas it registers.
  const options = { strict: false, logger: false as const, allErrors: false, validateFormats: true };
  const ajv =
    draft === '2020-12' ? new Ajv2020(options) : draft === '2019-09' ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

function collectReferences(references: readonly ResolvedReference[], into: Map<string, JsonValue>): void {
  for (const reference of references) {
    if (into.has(reference.name)) continue;
    into.set(reference.name, parseJson(reference.schema, `reference ${reference.name}`));
    collectReferences(reference.references, into);
  }
}

/** Ajv's own draft 7 meta-schema id: other dialect ids on a draft 7 schema are dropped, as ajv would not know them. */
const DRAFT7_ID = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

function forAjv(schema: JsonValue, draft: Draft): JsonValue {
  if (draft === 'draft-04' || draft === 'draft-06') return asDraft7(schema);
  if (
    draft === 'draft-07' &&
    isObject(schema) &&
    typeof schema.$schema === 'string' &&
    !DRAFT7_ID.test(schema.$schema)
  ) {
    return withoutDialect(schema);
  }
  return schema;
}

function indexIds(doc: JsonValue, node: JsonValue, ids: Map<string, Located>): void {
  if (Array.isArray(node)) {
    for (const child of node) indexIds(doc, child, ids);
    return;
  }
  if (!isObject(node)) return;
  const id = typeof node.$id === 'string' ? node.$id : typeof node.id === 'string' ? node.id : undefined;
  if (id && !id.startsWith('#') && !ids.has(id)) ids.set(id.replace(/#$/, ''), { node, doc });
  for (const [key, child] of Object.entries(node)) {
    if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'examples') indexIds(doc, child, ids);
  }
}

function baseUrl(schema: JsonValue): string | undefined {
  if (!isObject(schema)) return undefined;
  const id = typeof schema.$id === 'string' ? schema.$id : typeof schema.id === 'string' ? schema.id : undefined;
  if (!id) return undefined;
  try {
    return new URL(id).href;
  } catch {
    return undefined;
  }
}

function isRelative(name: string): boolean {
  try {
    new URL(name);
    return false;
  } catch {
    return true;
  }
}

function withoutId(schema: JsonValue): JsonValue {
  if (!isObject(schema)) return schema;
  const { $id: _id, id: _legacyId, ...rest } = schema;
  return rest;
}

/** Compiles a schema with its references into ajv; throws ajv's error when it does not compile. */
function compile(schema: JsonValue, draft: Draft, referenced: ReadonlyMap<string, JsonValue>): ValidateFunction {
  const ajv = newAjv(draft);
  const base = baseUrl(schema);
  for (const [name, refSchema] of referenced) {
    const prepared = withoutDialect(forAjv(refSchema, draftOf(refSchema)));
    ajv.addSchema(prepared as AnySchema, name);
    // A relative `$ref` in a schema with an absolute `$id` resolves against that id.
    const alias = base && isRelative(name) ? new URL(name, base).href : undefined;
    if (alias && alias !== name) ajv.addSchema(withoutId(prepared) as AnySchema, alias);
  }
  return ajv.compile(forAjv(schema, draft) as AnySchema);
}

/**
 * A validator of documents against a parsed schema: what stops `document`
 * conforming, ajv's first error as `<instance path> <message>`, or null when
 * it conforms.
 */
export function jsonDocumentValidator(parsed: ParsedJsonSchema): (document: unknown) => string | null {
  const validate = compile(parsed.schema, parsed.draft, parsed.references);
  return (document) => {
    if (validate(document)) return null;
    const first = validate.errors?.[0];
    return first === undefined ? 'does not match the schema' : `${first.instancePath || '/'} ${first.message ?? ''}`;
  };
}

function parse(text: string, references: readonly ResolvedReference[]): ParsedJsonSchema {
  const schema = parseJson(text, 'schema');
  const draft = draftOf(schema);
  const referenced = new Map<string, JsonValue>();
  collectReferences(references, referenced);
  try {
    compile(schema, draft, referenced);
  } catch (err) {
    throw new SchemaParseError(`Invalid JSON schema: ${errorMessage(err)}`);
  }

  const ids = new Map<string, Located>();
  indexIds(schema, schema, ids);
  for (const doc of referenced.values()) indexIds(doc, doc, ids);
  return { draft, schema, references: referenced, ids };
}

// ---------------------------------------------------------------------------
// Canonical form

function sortedJson(value: JsonValue, normalize: boolean, key?: string): string {
  if (Array.isArray(value)) {
    const items = value.map((v) => sortedJson(v, normalize));
    // `required` and `type` lists are sets: order does not change meaning.
    if (normalize && (key === 'required' || key === 'type')) items.sort();
    return `[${items.join(',')}]`;
  }
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(value[k] as JsonValue, normalize, k)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function canonical(parsed: ParsedJsonSchema, normalize: boolean): string {
  return sortedJson(parsed.schema, normalize);
}

// ---------------------------------------------------------------------------
// Compatibility

/** A subschema and the document its local `$ref`s resolve in. */
interface Located {
  readonly node: JsonValue;
  readonly doc: JsonValue;
}

type Criterion = 'allOf' | 'anyOf' | 'oneOf';

type Shape =
  | { readonly kind: 'empty' }
  | { readonly kind: 'false' }
  | { readonly kind: 'combined'; readonly criterion: Criterion; readonly subs: readonly Located[] }
  | { readonly kind: 'not'; readonly sub: Located }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array'; readonly s: JsonObject };

const TYPE_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  object: [
    'properties',
    'required',
    'additionalProperties',
    'patternProperties',
    'minProperties',
    'maxProperties',
    'dependencies',
    'dependentRequired',
    'dependentSchemas',
    'propertyNames',
  ],
  array: ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'],
  string: ['minLength', 'maxLength', 'pattern'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
};

const COMBINERS: readonly Criterion[] = ['allOf', 'anyOf', 'oneOf'];

function pointer(doc: JsonValue, fragment: string): JsonValue | undefined {
  let node: JsonValue | undefined = doc;
  for (const raw of fragment.split('/').slice(1)) {
    const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else return undefined;
  }
  return node;
}

function findAnchor(node: JsonValue, anchor: string): JsonValue | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = findAnchor(child, anchor);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isObject(node)) return undefined;
  if (node.$anchor === anchor || node.$id === `#${anchor}` || node.id === `#${anchor}`) return node;
  for (const child of Object.values(node)) {
    const found = findAnchor(child, anchor);
    if (found !== undefined) return found;
  }
  return undefined;
}

function resolveRef(parsed: ParsedJsonSchema, at: Located, ref: string): Located | undefined {
  const hash = ref.indexOf('#');
  const base = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  let doc = at.doc;
  if (base) {
    const byId = parsed.ids.get(base);
    const named = parsed.references.get(base);
    if (named !== undefined) doc = named;
    else if (byId) doc = byId.node;
    else {
      // A relative name may be registered under its last path segment.
      const tail = [...parsed.references.keys()].find((name) => base.endsWith(`/${name}`) || name.endsWith(`/${base}`));
      if (!tail) return undefined;
      doc = parsed.references.get(tail) as JsonValue;
    }
  }
  if (!fragment) return { node: doc, doc };
  const node = fragment.startsWith('/') ? pointer(doc, fragment) : findAnchor(doc, fragment);
  return node === undefined ? undefined : { node, doc };
}

function follow(parsed: ParsedJsonSchema, at: Located): Located {
  let current = at;
  for (let hops = 0; hops < 32; hops++) {
    const node = current.node;
    if (!isObject(node) || typeof node.$ref !== 'string') return current;
    const next = resolveRef(parsed, current, node.$ref);
    // An unresolvable reference compares as the empty schema: it constrains nothing we can see.
    if (!next) return { node: true, doc: current.doc };
    current = next;
  }
  return current;
}

function singleType(s: JsonObject, type: string): Shape {
  if (type === 'integer' || type === 'number') return { kind: 'number', s: { ...s, type } };
  if (type === 'string' || type === 'boolean' || type === 'null' || type === 'object' || type === 'array') {
    return { kind: type, s };
  }
  return { kind: 'empty' };
}

function typeShape(s: JsonObject, doc: JsonValue): Shape | undefined {
  const declared = s.type;
  if (typeof declared === 'string') return singleType(s, declared);
  if (Array.isArray(declared)) {
    const types = declared.filter((t): t is string => typeof t === 'string');
    if (types.length === 1) return singleType(s, types[0] as string);
    // A type list is a union of single-typed schemas sharing the other keywords.
    const subs = types.map((t) => ({ node: { ...s, type: t }, doc }));
    return { kind: 'combined', criterion: 'anyOf', subs };
  }
  const inferred = Object.keys(TYPE_KEYWORDS).filter((t) => TYPE_KEYWORDS[t]?.some((k) => k in s));
  if (inferred.length === 1) return singleType(s, inferred[0] as string);
  return undefined;
}

function shapeOf(at: Located): Shape {
  const node = at.node;
  if (node === true) return { kind: 'empty' };
  if (node === false) return { kind: 'false' };
  if (!isObject(node)) return { kind: 'empty' };
  const parts: Shape[] = [];
  const typed = typeShape(node, at.doc);
  if (typed) parts.push(typed);
  if (Array.isArray(node.enum)) parts.push({ kind: 'enum', values: node.enum.map((v) => sortedJson(v, false)) });
  else if ('const' in node) parts.push({ kind: 'enum', values: [sortedJson(node.const as JsonValue, false)] });
  for (const criterion of COMBINERS) {
    const subs = node[criterion];
    if (Array.isArray(subs))
      parts.push({ kind: 'combined', criterion, subs: subs.map((n) => ({ node: n, doc: at.doc })) });
  }
  if (node.not !== undefined) parts.push({ kind: 'not', sub: { node: node.not, doc: at.doc } });
  if (parts.length === 0) return { kind: 'empty' };
  if (parts.length === 1) return parts[0] as Shape;
  // Several kinds of constraint on one schema all apply: a product of them.
  return { kind: 'combined', criterion: 'allOf', subs: parts.map((p) => ({ node: shapeNode(p, node), doc: at.doc })) };
}

/** A schema node standing for one part of a schema that mixes several kinds of constraint. */
function shapeNode(shape: Shape, whole: JsonObject): JsonValue {
  switch (shape.kind) {
    case 'enum':
      return Array.isArray(whole.enum) ? { enum: whole.enum } : { const: whole.const as JsonValue };
    case 'combined':
      return whole.type !== undefined && shape.criterion === 'anyOf' && Array.isArray(whole.type) && !whole.anyOf
        ? stripped(whole)
        : { [shape.criterion]: shape.subs.map((s) => s.node) };
    case 'not':
      return { not: shape.sub.node };
    default:
      return stripped(whole);
  }
}

function stripped(whole: JsonObject): JsonObject {
  const { enum: _e, const: _c, allOf: _a, anyOf: _o, oneOf: _n, not: _x, ...rest } = whole;
  return rest;
}

interface Difference {
  readonly kind: JsonSchemaDifference;
  readonly path: string;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

function identity(value: JsonValue): string {
  if (typeof value !== 'object' || value === null) return String(value);
  let id = objectIds.get(value);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(value, id);
  }
  return `#${id}`;
}

class DiffContext {
  readonly differences: Difference[] = [];

  constructor(
    readonly writer: ParsedJsonSchema,
    readonly reader: ParsedJsonSchema,
    private readonly path: string[],
    /** Schema pairs being compared further up the stack: a guard for recursive schemas. */
    readonly active: Set<string>,
  ) {}

  add(kind: JsonSchemaDifference, segment?: string): void {
    const parts = segment ? [...this.path, segment] : this.path;
    this.differences.push({ kind, path: `#/${parts.join('/')}` });
  }

  within(segment: string, fn: () => void): void {
    this.path.push(segment);
    try {
      fn();
    } finally {
      this.path.pop();
    }
  }

  sub(): DiffContext {
    return new DiffContext(this.writer, this.reader, [...this.path], this.active);
  }

  /** The same comparison with writer and reader swapped (for `not`, whose sense is inverted). */
  swapped(): DiffContext {
    return new DiffContext(this.reader, this.writer, [...this.path], this.active);
  }

  get compatible(): boolean {
    return this.differences.every((d) => COMPATIBLE_JSON_DIFFERENCES.has(d.kind));
  }
}

function compare(ctx: DiffContext, writerAt: Located | undefined, readerAt: Located | undefined): void {
  if (!writerAt && !readerAt) return;
  if (!writerAt) {
    ctx.add('SCHEMA_ADDED');
    return;
  }
  if (!readerAt) {
    ctx.add('SCHEMA_REMOVED');
    return;
  }
  const w = follow(ctx.writer, writerAt);
  const r = follow(ctx.reader, readerAt);
  const key = `${identity(w.node)}:${identity(r.node)}`;
  if (ctx.active.has(key)) return;
  ctx.active.add(key);
  try {
    compareShapes(ctx, w, r, shapeOf(w), shapeOf(r));
  } finally {
    ctx.active.delete(key);
  }
}

function compareShapes(ctx: DiffContext, w: Located, r: Located, ws: Shape, rs: Shape): void {
  if (ws.kind !== 'combined' && rs.kind === 'combined') {
    if (rs.subs.length === 1) {
      const sub = ctx.sub();
      compare(sub, w, rs.subs[0]);
      if (sub.compatible) {
        ctx.differences.push(...sub.differences);
        return;
      }
    } else if (rs.criterion !== 'allOf') {
      for (const candidate of rs.subs) {
        const sub = ctx.sub();
        compare(sub, w, candidate);
        if (sub.compatible) {
          ctx.differences.push(...sub.differences);
          ctx.add('SUM_TYPE_EXTENDED');
          return;
        }
      }
    }
  } else if (ws.kind === 'combined' && rs.kind !== 'combined' && ws.subs.length === 1) {
    const sub = ctx.sub();
    compare(sub, ws.subs[0], r);
    if (sub.compatible) {
      ctx.differences.push(...sub.differences);
      return;
    }
  }

  if (ws.kind !== rs.kind) {
    // Nothing is written under `false`, and the empty schema reads anything.
    if (ws.kind !== 'false' && rs.kind !== 'empty') ctx.add('TYPE_CHANGED');
    return;
  }
  if (isObject(w.node) && isObject(r.node)) compareAnnotations(ctx, w.node, r.node);
  if (ws.kind === 'combined' && rs.kind === 'combined') compareCombined(ctx, ws, rs);
  else if (ws.kind === 'not' && rs.kind === 'not') compareNot(ctx, ws.sub, rs.sub);
  else if (ws.kind === 'enum' && rs.kind === 'enum') compareEnums(ctx, ws.values, rs.values);
  else if (ws.kind === 'string' && rs.kind === 'string') compareStrings(ctx, ws.s, rs.s);
  else if (ws.kind === 'number' && rs.kind === 'number') compareNumbers(ctx, ws.s, rs.s);
  else if (ws.kind === 'object' && rs.kind === 'object') compareObjects(ctx, w, r, ws.s, rs.s);
  else if (ws.kind === 'array' && rs.kind === 'array') compareArrays(ctx, w, r, ws.s, rs.s);
}

function compareAnnotations(ctx: DiffContext, w: JsonObject, r: JsonObject): void {
  const same = (a: JsonValue | undefined, b: JsonValue | undefined) =>
    (a === undefined ? '' : sortedJson(a, false)) === (b === undefined ? '' : sortedJson(b, false));
  if (!same(w.$id ?? w.id, r.$id ?? r.id)) ctx.add('ID_CHANGED');
  if (!same(w.title, r.title)) ctx.add('TITLE_CHANGED');
  if (!same(w.description, r.description)) ctx.add('DESCRIPTION_CHANGED');
  if (!same(w.default, r.default)) ctx.add('DEFAULT_CHANGED');
}

type Bound = [
  added: JsonSchemaDifference,
  removed: JsonSchemaDifference,
  increased: JsonSchemaDifference,
  decreased: JsonSchemaDifference,
];

function num(value: JsonValue | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function compareBound(
  ctx: DiffContext,
  keyword: string,
  w: number | undefined,
  r: number | undefined,
  [added, removed, increased, decreased]: Bound,
): void {
  if (w === r) return;
  if (w === undefined) ctx.add(added, keyword);
  else if (r === undefined) ctx.add(removed, keyword);
  else if (w < r) ctx.add(increased, keyword);
  else ctx.add(decreased, keyword);
}

function compareStrings(ctx: DiffContext, w: JsonObject, r: JsonObject): void {
  compareBound(ctx, 'maxLength', num(w.maxLength), num(r.maxLength), [
    'MAX_LENGTH_ADDED',
    'MAX_LENGTH_REMOVED',
    'MAX_LENGTH_INCREASED',
    'MAX_LENGTH_DECREASED',
  ]);
  compareBound(ctx, 'minLength', num(w.minLength), num(r.minLength), [
    'MIN_LENGTH_ADDED',
    'MIN_LENGTH_REMOVED',
    'MIN_LENGTH_INCREASED',
    'MIN_LENGTH_DECREASED',
  ]);
  const wp = typeof w.pattern === 'string' ? w.pattern : undefined;
  const rp = typeof r.pattern === 'string' ? r.pattern : undefined;
  if (wp !== rp) {
    if (wp === undefined) ctx.add('PATTERN_ADDED', 'pattern');
    else if (rp === undefined) ctx.add('PATTERN_REMOVED', 'pattern');
    else ctx.add('PATTERN_CHANGED', 'pattern');
  }
}

/** A numeric schema's bounds, with draft 4's boolean exclusive flags in their later numeric form. */
function numericBounds(
  s: JsonObject,
): Record<'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum', number | undefined> {
  let minimum = num(s.minimum);
  let maximum = num(s.maximum);
  let exclusiveMinimum = num(s.exclusiveMinimum);
  let exclusiveMaximum = num(s.exclusiveMaximum);
  if (s.exclusiveMinimum === true) [exclusiveMinimum, minimum] = [minimum, undefined];
  if (s.exclusiveMaximum === true) [exclusiveMaximum, maximum] = [maximum, undefined];
  return { minimum, maximum, exclusiveMinimum, exclusiveMaximum };
}

/** Whether `n` is a whole multiple of `d`, allowing for binary fractions (0.3 over 0.1). */
function divides(d: number, n: number): boolean {
  const ratio = n / d;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function compareNumbers(ctx: DiffContext, w: JsonObject, r: JsonObject): void {
  const wb = numericBounds(w);
  const rb = numericBounds(r);
  compareBound(ctx, 'maximum', wb.maximum, rb.maximum, [
    'MAXIMUM_ADDED',
    'MAXIMUM_REMOVED',
    'MAXIMUM_INCREASED',
    'MAXIMUM_DECREASED',
  ]);
  compareBound(ctx, 'minimum', wb.minimum, rb.minimum, [
    'MINIMUM_ADDED',
    'MINIMUM_REMOVED',
    'MINIMUM_INCREASED',
    'MINIMUM_DECREASED',
  ]);
  compareBound(ctx, 'exclusiveMaximum', wb.exclusiveMaximum, rb.exclusiveMaximum, [
    'EXCLUSIVE_MAXIMUM_ADDED',
    'EXCLUSIVE_MAXIMUM_REMOVED',
    'EXCLUSIVE_MAXIMUM_INCREASED',
    'EXCLUSIVE_MAXIMUM_DECREASED',
  ]);
  compareBound(ctx, 'exclusiveMinimum', wb.exclusiveMinimum, rb.exclusiveMinimum, [
    'EXCLUSIVE_MINIMUM_ADDED',
    'EXCLUSIVE_MINIMUM_REMOVED',
    'EXCLUSIVE_MINIMUM_INCREASED',
    'EXCLUSIVE_MINIMUM_DECREASED',
  ]);
  const wm = num(w.multipleOf);
  const rm = num(r.multipleOf);
  if (wm !== rm) {
    if (wm === undefined) ctx.add('MULTIPLE_OF_ADDED', 'multipleOf');
    else if (rm === undefined) ctx.add('MULTIPLE_OF_REMOVED', 'multipleOf');
    // Every multiple of the writer's factor is a multiple of a divisor of it.
    else if (divides(rm, wm)) ctx.add('MULTIPLE_OF_REDUCED', 'multipleOf');
    else if (divides(wm, rm)) ctx.add('MULTIPLE_OF_EXPANDED', 'multipleOf');
    else ctx.add('MULTIPLE_OF_CHANGED', 'multipleOf');
  }
  const wInt = w.type === 'integer';
  const rInt = r.type === 'integer';
  if (wInt && !rInt) ctx.add('TYPE_EXTENDED');
  else if (!wInt && rInt) ctx.add('TYPE_NARROWED');
}

function compareEnums(ctx: DiffContext, w: readonly string[], r: readonly string[]): void {
  const ws = new Set(w);
  const rs = new Set(r);
  const rHasAll = [...ws].every((v) => rs.has(v));
  const wHasAll = [...rs].every((v) => ws.has(v));
  if (rHasAll && wHasAll) return;
  if (rHasAll) ctx.add('ENUM_ARRAY_EXTENDED');
  else if (wHasAll) ctx.add('ENUM_ARRAY_NARROWED');
  else ctx.add('ENUM_ARRAY_CHANGED');
}

function compareNot(ctx: DiffContext, w: Located, r: Located): void {
  // The reader rejects what its `not` matches: its excluded set must lie within the writer's.
  ctx.within('not', () => {
    const sub = ctx.swapped();
    compare(sub, r, w);
    ctx.add(sub.compatible ? 'NOT_TYPE_NARROWED' : 'NOT_TYPE_EXTENDED');
  });
}

/** Kuhn's augmenting paths: the largest set of disjoint compatible writer/reader pairs. */
function maximumMatching(edges: ReadonlyMap<number, readonly number[]>, readerCount: number): Map<number, number> {
  const readerMatch = new Array<number>(readerCount).fill(-1);
  const tryAugment = (w: number, seen: boolean[]): boolean => {
    for (const r of edges.get(w) ?? []) {
      if (seen[r]) continue;
      seen[r] = true;
      if (readerMatch[r] === -1 || tryAugment(readerMatch[r] as number, seen)) {
        readerMatch[r] = w;
        return true;
      }
    }
    return false;
  };
  for (const w of edges.keys()) tryAugment(w, new Array<boolean>(readerCount).fill(false));
  const matching = new Map<number, number>();
  readerMatch.forEach((w, r) => {
    if (w !== -1) matching.set(w, r);
  });
  return matching;
}

function distinct(subs: readonly Located[]): Located[] {
  const seen = new Set<string>();
  return subs.filter((s) => {
    const key = sortedJson(s.node, false);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compareCriteria(
  ctx: DiffContext,
  w: Shape & { kind: 'combined' },
  r: Shape & { kind: 'combined' },
): JsonSchemaDifference | undefined {
  if (w.criterion === r.criterion) return undefined;
  let kind: JsonSchemaDifference;
  if (r.criterion === 'anyOf') kind = 'COMBINED_TYPE_EXTENDED';
  else if (r.criterion === 'oneOf') kind = w.subs.length === 1 ? 'COMBINED_TYPE_EXTENDED' : 'COMBINED_TYPE_CHANGED';
  else kind = w.subs.length === 1 && r.subs.length === 1 ? 'COMBINED_TYPE_EXTENDED' : 'COMBINED_TYPE_CHANGED';
  ctx.add(kind);
  return kind;
}

function compareCombined(ctx: DiffContext, w: Shape & { kind: 'combined' }, r: Shape & { kind: 'combined' }): void {
  if (compareCriteria(ctx, w, r) === 'COMBINED_TYPE_CHANGED') return;
  const writerSubs = distinct(w.subs);
  const readerSubs = distinct(r.subs);
  const product = r.criterion === 'allOf';
  if (writerSubs.length < readerSubs.length) ctx.add(product ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED');
  else if (writerSubs.length > readerSubs.length) ctx.add(product ? 'PRODUCT_TYPE_NARROWED' : 'SUM_TYPE_NARROWED');

  const edges = new Map<number, number[]>();
  const found = new Map<string, Difference[]>();
  writerSubs.forEach((ws, wi) => {
    ctx.within(`${w.criterion}/${wi}`, () => {
      readerSubs.forEach((rs, ri) => {
        const sub = ctx.sub();
        compare(sub, ws, rs);
        if (sub.compatible) {
          edges.set(wi, [...(edges.get(wi) ?? []), ri]);
          found.set(`${wi}:${ri}`, sub.differences);
        }
      });
    });
  });
  const matching = maximumMatching(edges, readerSubs.length);
  for (const [wi, ri] of matching) ctx.differences.push(...(found.get(`${wi}:${ri}`) ?? []));
  if (matching.size < Math.min(writerSubs.length, readerSubs.length)) ctx.add('COMBINED_TYPE_SUBSCHEMAS_CHANGED');
}

// Objects

interface ObjectModel {
  readonly properties: ReadonlyMap<string, Located>;
  readonly required: ReadonlySet<string>;
  readonly permitsAdditional: boolean;
  readonly additionalSchema: Located | undefined;
  readonly patterns: ReadonlyArray<readonly [RegExp, Located]>;
  readonly propertyDependencies: ReadonlyMap<string, ReadonlySet<string>>;
  readonly schemaDependencies: ReadonlyMap<string, Located>;
}

function regex(source: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch {
    try {
      return new RegExp(source);
    } catch {
      return /(?!)/;
    }
  }
}

function objectModel(at: Located, s: JsonObject): ObjectModel {
  const located = (node: JsonValue): Located => ({ node, doc: at.doc });
  const properties = new Map<string, Located>();
  if (isObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) properties.set(k, located(v));
  const required = new Set(
    Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [],
  );
  // Draft 3 style `required: true` on a property schema, which some draft 4 schemas still carry.
  for (const [k, v] of properties) if (isObject(v.node) && v.node.required === true) required.add(k);
  const additional = s.additionalProperties;
  const patterns: Array<readonly [RegExp, Located]> = isObject(s.patternProperties)
    ? Object.entries(s.patternProperties).map(([p, v]) => [regex(p), located(v)] as const)
    : [];
  const propertyDependencies = new Map<string, Set<string>>();
  const schemaDependencies = new Map<string, Located>();
  for (const source of [s.dependencies, s.dependentRequired, s.dependentSchemas]) {
    if (!isObject(source)) continue;
    for (const [k, v] of Object.entries(source)) {
      if (Array.isArray(v)) propertyDependencies.set(k, new Set(v.filter((d): d is string => typeof d === 'string')));
      else schemaDependencies.set(k, located(v));
    }
  }
  return {
    properties,
    required,
    permitsAdditional: additional !== false,
    additionalSchema: isObject(additional) ? located(additional) : undefined,
    patterns,
    propertyDependencies,
    schemaDependencies,
  };
}

function isOpenObject(model: ObjectModel): boolean {
  return model.patterns.length === 0 && model.additionalSchema === undefined && model.permitsAdditional;
}

function partialSchemaFor(model: ObjectModel, property: string): Located | undefined {
  for (const [pattern, schema] of model.patterns) if (pattern.test(property)) return schema;
  return model.additionalSchema;
}

function hasDefault(parsed: ParsedJsonSchema, at: Located): boolean {
  const node = follow(parsed, at).node;
  return isObject(node) && 'default' in node;
}

function compareObjects(ctx: DiffContext, wAt: Located, rAt: Located, ws: JsonObject, rs: JsonObject): void {
  const w = objectModel(wAt, ws);
  const r = objectModel(rAt, rs);

  ctx.within('required', () => {
    for (const key of w.properties.keys()) {
      const readerProperty = r.properties.get(key);
      if (!readerProperty) continue;
      const wr = w.required.has(key);
      const rr = r.required.has(key);
      if (wr && !rr) ctx.add('REQUIRED_ATTRIBUTE_REMOVED', key);
      else if (!wr && rr) {
        ctx.add(
          hasDefault(ctx.reader, readerProperty) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED',
          key,
        );
      }
    }
  });

  ctx.within('properties', () => {
    for (const key of new Set([...w.properties.keys(), ...r.properties.keys()])) {
      ctx.within(key, () => comparePropertyPresence(ctx, w, r, key));
    }
  });

  ctx.within('dependencies', () => {
    for (const key of new Set([...w.propertyDependencies.keys(), ...r.propertyDependencies.keys()])) {
      const wd = w.propertyDependencies.get(key);
      const rd = r.propertyDependencies.get(key);
      if (!rd) ctx.add('DEPENDENCY_ARRAY_REMOVED', key);
      else if (!wd) ctx.add('DEPENDENCY_ARRAY_ADDED', key);
      else {
        const rHasAll = [...wd].every((d) => rd.has(d));
        const wHasAll = [...rd].every((d) => wd.has(d));
        if (rHasAll && wHasAll) continue;
        if (rHasAll) ctx.add('DEPENDENCY_ARRAY_EXTENDED', key);
        else if (wHasAll) ctx.add('DEPENDENCY_ARRAY_NARROWED', key);
        else ctx.add('DEPENDENCY_ARRAY_CHANGED', key);
      }
    }
    for (const key of new Set([...w.schemaDependencies.keys(), ...r.schemaDependencies.keys()])) {
      const wd = w.schemaDependencies.get(key);
      const rd = r.schemaDependencies.get(key);
      if (!rd) ctx.add('DEPENDENCY_SCHEMA_REMOVED', key);
      else if (!wd) ctx.add('DEPENDENCY_SCHEMA_ADDED', key);
      else ctx.within(key, () => compare(ctx, wd, rd));
    }
  });

  ctx.within('additionalProperties', () => {
    if (w.permitsAdditional !== r.permitsAdditional) {
      ctx.add(r.permitsAdditional ? 'ADDITIONAL_PROPERTIES_ADDED' : 'ADDITIONAL_PROPERTIES_REMOVED');
    } else if (!w.additionalSchema && r.additionalSchema) ctx.add('ADDITIONAL_PROPERTIES_NARROWED');
    else if (w.additionalSchema && !r.additionalSchema) ctx.add('ADDITIONAL_PROPERTIES_EXTENDED');
    else if (w.additionalSchema && r.additionalSchema) compare(ctx, w.additionalSchema, r.additionalSchema);
  });

  compareBound(ctx, 'maxProperties', num(ws.maxProperties), num(rs.maxProperties), [
    'MAX_PROPERTIES_ADDED',
    'MAX_PROPERTIES_REMOVED',
    'MAX_PROPERTIES_INCREASED',
    'MAX_PROPERTIES_DECREASED',
  ]);
  compareBound(ctx, 'minProperties', num(ws.minProperties), num(rs.minProperties), [
    'MIN_PROPERTIES_ADDED',
    'MIN_PROPERTIES_REMOVED',
    'MIN_PROPERTIES_INCREASED',
    'MIN_PROPERTIES_DECREASED',
  ]);
}

function comparePropertyPresence(ctx: DiffContext, w: ObjectModel, r: ObjectModel, key: string): void {
  const wp = w.properties.get(key);
  const rp = r.properties.get(key);
  if (wp && rp) {
    compare(ctx, wp, rp);
    return;
  }
  if (wp) {
    // Dropping a property is safe only if the reader still lets it through.
    if (isOpenObject(r)) {
      ctx.add('PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL');
      return;
    }
    const partial = partialSchemaFor(r, key);
    if (partial) {
      const sub = ctx.sub();
      compare(sub, wp, partial);
      ctx.differences.push(...sub.differences);
      ctx.add(
        sub.compatible
          ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
          : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
      );
      return;
    }
    const writerNode = follow(ctx.writer, wp).node;
    ctx.add(
      writerNode === false
        ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
        : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
    );
    return;
  }
  if (!rp) return;
  // Adding a property is safe only if the writer could not already have written it differently.
  if (isOpenObject(w)) {
    const readerShape = shapeOf(follow(ctx.reader, rp));
    ctx.add(
      readerShape.kind === 'empty'
        ? 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
        : 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
    );
    return;
  }
  const partial = partialSchemaFor(w, key);
  if (partial) {
    const sub = ctx.sub();
    compare(sub, partial, rp);
    ctx.differences.push(...sub.differences);
    ctx.add(
      sub.compatible
        ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
        : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
    );
  }
  if (r.required.has(key)) {
    ctx.add(
      hasDefault(ctx.reader, rp)
        ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL'
        : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
    );
  } else {
    ctx.add('OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
  }
}

// Arrays

interface ArrayModel {
  /** The schema every item must match (`items` as one schema). */
  readonly allItems: Located | undefined;
  /** Positional item schemas (`items` as a list, or `prefixItems`). */
  readonly tuple: readonly Located[];
  readonly permitsAdditional: boolean;
  readonly additionalSchema: Located | undefined;
}

function arrayModel(at: Located, s: JsonObject): ArrayModel {
  const located = (node: JsonValue): Located => ({ node, doc: at.doc });
  if (Array.isArray(s.prefixItems)) {
    const rest = s.items;
    return {
      allItems: undefined,
      tuple: s.prefixItems.map(located),
      permitsAdditional: rest !== false,
      additionalSchema: isObject(rest) ? located(rest) : undefined,
    };
  }
  if (Array.isArray(s.items)) {
    const rest = s.additionalItems;
    return {
      allItems: undefined,
      tuple: s.items.map(located),
      permitsAdditional: rest !== false,
      additionalSchema: isObject(rest) ? located(rest) : undefined,
    };
  }
  return {
    allItems: s.items === undefined ? undefined : located(s.items),
    tuple: [],
    permitsAdditional: true,
    additionalSchema: undefined,
  };
}

function isOpenArray(model: ArrayModel): boolean {
  return model.permitsAdditional && model.additionalSchema === undefined;
}

function compareArrays(ctx: DiffContext, wAt: Located, rAt: Located, ws: JsonObject, rs: JsonObject): void {
  const w = arrayModel(wAt, ws);
  const r = arrayModel(rAt, rs);
  ctx.within('items', () => compare(ctx, w.allItems, r.allItems));

  const common = Math.min(w.tuple.length, r.tuple.length);
  for (let i = 0; i < Math.max(w.tuple.length, r.tuple.length); i++) {
    ctx.within(`items/${i}`, () => {
      const wi = w.tuple[i];
      const ri = r.tuple[i];
      if (i < common) compare(ctx, wi, ri);
      else if (wi) compareItemRemoved(ctx, wi, r);
      else if (ri) compareItemAdded(ctx, ri, w);
    });
  }

  ctx.within('additionalItems', () => {
    if (w.permitsAdditional !== r.permitsAdditional) {
      ctx.add(w.permitsAdditional ? 'ADDITIONAL_ITEMS_REMOVED' : 'ADDITIONAL_ITEMS_ADDED');
    } else if (!w.additionalSchema && r.additionalSchema) ctx.add('ADDITIONAL_ITEMS_NARROWED');
    else if (w.additionalSchema && !r.additionalSchema) ctx.add('ADDITIONAL_ITEMS_EXTENDED');
    else if (w.additionalSchema && r.additionalSchema) compare(ctx, w.additionalSchema, r.additionalSchema);
  });

  compareBound(ctx, 'maxItems', num(ws.maxItems), num(rs.maxItems), [
    'MAX_ITEMS_ADDED',
    'MAX_ITEMS_REMOVED',
    'MAX_ITEMS_INCREASED',
    'MAX_ITEMS_DECREASED',
  ]);
  compareBound(ctx, 'minItems', num(ws.minItems), num(rs.minItems), [
    'MIN_ITEMS_ADDED',
    'MIN_ITEMS_REMOVED',
    'MIN_ITEMS_INCREASED',
    'MIN_ITEMS_DECREASED',
  ]);
  const wu = ws.uniqueItems === true;
  const ru = rs.uniqueItems === true;
  if (wu && !ru) ctx.add('UNIQUE_ITEMS_REMOVED', 'uniqueItems');
  else if (!wu && ru) ctx.add('UNIQUE_ITEMS_ADDED', 'uniqueItems');
}

function compareItemRemoved(ctx: DiffContext, writerItem: Located, reader: ArrayModel): void {
  if (isOpenArray(reader)) {
    ctx.add('ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL');
    return;
  }
  if (reader.additionalSchema) {
    const sub = ctx.sub();
    compare(sub, writerItem, reader.additionalSchema);
    ctx.differences.push(...sub.differences);
    ctx.add(
      sub.compatible
        ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
        : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
    );
    return;
  }
  ctx.add(
    follow(ctx.writer, writerItem).node === false
      ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL'
      : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  );
}

function compareItemAdded(ctx: DiffContext, readerItem: Located, writer: ArrayModel): void {
  if (isOpenArray(writer)) {
    const shape = shapeOf(follow(ctx.reader, readerItem));
    ctx.add(
      shape.kind === 'empty'
        ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
        : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL',
    );
    return;
  }
  if (writer.additionalSchema) {
    const sub = ctx.sub();
    compare(sub, writer.additionalSchema, readerItem);
    ctx.differences.push(...sub.differences);
    ctx.add(
      sub.compatible
        ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
        : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
    );
    return;
  }
  ctx.add('ITEM_ADDED_TO_CLOSED_CONTENT_MODEL');
}

/** Every difference from `writer` to `reader`, compatible or not (Confluent's diff, original → update). */
export function jsonSchemaDifferences(reader: ParsedJsonSchema, writer: ParsedJsonSchema): Difference[] {
  const ctx = new DiffContext(writer, reader, [], new Set());
  compare(ctx, { node: writer.schema, doc: writer.schema }, { node: reader.schema, doc: reader.schema });
  return ctx.differences;
}

const TYPE_DIFFERENCES: ReadonlySet<JsonSchemaDifference> = new Set<JsonSchemaDifference>([
  'TYPE_CHANGED',
  'TYPE_NARROWED',
  'COMBINED_TYPE_CHANGED',
  'COMBINED_TYPE_SUBSCHEMAS_CHANGED',
  'ENUM_ARRAY_CHANGED',
]);

/** Why a difference stops the reader, in a phrase. */
function describe(kind: JsonSchemaDifference): string {
  if (TYPE_DIFFERENCES.has(kind)) return "the type differs between the writer's and the reader's schema";
  if (kind.includes('OPEN_CONTENT_MODEL') && kind.includes('ADDED')) {
    return "the reader's schema constrains a property or item the writer's schema may have written freely";
  }
  if (kind.includes('CONTENT_MODEL')) {
    return "the reader's schema no longer accepts a property or item the writer's schema writes";
  }
  if (kind === 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL' || kind === 'REQUIRED_ATTRIBUTE_ADDED') {
    return "the reader's schema requires a property, without a default, that the writer's schema may omit";
  }
  if (kind.endsWith('_NARROWED')) return "the reader's schema allows fewer values or alternatives than the writer's";
  if (kind.endsWith('_EXTENDED')) return "the reader's schema demands more than the writer's";
  if (/_(INCREASED|DECREASED|EXPANDED|CHANGED)$/.test(kind)) {
    return "the keyword's value in the reader's schema is stricter than, or different from, the writer's";
  }
  if (kind === 'SCHEMA_ADDED') return "the reader's schema constrains what the writer's leaves unconstrained";
  return "the reader's schema has a constraint the writer's does not";
}

function readProblems(reader: ParsedJsonSchema, writer: ParsedJsonSchema): string[] {
  const problems = new Set<string>();
  for (const d of jsonSchemaDifferences(reader, writer)) {
    if (COMPATIBLE_JSON_DIFFERENCES.has(d.kind)) continue;
    problems.add(`${d.kind} at '${d.path}': ${describe(d.kind)}`);
  }
  return [...problems];
}

export const jsonRules: SchemaRules<ParsedJsonSchema> = {
  type: 'JSON',
  parse,
  canonical,
  readProblems,
};
