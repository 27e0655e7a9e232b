/**
 * Avro rules for the schema registry: a parser that enforces what Avro's Java
 * `Schema.Parser` (which Confluent runs) enforces, the canonical text
 * Confluent uses for identity, and the reader/writer resolution check of
 * Avro's `SchemaCompatibility`, which Confluent's Avro checker reports.
 *
 * Our own parser rather than avsc: avsc's rules differ from Java's where the
 * registry cares (it requires a union default to match the first branch, so
 * it rejects schemas Confluent accepts), and it drops custom properties,
 * which Confluent's canonical text keeps.
 */

import { type ResolvedReference, SchemaParseError, type SchemaRules } from './types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Props = ReadonlyMap<string, Json>;

const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;
type PrimitiveName = (typeof PRIMITIVES)[number];

export interface AvroPrimitive {
  readonly type: PrimitiveName;
  readonly props: Props;
}

interface Named {
  /** The unqualified name. */
  readonly name: string;
  /** Undefined is the null namespace. */
  readonly namespace: string | undefined;
  readonly fullName: string;
  readonly doc: string | undefined;
  /** Full names. */
  readonly aliases: readonly string[];
  readonly props: Props;
  /** Defined by a reference: rendered by name in the canonical text, as Confluent does. */
  readonly external: boolean;
}

export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly doc: string | undefined;
  /** Present when the field has a default, which may itself be `null`. */
  readonly default: { readonly value: Json } | undefined;
  readonly order: 'ascending' | 'descending' | 'ignore' | undefined;
  readonly aliases: readonly string[];
  readonly props: Props;
}

export interface AvroRecord extends Named {
  readonly type: 'record';
  /** Declared as `error`, which Avro treats as a record. */
  readonly error: boolean;
  /** Filled in after the record is registered, so fields can refer to it. */
  fields: AvroField[];
}

export interface AvroEnum extends Named {
  readonly type: 'enum';
  readonly symbols: readonly string[];
  readonly default: string | undefined;
}

export interface AvroFixed extends Named {
  readonly type: 'fixed';
  readonly size: number;
}

export interface AvroArray {
  readonly type: 'array';
  readonly items: AvroType;
  readonly props: Props;
}

export interface AvroMap {
  readonly type: 'map';
  readonly values: AvroType;
  readonly props: Props;
}

export interface AvroUnion {
  readonly type: 'union';
  readonly branches: readonly AvroType[];
}

export type AvroNamed = AvroRecord | AvroEnum | AvroFixed;
export type AvroType = AvroPrimitive | AvroNamed | AvroArray | AvroMap | AvroUnion;

export interface ParsedAvro {
  readonly root: AvroType;
}

// --- Parsing ---------------------------------------------------------------

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Attributes Avro interprets on each kind of schema; every other attribute is a custom property. */
const RESERVED: Record<string, ReadonlySet<string>> = {
  primitive: new Set(['type']),
  record: new Set(['type', 'name', 'namespace', 'doc', 'aliases', 'fields']),
  enum: new Set(['type', 'name', 'namespace', 'doc', 'aliases', 'symbols', 'default']),
  fixed: new Set(['type', 'name', 'namespace', 'doc', 'aliases', 'size']),
  array: new Set(['type', 'items']),
  map: new Set(['type', 'values']),
  field: new Set(['name', 'type', 'doc', 'default', 'order', 'aliases']),
};

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new SchemaParseError(message);
}

function checkName(name: string, what: string): void {
  if (!NAME.test(name)) fail(`Invalid ${what}: "${name}" (must start with [A-Za-z_] and contain only [A-Za-z0-9_])`);
}

function checkNamespace(namespace: string): void {
  if (namespace === '') return;
  for (const part of namespace.split('.')) checkName(part, `namespace part in "${namespace}"`);
}

function propsOf(json: { [key: string]: Json }, reserved: ReadonlySet<string>): Props {
  const props = new Map<string, Json>();
  for (const [key, value] of Object.entries(json)) if (!reserved.has(key)) props.set(key, value);
  return props;
}

class Parser {
  private readonly names = new Map<string, AvroNamed>();
  private external = false;

  parseReference(schema: string, name: string): void {
    this.external = true;
    try {
      this.parseType(parseJson(schema, `reference "${name}"`), undefined, `reference "${name}"`);
    } finally {
      this.external = false;
    }
  }

  parseRoot(schema: string): AvroType {
    return this.parseType(parseJson(schema, 'schema'), undefined, 'schema');
  }

  private lookup(name: string, namespace: string | undefined): AvroNamed | undefined {
    if (name.includes('.')) return this.names.get(name);
    // The enclosing namespace first, then the null namespace, as Java's parser does.
    return (namespace ? this.names.get(`${namespace}.${name}`) : undefined) ?? this.names.get(name);
  }

  private parseType(json: Json, namespace: string | undefined, where: string): AvroType {
    if (typeof json === 'string') {
      if ((PRIMITIVES as readonly string[]).includes(json)) return { type: json as PrimitiveName, props: new Map() };
      const named = this.lookup(json, namespace);
      if (!named)
        fail(
          `"${json}" is not a defined name. The type of ${where} must be a defined name or a {"type": ...} expression`,
        );
      return named;
    }
    if (Array.isArray(json)) return this.parseUnion(json, namespace, where);
    if (!isObject(json)) fail(`Invalid type for ${where}: ${JSON.stringify(json)}`);
    const type = json.type;
    if (typeof type !== 'string') {
      if (type === undefined) fail(`No type in ${where}: ${JSON.stringify(json)}`);
      // {"type": {...}} and {"type": [...]} nest a schema; Java accepts them.
      return this.parseType(type, namespace, where);
    }
    switch (type) {
      case 'record':
      case 'error':
        return this.parseRecord(json, type === 'error', namespace, where);
      case 'enum':
        return this.parseEnum(json, namespace, where);
      case 'fixed':
        return this.parseFixed(json, namespace, where);
      case 'array':
        if (!('items' in json)) fail(`Array has no items type in ${where}`);
        return {
          type: 'array',
          items: this.parseType(json.items!, namespace, `the items of ${where}`),
          props: propsOf(json, RESERVED.array!),
        };
      case 'map':
        if (!('values' in json)) fail(`Map has no values type in ${where}`);
        return {
          type: 'map',
          values: this.parseType(json.values!, namespace, `the values of ${where}`),
          props: propsOf(json, RESERVED.map!),
        };
      default:
        if ((PRIMITIVES as readonly string[]).includes(type)) {
          return { type: type as PrimitiveName, props: propsOf(json, RESERVED.primitive!) };
        }
        return this.parseType(type, namespace, where);
    }
  }

  private parseUnion(json: Json[], namespace: string | undefined, where: string): AvroUnion {
    const branches: AvroType[] = [];
    const seen = new Set<string>();
    for (const [i, branchJson] of json.entries()) {
      const branch = this.parseType(branchJson, namespace, `branch ${i} of ${where}`);
      if (branch.type === 'union') fail(`Unions may not immediately contain other unions (${where})`);
      const key = 'fullName' in branch ? branch.fullName : branch.type;
      if (seen.has(key)) fail(`Duplicate in union: ${key} (${where})`);
      seen.add(key);
      branches.push(branch);
    }
    return { type: 'union', branches };
  }

  private naming(
    json: { [key: string]: Json },
    enclosing: string | undefined,
    where: string,
  ): Omit<Named, 'props' | 'external'> {
    const rawName = json.name;
    if (typeof rawName !== 'string') fail(`No name in ${where}: ${JSON.stringify(json)}`);
    let name = rawName;
    let namespace: string | undefined;
    if (rawName.includes('.')) {
      const dot = rawName.lastIndexOf('.');
      namespace = rawName.slice(0, dot);
      name = rawName.slice(dot + 1);
    } else if ('namespace' in json) {
      if (typeof json.namespace !== 'string' && json.namespace !== null) fail(`Invalid namespace in ${where}`);
      namespace = json.namespace ?? undefined;
    } else {
      namespace = enclosing;
    }
    if (namespace === '') namespace = undefined;
    checkName(name, 'name');
    if (namespace !== undefined) checkNamespace(namespace);
    if ((PRIMITIVES as readonly string[]).includes(name) && namespace === undefined) {
      fail(`Schemas may not be named after primitives: ${name}`);
    }
    const fullName = namespace ? `${namespace}.${name}` : name;
    const doc = json.doc;
    if (doc !== undefined && typeof doc !== 'string') fail(`Invalid doc of ${fullName}: must be a string`);
    return { name, namespace, fullName, doc, aliases: this.aliases(json.aliases, namespace, fullName) };
  }

  private aliases(json: Json | undefined, namespace: string | undefined, owner: string): string[] {
    if (json === undefined) return [];
    if (!Array.isArray(json)) fail(`Aliases of ${owner} must be an array of strings`);
    return json.map((alias) => {
      if (typeof alias !== 'string') fail(`Aliases of ${owner} must be an array of strings`);
      for (const part of alias.split('.')) checkName(part, `alias "${alias}" of ${owner}`);
      return alias.includes('.') || !namespace ? alias : `${namespace}.${alias}`;
    });
  }

  private define(named: AvroNamed): void {
    if (this.names.has(named.fullName)) fail(`Can't redefine: ${named.fullName}`);
    this.names.set(named.fullName, named);
  }

  private parseRecord(
    json: { [key: string]: Json },
    error: boolean,
    enclosing: string | undefined,
    where: string,
  ): AvroRecord {
    const naming = this.naming(json, enclosing, where);
    const record: AvroRecord = {
      type: 'record',
      error,
      ...naming,
      props: propsOf(json, RESERVED.record!),
      external: this.external,
      fields: [],
    };
    this.define(record);
    const fieldsJson = json.fields;
    if (!Array.isArray(fieldsJson)) fail(`Record has no fields: ${naming.fullName}`);
    const seen = new Set<string>();
    for (const fieldJson of fieldsJson) {
      if (!isObject(fieldJson)) fail(`Invalid field in record ${naming.fullName}: ${JSON.stringify(fieldJson)}`);
      const name = fieldJson.name;
      if (typeof name !== 'string') fail(`No field name in record ${naming.fullName}: ${JSON.stringify(fieldJson)}`);
      checkName(name, `field name in record ${naming.fullName}`);
      if (seen.has(name)) fail(`Duplicate field ${name} in record ${naming.fullName}`);
      seen.add(name);
      if (!('type' in fieldJson)) fail(`No field type for ${name} in record ${naming.fullName}`);
      const type = this.parseType(fieldJson.type!, naming.namespace, `the "${name}" field of ${naming.fullName}`);
      // Java reads the order case-insensitively.
      const rawOrder = fieldJson.order;
      const order = typeof rawOrder === 'string' ? rawOrder.toLowerCase() : rawOrder;
      if (order !== undefined && order !== 'ascending' && order !== 'descending' && order !== 'ignore') {
        fail(`Invalid order ${JSON.stringify(rawOrder)} of field ${name} in record ${naming.fullName}`);
      }
      const doc = fieldJson.doc;
      if (doc !== undefined && typeof doc !== 'string') fail(`Invalid doc of field ${name}: must be a string`);
      const hasDefault = 'default' in fieldJson;
      if (hasDefault && !isValidDefault(type, fieldJson.default!)) {
        fail(
          `Invalid default for field ${name} in record ${naming.fullName}: ${JSON.stringify(fieldJson.default)} not a ${describe(type)}`,
        );
      }
      record.fields.push({
        name,
        type,
        doc,
        default: hasDefault ? { value: fieldJson.default! } : undefined,
        order,
        aliases: this.aliasNames(fieldJson.aliases, name, naming.fullName),
        props: propsOf(fieldJson, RESERVED.field!),
      });
    }
    return record;
  }

  private aliasNames(json: Json | undefined, field: string, record: string): string[] {
    if (json === undefined) return [];
    if (!Array.isArray(json)) fail(`Aliases of field ${field} in ${record} must be an array of strings`);
    return json.map((alias) => {
      if (typeof alias !== 'string') fail(`Aliases of field ${field} in ${record} must be an array of strings`);
      checkName(alias, `alias of field ${field} in ${record}`);
      return alias;
    });
  }

  private parseEnum(json: { [key: string]: Json }, enclosing: string | undefined, where: string): AvroEnum {
    const naming = this.naming(json, enclosing, where);
    const symbolsJson = json.symbols;
    if (!Array.isArray(symbolsJson)) fail(`Enum has no symbols: ${naming.fullName}`);
    const symbols: string[] = [];
    for (const symbol of symbolsJson) {
      if (typeof symbol !== 'string') fail(`Enum symbols of ${naming.fullName} must be strings`);
      checkName(symbol, `enum symbol in ${naming.fullName}`);
      if (symbols.includes(symbol)) fail(`Duplicate enum symbol: ${symbol} in ${naming.fullName}`);
      symbols.push(symbol);
    }
    const dflt = json.default;
    if (dflt !== undefined && (typeof dflt !== 'string' || !symbols.includes(dflt))) {
      fail(`The Enum Default: ${JSON.stringify(dflt)} is not in the enum symbol set: ${naming.fullName}`);
    }
    const result: AvroEnum = {
      type: 'enum',
      ...naming,
      symbols,
      default: dflt,
      props: propsOf(json, RESERVED.enum!),
      external: this.external,
    };
    this.define(result);
    return result;
  }

  private parseFixed(json: { [key: string]: Json }, enclosing: string | undefined, where: string): AvroFixed {
    const naming = this.naming(json, enclosing, where);
    const size = json.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > 0x7fffffff) {
      fail(`Invalid or no size of fixed ${naming.fullName}: ${JSON.stringify(size)}`);
    }
    const result: AvroFixed = {
      type: 'fixed',
      ...naming,
      size,
      props: propsOf(json, RESERVED.fixed!),
      external: this.external,
    };
    this.define(result);
    return result;
  }
}

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return fail(`Invalid ${what}: not JSON (${detail})`);
  }
}

function describe(type: AvroType): string {
  return 'fullName' in type ? `${type.type} ${type.fullName}` : type.type;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_LIMIT = 2 ** 63;

/**
 * Java's default check: a union's default may match any branch (Avro's Java
 * parser accepts that; the spec's "first branch" rule is what writers must
 * follow to be portable), a record's default must give every field without
 * its own default a value.
 */
function isValidDefault(type: AvroType, value: Json): boolean {
  switch (type.type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX;
    case 'long':
      return typeof value === 'number' && Number.isInteger(value) && value >= -LONG_LIMIT && value < LONG_LIMIT;
    case 'float':
    case 'double':
      return typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity';
    case 'string':
    case 'bytes':
      return typeof value === 'string';
    case 'enum':
      return typeof value === 'string' && type.symbols.includes(value);
    case 'fixed':
      return typeof value === 'string' && value.length === type.size;
    case 'array':
      return Array.isArray(value) && value.every((item) => isValidDefault(type.items, item));
    case 'map':
      return isObject(value) && Object.values(value).every((item) => isValidDefault(type.values, item));
    case 'union':
      return type.branches.some((branch) => isValidDefault(branch, value));
    case 'record':
      return (
        isObject(value) &&
        type.fields.every((field) =>
          field.name in value ? isValidDefault(field.type, value[field.name]!) : field.default !== undefined,
        )
      );
  }
}

function parse(schema: string, references: readonly ResolvedReference[]): ParsedAvro {
  const parser = new Parser();
  const done = new Set<string>();
  // Depth first: a reference's own references define the names it uses.
  const visit = (refs: readonly ResolvedReference[]): void => {
    for (const ref of refs) {
      if (done.has(ref.name)) continue;
      done.add(ref.name);
      visit(ref.references);
      parser.parseReference(ref.schema, ref.name);
    }
  };
  visit(references);
  return { root: parser.parseRoot(schema) };
}

// --- Canonical text --------------------------------------------------------

/** JSON with object keys sorted, so custom properties and defaults do not depend on the text's key order. */
function stableJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJson(value[key]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function object(entries: readonly (readonly [string, string] | undefined)[]): string {
  const parts: string[] = [];
  for (const entry of entries) if (entry) parts.push(`${JSON.stringify(entry[0])}:${entry[1]}`);
  return `{${parts.join(',')}}`;
}

function sortedProps(props: Props, skip: ReadonlySet<string> = new Set()): [string, string][] {
  return [...props.keys()]
    .filter((key) => !skip.has(key))
    .sort()
    .map((key) => [key, stableJson(props.get(key)!)]);
}

function qualified(fullName: string, space: string | undefined): string {
  const dot = fullName.lastIndexOf('.');
  const namespace = dot < 0 ? undefined : fullName.slice(0, dot);
  return namespace === undefined || namespace === space ? fullName.slice(dot + 1) : fullName;
}

/**
 * What Confluent stores and compares without `normalize`: Avro's own JSON
 * rendering (Java `Schema.toString`), which keeps doc, aliases, defaults,
 * `order` and custom properties, writes each named type once and then by
 * name relative to the enclosing namespace, and renders types defined by
 * references by name. We also sort custom properties, which Java keeps in
 * text order, so key order never changes identity.
 */
function renderAvro(type: AvroType, space: string | undefined, seen: Set<AvroNamed>): string {
  switch (type.type) {
    case 'union':
      return `[${type.branches.map((branch) => renderAvro(branch, space, seen)).join(',')}]`;
    case 'array':
      return object([['type', '"array"'], ['items', renderAvro(type.items, space, seen)], ...sortedProps(type.props)]);
    case 'map':
      return object([['type', '"map"'], ['values', renderAvro(type.values, space, seen)], ...sortedProps(type.props)]);
    case 'record':
    case 'enum':
    case 'fixed': {
      if (seen.has(type) || type.external) return JSON.stringify(qualified(type.fullName, space));
      seen.add(type);
      const head: [string, string][] = [
        ['type', JSON.stringify(type.type === 'record' && type.error ? 'error' : type.type)],
        ['name', JSON.stringify(type.name)],
      ];
      if (type.namespace !== space) head.push(['namespace', JSON.stringify(type.namespace ?? '')]);
      if (type.doc !== undefined) head.push(['doc', JSON.stringify(type.doc)]);
      const aliases: [string, string][] =
        type.aliases.length > 0
          ? [
              [
                'aliases',
                `[${type.aliases.map((alias) => JSON.stringify(qualified(alias, type.namespace))).join(',')}]`,
              ],
            ]
          : [];
      if (type.type === 'enum') {
        head.push(['symbols', `[${type.symbols.map((symbol) => JSON.stringify(symbol)).join(',')}]`]);
        if (type.default !== undefined) head.push(['default', JSON.stringify(type.default)]);
      } else if (type.type === 'fixed') {
        head.push(['size', String(type.size)]);
      } else {
        const fields = type.fields.map((field) =>
          object([
            ['name', JSON.stringify(field.name)],
            ['type', renderAvro(field.type, type.namespace, seen)],
            field.doc === undefined ? undefined : ['doc', JSON.stringify(field.doc)],
            field.default === undefined ? undefined : ['default', stableJson(field.default.value)],
            field.order === undefined || field.order === 'ascending'
              ? undefined
              : ['order', JSON.stringify(field.order)],
            field.aliases.length === 0 ? undefined : ['aliases', JSON.stringify(field.aliases)],
            ...sortedProps(field.props),
          ]),
        );
        head.push(['fields', `[${fields.join(',')}]`]);
      }
      return object([...head, ...sortedProps(type.props), ...aliases]);
    }
    default:
      return type.props.size === 0
        ? JSON.stringify(type.type)
        : object([['type', JSON.stringify(type.type)], ...sortedProps(type.props)]);
  }
}

const LOGICAL_TYPES: Record<string, readonly string[]> = {
  decimal: ['bytes', 'fixed'],
  uuid: ['string', 'fixed'],
  date: ['int'],
  'time-millis': ['int'],
  'time-micros': ['long'],
  'timestamp-millis': ['long'],
  'timestamp-micros': ['long'],
  'timestamp-nanos': ['long'],
  'local-timestamp-millis': ['long'],
  'local-timestamp-micros': ['long'],
  'local-timestamp-nanos': ['long'],
  duration: ['fixed'],
};

/**
 * The logical type's own attributes, when valid; Java ignores an invalid
 * logical type and keeps its attributes as plain properties.
 */
function logicalEntries(type: AvroPrimitive | AvroFixed): [string, string][] | undefined {
  const logical = type.props.get('logicalType');
  if (typeof logical !== 'string' || !LOGICAL_TYPES[logical]?.includes(type.type)) return undefined;
  if (type.type === 'fixed' && logical === 'duration' && type.size !== 12) return undefined;
  if (type.type === 'fixed' && logical === 'uuid' && type.size !== 16) return undefined;
  if (logical !== 'decimal') return [['logicalType', JSON.stringify(logical)]];
  const precision = type.props.get('precision');
  const scale = type.props.get('scale') ?? 0;
  if (typeof precision !== 'number' || !Number.isInteger(precision) || precision <= 0) return undefined;
  if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) return undefined;
  if (type.type === 'fixed' && precision > Math.floor(Math.log10(2) * (8 * type.size - 1))) return undefined;
  const entries: [string, string][] = [
    ['logicalType', '"decimal"'],
    ['precision', String(precision)],
  ];
  if (scale !== 0) entries.push(['scale', String(scale)]);
  return entries;
}

const LOGICAL_KEYS = new Set(['logicalType', 'precision', 'scale']);

/**
 * Confluent's `normalize`: full names everywhere and no `namespace` key,
 * `name` before `type`, a field's `order` always written, aliases sorted,
 * logical types reduced to their meaning (decimal scale 0 dropped), custom
 * properties sorted. Confluent writes the order as Java's enum constant
 * (`ASCENDING`); we write the spec's lower case, which every Avro parser
 * reads, and parse either.
 */
function renderNormalized(type: AvroType, seen: Set<AvroNamed>): string {
  switch (type.type) {
    case 'union':
      return `[${type.branches.map((branch) => renderNormalized(branch, seen)).join(',')}]`;
    case 'array':
      return object([['type', '"array"'], ['items', renderNormalized(type.items, seen)], ...sortedProps(type.props)]);
    case 'map':
      return object([['type', '"map"'], ['values', renderNormalized(type.values, seen)], ...sortedProps(type.props)]);
    case 'record':
    case 'enum':
    case 'fixed': {
      if (seen.has(type) || type.external) return JSON.stringify(type.fullName);
      seen.add(type);
      const entries: [string, string][] = [
        ['name', JSON.stringify(type.fullName)],
        ['type', JSON.stringify(type.type)],
      ];
      let skip: ReadonlySet<string> = new Set();
      if (type.type === 'enum') {
        entries.push(['symbols', `[${type.symbols.map((symbol) => JSON.stringify(symbol)).join(',')}]`]);
      } else if (type.type === 'fixed') {
        entries.push(['size', String(type.size)]);
        const logical = logicalEntries(type);
        if (logical) {
          entries.push(...logical);
          skip = LOGICAL_KEYS;
        }
      } else {
        const fields = type.fields.map((field) =>
          object([
            ['name', JSON.stringify(field.name)],
            ['type', renderNormalized(field.type, seen)],
            ['order', JSON.stringify(field.order ?? 'ascending')],
            field.doc === undefined ? undefined : ['doc', JSON.stringify(field.doc)],
            field.aliases.length === 0 ? undefined : ['aliases', JSON.stringify([...field.aliases].sort())],
            field.default === undefined ? undefined : ['default', stableJson(field.default.value)],
            ...sortedProps(field.props),
          ]),
        );
        entries.push(['fields', `[${fields.join(',')}]`]);
      }
      if (type.doc) entries.push(['doc', JSON.stringify(type.doc)]);
      if (type.aliases.length > 0) entries.push(['aliases', JSON.stringify([...type.aliases].sort())]);
      if (type.type === 'enum' && type.default !== undefined) entries.push(['default', JSON.stringify(type.default)]);
      return object([...entries, ...sortedProps(type.props, skip)]);
    }
    default: {
      const logical = logicalEntries(type);
      if (logical)
        return object([['type', JSON.stringify(type.type)], ...logical, ...sortedProps(type.props, LOGICAL_KEYS)]);
      return type.props.size === 0
        ? JSON.stringify(type.type)
        : object([['type', JSON.stringify(type.type)], ...sortedProps(type.props)]);
    }
  }
}

function canonical(parsed: ParsedAvro, normalize: boolean): string {
  return normalize ? renderNormalized(parsed.root, new Set()) : renderAvro(parsed.root, undefined, new Set());
}

// --- Reader/writer resolution ----------------------------------------------

/** The incompatibility kinds of Avro's `SchemaCompatibility`, which Confluent reports as `errorType`. */
export const AVRO_PROBLEM = {
  nameMismatch: 'NAME_MISMATCH',
  fixedSizeMismatch: 'FIXED_SIZE_MISMATCH',
  missingEnumSymbols: 'MISSING_ENUM_SYMBOLS',
  readerFieldMissingDefaultValue: 'READER_FIELD_MISSING_DEFAULT_VALUE',
  typeMismatch: 'TYPE_MISMATCH',
  missingUnionBranch: 'MISSING_UNION_BRANCH',
} as const;

export type AvroProblemKind = (typeof AVRO_PROBLEM)[keyof typeof AVRO_PROBLEM];

interface Problem {
  readonly kind: AvroProblemKind;
  /** Avro's location: a JSON-pointer-like path into the reader schema. */
  readonly path: string;
  readonly info: string;
}

function describeProblem({ kind, path, info }: Problem): string {
  switch (kind) {
    case 'FIXED_SIZE_MISMATCH':
      return `The size of FIXED type field at path '${path}' in the reader schema does not match with the writer schema`;
    case 'TYPE_MISMATCH':
      return `The type (path '${path}') of a field in the reader schema does not match with the writer schema`;
    case 'NAME_MISMATCH':
      return `The name of the schema has changed (path '${path}')`;
    case 'MISSING_ENUM_SYMBOLS':
      return `The reader schema is missing enum symbols '${info}' at path '${path}' in the writer schema`;
    case 'MISSING_UNION_BRANCH':
      return `The reader schema is missing a type inside a union field at path '${path}' in the writer schema`;
    case 'READER_FIELD_MISSING_DEFAULT_VALUE':
      return `The field '${info}' at path '${path}' in the reader schema has no default value and is missing in the writer schema`;
  }
}

/** Confluent's rendering of one incompatibility. */
function formatProblem(problem: Problem): string {
  return `{errorType:'${problem.kind}', description:'${describeProblem(problem)}', additionalInfo:'${problem.info}'}`;
}

const PROMOTIONS: Partial<Record<PrimitiveName, readonly string[]>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  bytes: ['string'],
  string: ['bytes'],
};

class Resolver {
  /** Named pairs being checked or checked: a pair met again while in progress is assumed readable, as Avro does. */
  private readonly memo = new Map<AvroType, Map<AvroType, Problem[] | 'in-progress'>>();

  check(reader: AvroType, writer: AvroType, path: readonly string[]): Problem[] {
    if (reader.type === 'record' && writer.type === 'record') {
      let forReader = this.memo.get(reader);
      if (!forReader) {
        forReader = new Map();
        this.memo.set(reader, forReader);
      }
      const known = forReader.get(writer);
      if (known === 'in-progress') return [];
      if (known) return known;
      forReader.set(writer, 'in-progress');
      const problems = this.uncached(reader, writer, path);
      forReader.set(writer, problems);
      return problems;
    }
    return this.uncached(reader, writer, path);
  }

  private uncached(reader: AvroType, writer: AvroType, path: readonly string[]): Problem[] {
    const at = (...more: string[]): string => `/${[...path, ...more].join('/')}`;
    if (reader.type === writer.type) {
      switch (reader.type) {
        case 'array':
          return this.check(reader.items, (writer as AvroArray).items, [...path, 'items']);
        case 'map':
          return this.check(reader.values, (writer as AvroMap).values, [...path, 'values']);
        case 'fixed': {
          const w = writer as AvroFixed;
          const problems = this.names(reader, w, path);
          if (reader.size !== w.size) {
            problems.push({
              kind: 'FIXED_SIZE_MISMATCH',
              path: at('size'),
              info: `expected: ${w.size}, found: ${reader.size}`,
            });
          }
          return problems;
        }
        case 'enum': {
          const w = writer as AvroEnum;
          const problems = this.names(reader, w, path);
          const missing = w.symbols.filter((symbol) => !reader.symbols.includes(symbol));
          if (missing.length > 0 && reader.default === undefined) {
            problems.push({
              kind: 'MISSING_ENUM_SYMBOLS',
              path: at('symbols'),
              info: `[${missing.sort().join(', ')}]`,
            });
          }
          return problems;
        }
        case 'record':
          return [
            ...this.names(reader, writer as AvroRecord, path),
            ...this.fields(reader, writer as AvroRecord, path),
          ];
        case 'union':
          // A writer branch no reader branch reads is reported as the missing branch, not why each failed.
          return (writer as AvroUnion).branches.flatMap((branch, i) =>
            this.check(reader, branch, [...path, String(i)]).length === 0
              ? []
              : [
                  {
                    kind: 'MISSING_UNION_BRANCH' as const,
                    path: at(String(i)),
                    info: `reader union lacking writer type: ${branch.type.toUpperCase()}`,
                  },
                ],
          );
        default:
          return [];
      }
    }
    // Every branch the writer may have written must be readable. Avro restarts the location at the root
    // here; we keep the path, which says where the problem is.
    if (writer.type === 'union') {
      return writer.branches.flatMap((branch, i) => this.check(reader, branch, [...path, String(i)]));
    }
    if (reader.type === 'union') {
      if (reader.branches.some((branch) => this.check(branch, writer, path).length === 0)) return [];
      return [
        {
          kind: 'MISSING_UNION_BRANCH',
          path: at(),
          info: `reader union lacking writer type: ${writer.type.toUpperCase()}`,
        },
      ];
    }
    if (PROMOTIONS[reader.type as PrimitiveName]?.includes(writer.type)) return [];
    return [
      {
        kind: 'TYPE_MISMATCH',
        path: at(),
        info: `reader type: ${reader.type.toUpperCase()} not compatible with writer type: ${writer.type.toUpperCase()}`,
      },
    ];
  }

  /** Unqualified names must match, or a reader alias must name the writer. */
  private names(reader: AvroNamed, writer: AvroNamed, path: readonly string[]): Problem[] {
    if (reader.name === writer.name || reader.aliases.includes(writer.fullName)) return [];
    return [{ kind: 'NAME_MISMATCH', path: `/${[...path, 'name'].join('/')}`, info: `expected: ${writer.fullName}` }];
  }

  private fields(reader: AvroRecord, writer: AvroRecord, path: readonly string[]): Problem[] {
    const problems: Problem[] = [];
    for (const [i, field] of reader.fields.entries()) {
      const written =
        writer.fields.find((w) => w.name === field.name) ?? writer.fields.find((w) => field.aliases.includes(w.name));
      if (written) {
        problems.push(...this.check(field.type, written.type, [...path, 'fields', String(i), 'type']));
      } else if (field.default === undefined && field.type.type === 'enum' && field.type.default !== undefined) {
        // Avro's checker compares such an enum with the writer record itself, which never matches; we
        // follow it so that we reject what Confluent rejects.
        problems.push(...this.check(field.type, writer, [...path, 'fields', String(i), 'type']));
      } else if (field.default === undefined) {
        problems.push({
          kind: 'READER_FIELD_MISSING_DEFAULT_VALUE',
          path: `/${[...path, 'fields', String(i)].join('/')}`,
          info: field.name,
        });
      }
    }
    return problems;
  }
}

function readProblems(reader: ParsedAvro, writer: ParsedAvro): string[] {
  const problems = new Resolver().check(reader.root, writer.root, []);
  return [...new Set(problems.map(formatProblem))];
}

export const avroRules: SchemaRules<ParsedAvro> = {
  type: 'AVRO',
  parse,
  canonical,
  readProblems,
};
