/**
 * Protobuf schemas for the registry: parsing with protobufjs (imports come
 * from the schema's references by import path, Google's well-known types are
 * built in), a canonical rendering, and Confluent's compatibility rules.
 *
 * Compatibility mirrors Confluent's `protobuf.diff` difference kinds. Field
 * numbers are identity. Compatible: messages/enums added or moved, enums and
 * enum constants added/changed/removed, fields added or removed, fields
 * renamed, string/bytes label changes, oneofs added/removed, fields added to a
 * oneof. Incompatible: PACKAGE_CHANGED, MESSAGE_REMOVED, FIELD_KIND_CHANGED
 * (scalar/message/map), FIELD_SCALAR_KIND_CHANGED (across the wire-compatible
 * scalar groups), FIELD_NAMED_TYPE_CHANGED, FIELD_NUMERIC_LABEL_CHANGED,
 * REQUIRED_FIELD_ADDED/REMOVED, ONEOF_FIELD_REMOVED,
 * MULTIPLE_FIELDS_MOVED_TO_ONEOF, FIELD_MOVED_TO_EXISTING_ONEOF.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { type ResolvedReference, SchemaParseError, type SchemaRules } from './types.js';

export interface ParsedProtobuf {
  readonly syntax: 'proto2' | 'proto3';
  readonly packageName: string;
  readonly imports: readonly string[];
  /** The schema's own declarations as written, unresolved: what the canonical form renders. */
  readonly file: protobuf.Namespace;
  /** Full names of the schema's top-level messages and enums, in declaration order, within `resolved`. */
  readonly topLevel: readonly string[];
  /** The schema with its imports loaded and every type reference resolved. */
  readonly resolved: protobuf.Root;
}

export type ProtobufDifference =
  | 'PACKAGE_CHANGED'
  | 'MESSAGE_ADDED'
  | 'MESSAGE_REMOVED'
  | 'MESSAGE_MOVED'
  | 'ENUM_ADDED'
  | 'ENUM_REMOVED'
  | 'ENUM_CONST_ADDED'
  | 'ENUM_CONST_CHANGED'
  | 'ENUM_CONST_REMOVED'
  | 'FIELD_ADDED'
  | 'FIELD_REMOVED'
  | 'FIELD_NAME_CHANGED'
  | 'FIELD_KIND_CHANGED'
  | 'FIELD_SCALAR_KIND_CHANGED'
  | 'FIELD_NAMED_TYPE_CHANGED'
  | 'FIELD_NUMERIC_LABEL_CHANGED'
  | 'FIELD_STRING_OR_BYTES_LABEL_CHANGED'
  | 'REQUIRED_FIELD_ADDED'
  | 'REQUIRED_FIELD_REMOVED'
  | 'ONEOF_ADDED'
  | 'ONEOF_REMOVED'
  | 'ONEOF_FIELD_ADDED'
  | 'ONEOF_FIELD_REMOVED'
  | 'MULTIPLE_FIELDS_MOVED_TO_ONEOF'
  | 'FIELD_MOVED_TO_EXISTING_ONEOF';

/** The differences a reader tolerates; every other one is a problem. */
export const COMPATIBLE_PROTOBUF_DIFFERENCES: ReadonlySet<ProtobufDifference> = new Set<ProtobufDifference>([
  'MESSAGE_ADDED',
  'MESSAGE_MOVED',
  'ENUM_ADDED',
  'ENUM_REMOVED',
  'ENUM_CONST_ADDED',
  'ENUM_CONST_CHANGED',
  'ENUM_CONST_REMOVED',
  'FIELD_ADDED',
  'FIELD_REMOVED',
  'FIELD_NAME_CHANGED',
  'FIELD_STRING_OR_BYTES_LABEL_CHANGED',
  'ONEOF_ADDED',
  'ONEOF_REMOVED',
  'ONEOF_FIELD_ADDED',
]);

const PARSE_OPTIONS: protobuf.IParseOptions = { keepCase: true, alternateCommentMode: true };

const WELL_KNOWN_PREFIX = 'google/protobuf/';

const requireFromHere = createRequire(import.meta.url);

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Parses `text` into `root`; `file` names a reference's import path, or is undefined for the schema itself. */
function parseInto(text: string, root: protobuf.Root, file?: string): protobuf.IParserResult {
  try {
    return protobuf.parse(text, root, PARSE_OPTIONS);
  } catch (err) {
    const where = file ? ` in "${file}"` : '';
    throw new SchemaParseError(`Invalid protobuf schema${where}: ${message(err)}`);
  }
}

const MAX_FIELD_NUMBER = 536_870_911;
const RESERVED_FIELD_NUMBERS = [19_000, 19_999] as const;

/** What protoc refuses and protobufjs lets through: field numbers out of range, proto3 enums not starting at 0. */
function checkDeclarations(ns: protobuf.NamespaceBase, proto3: boolean): void {
  for (const item of ns.nestedArray) {
    if (item instanceof protobuf.Type) {
      for (const field of item.fieldsArray) {
        const id = field.id;
        if (id < 1 || id > MAX_FIELD_NUMBER || (id >= RESERVED_FIELD_NUMBERS[0] && id <= RESERVED_FIELD_NUMBERS[1])) {
          throw new SchemaParseError(`Invalid protobuf schema: field ${item.name}.${field.name} has number ${id}`);
        }
      }
    }
    if (item instanceof protobuf.Enum && proto3) {
      const first = Object.values(item.values)[0];
      if (first !== 0) {
        throw new SchemaParseError(`Invalid protobuf schema: the first value of proto3 enum ${item.name} must be 0`);
      }
    }
    if (item instanceof protobuf.Type || item instanceof protobuf.Namespace) checkDeclarations(item, proto3);
  }
}

/** Adds a well-known type file to `root`; false when protobufjs does not ship it. */
function loadWellKnown(path: string, root: protobuf.Root, loaded: Set<string>): boolean {
  const bundled = protobuf.common.get(path);
  if (bundled?.nested) {
    root.addJSON(bundled.nested);
    return true;
  }
  let text: string;
  try {
    text = readFileSync(requireFromHere.resolve(`protobufjs/${path}`), 'utf8');
  } catch {
    return false;
  }
  const result = parseInto(text, root, path);
  loadImports(result, [], root, loaded);
  return true;
}

function loadImports(
  parsed: protobuf.IParserResult,
  references: readonly ResolvedReference[],
  root: protobuf.Root,
  loaded: Set<string>,
): void {
  for (const path of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    if (loaded.has(path)) continue;
    loaded.add(path);
    const reference = references.find((r) => r.name === path);
    if (reference) {
      const result = parseInto(reference.schema, root, path);
      // A reference's imports resolve against its own references first, then the referrer's.
      loadImports(result, [...reference.references, ...references], root, loaded);
      continue;
    }
    if (path.startsWith(WELL_KNOWN_PREFIX) && loadWellKnown(path, root, loaded)) continue;
    throw new SchemaParseError(`Invalid protobuf schema: import "${path}" is not among the references`);
  }
}

function declaredSyntax(text: string): 'proto2' | 'proto3' {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const match = /\bsyntax\s*=\s*["'](proto[23])["']/.exec(withoutComments);
  // protoc treats a file without a syntax statement as proto2.
  return match?.[1] === 'proto3' ? 'proto3' : 'proto2';
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

/** The namespace holding a file's declarations: its package, or the root. */
function packageNamespace(root: protobuf.Root, pkg: string): protobuf.Namespace {
  if (!pkg) return root;
  const found = root.lookup(pkg);
  return found instanceof protobuf.Namespace ? found : root;
}

function parse(schema: string, references: readonly ResolvedReference[]): ParsedProtobuf {
  const own = parseInto(schema, new protobuf.Root());
  const syntax = declaredSyntax(schema);
  checkDeclarations(own.root, syntax === 'proto3');
  const packageName = own.package ?? '';
  const file = packageNamespace(own.root, packageName);
  const topLevel = file.nestedArray
    .filter((n) => n instanceof protobuf.Type || n instanceof protobuf.Enum)
    .map((n) => stripDot(n.fullName));

  const resolved = new protobuf.Root();
  const main = parseInto(schema, resolved);
  loadImports(main, references, resolved, new Set());
  try {
    resolved.resolveAll();
  } catch (err) {
    throw new SchemaParseError(`Invalid protobuf schema: ${message(err)}`);
  }
  return {
    syntax,
    packageName,
    imports: [...(own.imports ?? []), ...(own.weakImports ?? [])],
    file,
    topLevel,
    resolved,
  };
}

// ---------------------------------------------------------------------------
// Canonical rendering

type OptionValue = unknown;

function renderValue(value: OptionValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') return renderAggregate(value as Record<string, unknown>);
  return String(value);
}

function renderAggregate(value: Record<string, unknown>): string {
  const parts = Object.keys(value)
    .sort()
    .map((k) => `${k}: ${renderValue(value[k])}`);
  return `{ ${parts.join(' ')} }`;
}

/** Options as `name = value` pairs, sorted; protobufjs' own bookkeeping options are left out. */
function optionPairs(options: Record<string, unknown> | undefined): string[] {
  if (!options) return [];
  return Object.keys(options)
    .filter((k) => k !== 'proto3_optional')
    .sort()
    .map((k) => `${k} = ${renderValue(options[k])}`);
}

function renderOptionLines(options: Record<string, unknown> | undefined, indent: string): string[] {
  return optionPairs(options).map((p) => `${indent}option ${p};`);
}

function renderReserved(reserved: Array<number[] | string> | undefined, indent: string): string[] {
  if (!reserved || reserved.length === 0) return [];
  const ranges = reserved
    .filter((r): r is number[] => Array.isArray(r))
    .map((r) => (r[0] === r[1] ? String(r[0]) : `${r[0]} to ${r[1] === 0x1fffffff ? 'max' : r[1]}`));
  const names = reserved.filter((r): r is string => typeof r === 'string').map((n) => JSON.stringify(n));
  const lines: string[] = [];
  if (ranges.length) lines.push(`${indent}reserved ${ranges.join(', ')};`);
  if (names.length) lines.push(`${indent}reserved ${names.join(', ')};`);
  return lines;
}

interface RenderStyle {
  readonly normalize: boolean;
  readonly proto2: boolean;
}

function fieldLabel(field: protobuf.Field, inOneof: boolean, style: RenderStyle): string {
  if (inOneof) return '';
  if (field.rule) return `${field.rule} `;
  if (field.options?.proto3_optional === true) return 'optional ';
  // protobufjs leaves proto2's default label implicit; proto2 text needs it spelt out.
  return style.proto2 ? 'optional ' : '';
}

function renderField(field: protobuf.Field, indent: string, inOneof: boolean, style: RenderStyle): string {
  const opts = optionPairs(field.options);
  const suffix = opts.length ? ` [${opts.join(', ')}]` : '';
  if (field instanceof protobuf.MapField) {
    return `${indent}map<${field.keyType}, ${field.type}> ${field.name} = ${field.id}${suffix};`;
  }
  const label = fieldLabel(field, inOneof, style);
  return `${indent}${label}${field.type} ${field.name} = ${field.id}${suffix};`;
}

function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0]?.options?.proto3_optional === true;
}

/** A message's declared fields, without the sister fields protobufjs adds for extensions. */
function ownFields(type: protobuf.Type): protobuf.Field[] {
  return type.fieldsArray.filter((f) => !f.declaringField && !f.name.startsWith('.'));
}

function byId(a: protobuf.Field, b: protobuf.Field): number {
  return a.id - b.id;
}

function renderType(type: protobuf.Type, indent: string, style: RenderStyle): string[] {
  const inner = `${indent}  `;
  const lines = [`${indent}message ${type.name} {`];
  lines.push(...renderOptionLines(type.options, inner));
  lines.push(...renderReserved(type.reserved, inner));
  const fields = ownFields(type).filter((f) => !f.partOf || isSyntheticOneof(f.partOf));
  if (style.normalize) fields.sort(byId);
  for (const field of fields) lines.push(renderField(field, inner, false, style));
  const oneofs = type.oneofsArray.filter((o) => !isSyntheticOneof(o));
  for (const oneof of oneofs) {
    lines.push(`${inner}oneof ${oneof.name} {`);
    lines.push(...renderOptionLines(oneof.options, `${inner}  `));
    const members = [...oneof.fieldsArray];
    if (style.normalize) members.sort(byId);
    for (const field of members) lines.push(renderField(field, `${inner}  `, true, style));
    lines.push(`${inner}}`);
  }
  if (type.extensions?.length) {
    const ranges = type.extensions.map((r) => (r[0] === r[1] ? String(r[0]) : `${r[0]} to ${r[1]}`));
    lines.push(`${inner}extensions ${ranges.join(', ')};`);
  }
  lines.push(...renderNested(type.nestedArray, inner, style));
  lines.push(`${indent}}`);
  return lines;
}

function renderEnum(en: protobuf.Enum, indent: string, normalize: boolean): string[] {
  const inner = `${indent}  `;
  const lines = [`${indent}enum ${en.name} {`];
  lines.push(...renderOptionLines(en.options, inner));
  lines.push(...renderReserved(en.reserved, inner));
  const names = Object.keys(en.values);
  if (normalize) names.sort((a, b) => (en.values[a] ?? 0) - (en.values[b] ?? 0) || a.localeCompare(b));
  for (const name of names) {
    const opts = optionPairs(en.valuesOptions?.[name]);
    lines.push(`${inner}${name} = ${en.values[name]}${opts.length ? ` [${opts.join(', ')}]` : ''};`);
  }
  lines.push(`${indent}}`);
  return lines;
}

function renderService(service: protobuf.Service, indent: string): string[] {
  const inner = `${indent}  `;
  const lines = [`${indent}service ${service.name} {`];
  lines.push(...renderOptionLines(service.options, inner));
  for (const method of service.methodsArray) {
    const req = `${method.requestStream ? 'stream ' : ''}${method.requestType}`;
    const res = `${method.responseStream ? 'stream ' : ''}${method.responseType}`;
    const opts = renderOptionLines(method.options, `${inner}  `);
    const head = `${inner}rpc ${method.name}(${req}) returns (${res})`;
    if (opts.length) lines.push(`${head} {`, ...opts, `${inner}}`);
    else lines.push(`${head};`);
  }
  lines.push(`${indent}}`);
  return lines;
}

function renderNested(nested: readonly protobuf.ReflectionObject[], indent: string, style: RenderStyle): string[] {
  const lines: string[] = [];
  for (const item of nested) {
    if (item instanceof protobuf.Type) lines.push(...renderType(item, indent, style));
    else if (item instanceof protobuf.Enum) lines.push(...renderEnum(item, indent, style.normalize));
    else if (item instanceof protobuf.Service) lines.push(...renderService(item, indent));
    else if (item instanceof protobuf.Field && item.extend) {
      lines.push(`${indent}extend ${item.extend} {`, renderField(item, `${indent}  `, false, style), `${indent}}`);
    }
  }
  return lines;
}

function canonical(parsed: ParsedProtobuf, normalize: boolean): string {
  const lines = [`syntax = "${parsed.syntax}";`];
  if (parsed.packageName) lines.push(`package ${parsed.packageName};`);
  const imports = [...parsed.imports];
  if (normalize) imports.sort();
  for (const path of imports) lines.push(`import ${JSON.stringify(path)};`);
  lines.push(...renderOptionLines(parsed.file.options, ''));
  lines.push(...renderNested(parsed.file.nestedArray, '', { normalize, proto2: parsed.syntax === 'proto2' }));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------
// Compatibility

interface Difference {
  readonly kind: ProtobufDifference;
  readonly path: string;
}

class DiffContext {
  readonly differences: Difference[] = [];

  constructor(
    private readonly path: string[],
    /** Message pairs being compared further up the stack: a recursion guard for self-referencing types. */
    readonly active: Set<string>,
  ) {}

  add(kind: ProtobufDifference): void {
    this.differences.push({ kind, path: `#/${this.path.join('/')}` });
  }

  within<T>(segment: string, fn: () => T): T {
    this.path.push(segment);
    try {
      return fn();
    } finally {
      this.path.pop();
    }
  }

  sub(): DiffContext {
    return new DiffContext([...this.path], this.active);
  }

  get compatible(): boolean {
    return this.differences.every((d) => COMPATIBLE_PROTOBUF_DIFFERENCES.has(d.kind));
  }
}

const SCALAR_GROUPS: Readonly<Record<string, string>> = {
  int32: 'number',
  int64: 'number',
  uint32: 'number',
  uint64: 'number',
  bool: 'number',
  sint32: 'signed',
  sint64: 'signed',
  string: 'string-or-bytes',
  bytes: 'string-or-bytes',
  fixed32: 'fixed32',
  sfixed32: 'fixed32',
  fixed64: 'fixed64',
  sfixed64: 'fixed64',
  float: 'float',
  double: 'double',
};

type FieldType =
  | { readonly kind: 'scalar'; readonly group: string }
  | { readonly kind: 'message'; readonly type: protobuf.Type }
  | { readonly kind: 'map'; readonly key: FieldType; readonly value: FieldType };

function scalarOrNamed(name: string, resolved: protobuf.Type | protobuf.Enum | null): FieldType {
  const group = SCALAR_GROUPS[name];
  if (group) return { kind: 'scalar', group };
  // Enums travel as varints, so they group with the general numbers.
  if (resolved instanceof protobuf.Enum) return { kind: 'scalar', group: 'number' };
  if (resolved instanceof protobuf.Type) return { kind: 'message', type: resolved };
  return { kind: 'scalar', group: `unresolved:${name}` };
}

function fieldType(field: protobuf.Field): FieldType {
  const value = scalarOrNamed(field.type, field.resolvedType);
  if (field instanceof protobuf.MapField) {
    return { kind: 'map', key: scalarOrNamed(field.keyType, null), value };
  }
  return value;
}

/** A type's name below its package: what Confluent compares when a field's message type changes. */
function localName(type: protobuf.Type): string {
  const parts = [type.name];
  let parent = type.parent;
  while (parent instanceof protobuf.Type) {
    parts.unshift(parent.name);
    parent = parent.parent;
  }
  return parts.join('.');
}

function compareFieldTypes(ctx: DiffContext, writer: FieldType, reader: FieldType): void {
  if (writer.kind !== reader.kind) {
    ctx.add('FIELD_KIND_CHANGED');
    return;
  }
  if (writer.kind === 'scalar' && reader.kind === 'scalar') {
    if (writer.group !== reader.group) ctx.add('FIELD_SCALAR_KIND_CHANGED');
  } else if (writer.kind === 'map' && reader.kind === 'map') {
    compareFieldTypes(ctx, writer.key, reader.key);
    compareFieldTypes(ctx, writer.value, reader.value);
  } else if (writer.kind === 'message' && reader.kind === 'message') {
    if (localName(writer.type) !== localName(reader.type)) {
      ctx.add('FIELD_NAMED_TYPE_CHANGED');
      return;
    }
    const sub = ctx.sub();
    compareMessages(sub, writer.type, reader.type);
    ctx.differences.push(...sub.differences);
    if (!sub.compatible) ctx.add('FIELD_NAMED_TYPE_CHANGED');
  }
}

function compareFields(ctx: DiffContext, writer: protobuf.Field, reader: protobuf.Field): void {
  if (writer.name !== reader.name) ctx.add('FIELD_NAME_CHANGED');
  const writerType = fieldType(writer);
  const readerType = fieldType(reader);
  compareFieldTypes(ctx, writerType, readerType);
  // Packed numeric encodings differ from singular ones; length-delimited values do not care.
  if (writerType.kind === 'scalar' && readerType.kind === 'scalar' && writer.repeated !== reader.repeated) {
    if (writerType.group === 'string-or-bytes' && readerType.group === 'string-or-bytes') {
      ctx.add('FIELD_STRING_OR_BYTES_LABEL_CHANGED');
    } else {
      ctx.add('FIELD_NUMERIC_LABEL_CHANGED');
    }
  }
}

function realOneofs(type: protobuf.Type): protobuf.OneOf[] {
  return type.oneofsArray.filter((o) => !isSyntheticOneof(o));
}

function plainFields(type: protobuf.Type): Map<number, protobuf.Field> {
  const byTag = new Map<number, protobuf.Field>();
  for (const field of ownFields(type)) {
    if (!field.partOf || isSyntheticOneof(field.partOf)) byTag.set(field.id, field);
  }
  return byTag;
}

function compareOneof(ctx: DiffContext, writer: protobuf.OneOf, reader: protobuf.OneOf): void {
  const writerByTag = new Map(writer.fieldsArray.map((f) => [f.id, f] as const));
  const readerByTag = new Map(reader.fieldsArray.map((f) => [f.id, f] as const));
  for (const tag of new Set([...writerByTag.keys(), ...readerByTag.keys()])) {
    ctx.within(String(tag), () => {
      const w = writerByTag.get(tag);
      const r = readerByTag.get(tag);
      if (!r) ctx.add('ONEOF_FIELD_REMOVED');
      else if (!w) ctx.add('ONEOF_FIELD_ADDED');
      else compareFields(ctx, w, r);
    });
  }
}

function compareMessages(ctx: DiffContext, writer: protobuf.Type, reader: protobuf.Type): void {
  const key = `${writer.fullName}\u0000${reader.fullName}`;
  if (ctx.active.has(key)) return;
  ctx.active.add(key);
  try {
    compareMessageBodies(ctx, writer, reader);
    compareDeclarations(ctx, writer.nestedArray, reader.nestedArray);
  } finally {
    ctx.active.delete(key);
  }
}

function compareMessageBodies(ctx: DiffContext, writer: protobuf.Type, reader: protobuf.Type): void {
  const writerPlain = plainFields(writer);
  const readerPlain = plainFields(reader);
  const writerOneofs = new Map(realOneofs(writer).map((o) => [o.name, o] as const));
  const readerOneofs = new Map(realOneofs(reader).map((o) => [o.name, o] as const));
  const writerOneofOf = new Map<number, string>();
  for (const oneof of writerOneofs.values()) for (const f of oneof.fieldsArray) writerOneofOf.set(f.id, oneof.name);
  const readerOneofOf = new Map<number, string>();
  for (const oneof of readerOneofs.values()) for (const f of oneof.fieldsArray) readerOneofOf.set(f.id, oneof.name);

  // A plain field moved into a oneof is not a removal; a oneof may absorb at most one such field,
  // and not alongside fields that were already in some oneof.
  const movedIntoOneof = new Set<number>();
  for (const oneof of readerOneofs.values()) {
    ctx.within(oneof.name, () => {
      let moved = 0;
      let existing = 0;
      for (const field of oneof.fieldsArray) {
        if (writerPlain.has(field.id)) {
          moved++;
          movedIntoOneof.add(field.id);
        } else if (writerOneofOf.has(field.id)) {
          existing++;
        }
      }
      if (moved > 1) ctx.add('MULTIPLE_FIELDS_MOVED_TO_ONEOF');
      else if (moved === 1 && existing > 0) ctx.add('FIELD_MOVED_TO_EXISTING_ONEOF');
    });
  }

  for (const name of new Set([...writerOneofs.keys(), ...readerOneofs.keys()])) {
    ctx.within(name, () => {
      const w = writerOneofs.get(name);
      const r = readerOneofs.get(name);
      if (!r) ctx.add('ONEOF_REMOVED');
      else if (!w) ctx.add('ONEOF_ADDED');
      else compareOneof(ctx, w, r);
    });
  }

  for (const tag of new Set([...writerPlain.keys(), ...readerPlain.keys()])) {
    if (movedIntoOneof.has(tag)) continue;
    ctx.within(String(tag), () => {
      const w = writerPlain.get(tag);
      const r = readerPlain.get(tag);
      if (!r) ctx.add(w?.required ? 'REQUIRED_FIELD_REMOVED' : 'FIELD_REMOVED');
      else if (!w) ctx.add(r.required ? 'REQUIRED_FIELD_ADDED' : 'FIELD_ADDED');
      else compareFields(ctx, w, r);
    });
  }

  // Fields whose oneof membership changed keep their tag: their contents must still agree.
  const writerAll = new Map(ownFields(writer).map((f) => [f.id, f] as const));
  const readerAll = new Map(ownFields(reader).map((f) => [f.id, f] as const));
  for (const tag of [...writerAll.keys()].sort((a, b) => a - b)) {
    const r = readerAll.get(tag);
    const w = writerAll.get(tag);
    if (!r || !w) continue;
    const wo = writerOneofOf.get(tag);
    const ro = readerOneofOf.get(tag);
    if (wo === ro) continue;
    ctx.within(String(tag), () => compareFields(ctx, w, r));
  }
}

function compareDeclarations(
  ctx: DiffContext,
  writer: readonly protobuf.ReflectionObject[],
  reader: readonly protobuf.ReflectionObject[],
): void {
  const index = (list: readonly protobuf.ReflectionObject[]) => {
    const messages = new Map<string, { type: protobuf.Type; position: number }>();
    const enums = new Map<string, protobuf.Enum>();
    let position = 0;
    for (const item of list) {
      if (item instanceof protobuf.Type) messages.set(item.name, { type: item, position: position++ });
      else if (item instanceof protobuf.Enum) enums.set(item.name, item);
    }
    return { messages, enums };
  };
  const w = index(writer);
  const r = index(reader);
  for (const name of new Set([...w.messages.keys(), ...r.messages.keys()])) {
    ctx.within(name, () => {
      const wm = w.messages.get(name);
      const rm = r.messages.get(name);
      if (!rm) ctx.add('MESSAGE_REMOVED');
      else if (!wm) ctx.add('MESSAGE_ADDED');
      else {
        compareMessages(ctx, wm.type, rm.type);
        // Message indexes in serialized data are relative to the writer's schema id.
        if (wm.position !== rm.position) ctx.add('MESSAGE_MOVED');
      }
    });
  }
  for (const name of new Set([...w.enums.keys(), ...r.enums.keys()])) {
    ctx.within(name, () => {
      const we = w.enums.get(name);
      const re = r.enums.get(name);
      if (!re) ctx.add('ENUM_REMOVED');
      else if (!we) ctx.add('ENUM_ADDED');
      else compareEnums(ctx, we, re);
    });
  }
}

function compareEnums(ctx: DiffContext, writer: protobuf.Enum, reader: protobuf.Enum): void {
  const readerByNumber = new Map(Object.entries(reader.values).map(([n, v]) => [v, n] as const));
  const writerByNumber = new Map(Object.entries(writer.values).map(([n, v]) => [v, n] as const));
  for (const [number, name] of writerByNumber) {
    const other = readerByNumber.get(number);
    if (other === undefined) ctx.within(name, () => ctx.add('ENUM_CONST_REMOVED'));
    else if (other !== name) ctx.within(name, () => ctx.add('ENUM_CONST_CHANGED'));
  }
  for (const [number, name] of readerByNumber) {
    if (!writerByNumber.has(number)) ctx.within(name, () => ctx.add('ENUM_CONST_ADDED'));
  }
}

function lookupAll(parsed: ParsedProtobuf): protobuf.ReflectionObject[] {
  return parsed.topLevel.map((name) => parsed.resolved.lookup(name)).filter((o) => o !== null);
}

/** Every difference between `writer` and `reader`, compatible or not (Confluent's diff, original → update). */
export function protobufDifferences(reader: ParsedProtobuf, writer: ParsedProtobuf): Difference[] {
  const ctx = new DiffContext([], new Set());
  if (writer.packageName !== reader.packageName) ctx.add('PACKAGE_CHANGED');
  compareDeclarations(ctx, lookupAll(writer), lookupAll(reader));
  return ctx.differences;
}

const DESCRIPTIONS: Partial<Record<ProtobufDifference, string>> = {
  PACKAGE_CHANGED: 'the package differs',
  MESSAGE_REMOVED: "a message the writer's schema declares is missing from the reader's",
  FIELD_KIND_CHANGED: 'a field changed between scalar, message and map',
  FIELD_SCALAR_KIND_CHANGED: 'a field changed to a scalar type with a different wire encoding',
  FIELD_NAMED_TYPE_CHANGED: 'a field changed to a different or incompatible message type',
  FIELD_NUMERIC_LABEL_CHANGED: 'a numeric field changed between repeated and singular',
  REQUIRED_FIELD_ADDED: "the reader's schema adds a required field",
  REQUIRED_FIELD_REMOVED: "the reader's schema drops a required field",
  ONEOF_FIELD_REMOVED: 'a field was removed from a oneof',
  MULTIPLE_FIELDS_MOVED_TO_ONEOF: 'more than one existing field was moved into one oneof',
  FIELD_MOVED_TO_EXISTING_ONEOF: 'a field was moved into a oneof that already existed',
};

function readProblems(reader: ParsedProtobuf, writer: ParsedProtobuf): string[] {
  const problems = new Set<string>();
  for (const d of protobufDifferences(reader, writer)) {
    if (COMPATIBLE_PROTOBUF_DIFFERENCES.has(d.kind)) continue;
    problems.add(`${d.kind} at '${d.path}': ${DESCRIPTIONS[d.kind] ?? d.kind}`);
  }
  return [...problems];
}

export const protobufRules: SchemaRules<ParsedProtobuf> = {
  type: 'PROTOBUF',
  parse,
  canonical,
  readProblems,
};
