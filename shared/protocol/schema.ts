/**
 * The schema interpreter behind every generated message.
 *
 * Generated files hold each message's fields as data (name, type, version
 * ranges, nullability, tags, defaults). This module compiles that data, once
 * per message version, into a plan of read and write steps, and runs it.
 * Version differences are therefore data, and no per-API encode or decode is
 * written by hand.
 */

import { DecodeError, EncodeError, Reader, Writer, ZERO_UUID } from './primitives.js';

/** Inclusive version range; `NONE` is empty. */
export type VersionRange = readonly [lo: number, hi: number];
export const NONE: VersionRange = [0, -1];
export const MAX_VERSION = 0x7fff;

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'uuid'
  | 'bytes'
  | 'records';

export interface StructSchema {
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface ArrayType {
  readonly array: PrimitiveType | StructSchema;
}

export type FieldType = PrimitiveType | StructSchema | ArrayType;

export type DefaultValue = boolean | number | bigint | string | null;

export interface FieldSchema {
  /** Property name: the definition's name with its first letter lower-cased, as Kafka's JSON converters name it. */
  readonly name: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullable?: VersionRange;
  readonly tagged?: VersionRange;
  readonly tag?: number;
  /** Silently dropped when non-default at a version that lacks it; otherwise that is an encode error. */
  readonly ignorable?: boolean;
  /** Overrides the message's flexible versions for this field (only `none` occurs). */
  readonly flexible?: VersionRange;
  /** Custom default; when absent the type's zero value applies. */
  readonly default?: DefaultValue;
}

export type MessageKind = 'request' | 'response' | 'header' | 'data';

export interface MessageSchema extends StructSchema {
  readonly apiKey: number;
  readonly kind: MessageKind;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
}

export const inRange = (v: number, r: VersionRange | undefined): boolean => r !== undefined && v >= r[0] && v <= r[1];

/** Makes every field optional, recursively, for building messages to encode: omitted fields take their defaults. */
export type Init<T> = T extends Uint8Array | bigint | string | number | boolean | null
  ? T
  : T extends readonly (infer E)[]
    ? Init<E>[]
    : { [K in keyof T]?: Init<T[K]> };

type Obj = Record<string, unknown>;
type Read = (r: Reader) => unknown;
type Write = (w: Writer, v: unknown) => void;

interface FieldPlan {
  readonly name: string;
  readonly tag: number;
  /** Read in sequence (present at this version and not tagged). */
  readonly inline: boolean;
  readonly read: Read | undefined;
  readonly write: Write | undefined;
  readonly makeDefault: () => unknown;
  readonly isDefault: (v: unknown) => boolean;
}

interface StructPlan {
  readonly fields: readonly FieldPlan[];
  readonly regular: readonly FieldPlan[];
  readonly tagged: readonly FieldPlan[];
  readonly taggedByTag: ReadonlyMap<number, FieldPlan>;
  /** Fields absent at this version that must still hold their default to be encoded. */
  readonly mustBeDefault: readonly FieldPlan[];
  readonly flexible: boolean;
}

const EMPTY_BYTES = new Uint8Array(0);

const isStruct = (t: FieldType): t is StructSchema => typeof t === 'object' && 'fields' in t;
const isArray = (t: FieldType): t is ArrayType => typeof t === 'object' && 'array' in t;

function primitiveDefault(t: PrimitiveType, d: DefaultValue | undefined): unknown {
  if (d !== undefined) return d;
  switch (t) {
    case 'bool':
      return false;
    case 'int64':
      return 0n;
    case 'string':
      return '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return EMPTY_BYTES;
    case 'records':
      return null;
    default:
      return 0;
  }
}

/** A fresh object holding every field's default, as Kafka's Data constructors build. */
export function defaultStruct(s: StructSchema): Obj {
  const o: Obj = {};
  for (const f of s.fields) o[f.name] = fieldDefault(f)();
  return o;
}

function fieldDefault(f: FieldSchema): () => unknown {
  const t = f.type;
  if (isArray(t)) return f.default === null ? () => null : () => [];
  if (isStruct(t)) return f.default === null ? () => null : () => defaultStruct(t);
  const d = primitiveDefault(t, f.default);
  return () => d;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deep equality over decoded values, as the Data classes' `equals`. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && sameBytes(a, b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  const ao = a as Obj;
  const bo = b as Obj;
  for (const k of Object.keys(ao)) if (!valuesEqual(ao[k], bo[k])) return false;
  for (const k of Object.keys(bo)) if (!(k in ao) && bo[k] !== undefined) return false;
  return true;
}

function fieldIsDefault(f: FieldSchema): (v: unknown) => boolean {
  const t = f.type;
  if (isArray(t)) return f.default === null ? (v) => v === null : (v) => Array.isArray(v) && v.length === 0;
  if (isStruct(t)) {
    if (f.default === null) return (v) => v === null;
    const d = defaultStruct(t);
    return (v) => valuesEqual(v, d);
  }
  const d = primitiveDefault(t, f.default);
  if (t === 'bytes' && d !== null) return (v) => v instanceof Uint8Array && v.length === 0;
  if (t === 'float64') return (v) => valuesEqual(v, d);
  return (v) => v === d;
}

// ---------------------------------------------------------------------------
// Readers and writers for one field at one version.

interface Shape {
  readonly compact: boolean;
  readonly nullable: boolean;
}

function nullError(): never {
  throw new DecodeError('null in a non-nullable field');
}

function readLength(r: Reader, s: Shape, wide: boolean): number {
  if (s.compact) return r.uvarint() - 1;
  return wide ? r.int32() : r.int16();
}

function checkLength(n: number, r: Reader, s: Shape): boolean {
  if (n < 0) {
    if (n !== -1 || !s.nullable) nullError();
    return false;
  }
  if (n > r.remaining) throw new DecodeError(`length ${n} exceeds the ${r.remaining} bytes that remain`);
  return true;
}

function writeLength(w: Writer, s: Shape, wide: boolean, n: number): void {
  if (s.compact) w.uvarint(n + 1);
  else if (wide) w.int32(n);
  else {
    if (n > 0x7fff) throw new EncodeError(`string of ${n} bytes is longer than 32767`);
    w.int16(n);
  }
}

function writeNull(w: Writer, s: Shape, wide: boolean, what: string): void {
  if (!s.nullable) throw new EncodeError(`null ${what} in a non-nullable field`);
  if (s.compact) w.uvarint(0);
  else if (wide) w.int32(-1);
  else w.int16(-1);
}

function primitiveRead(t: PrimitiveType, s: Shape): Read {
  switch (t) {
    case 'bool':
      return (r) => r.bool();
    case 'int8':
      return (r) => r.int8();
    case 'int16':
      return (r) => r.int16();
    case 'uint16':
      return (r) => r.uint16();
    case 'int32':
      return (r) => r.int32();
    case 'uint32':
      return (r) => r.uint32();
    case 'int64':
      return (r) => r.int64();
    case 'float64':
      return (r) => r.float64();
    case 'uuid':
      return (r) => r.uuid();
    case 'string':
      return (r) => {
        const n = readLength(r, s, false);
        return checkLength(n, r, s) ? r.text(n) : null;
      };
    case 'bytes':
    case 'records':
      return (r) => {
        const n = readLength(r, s, true);
        return checkLength(n, r, s) ? r.bytes(n) : null;
      };
  }
}

function expect(ok: boolean, what: string, v: unknown): void {
  if (!ok) throw new EncodeError(`expected ${what}, got ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`);
}

function primitiveWrite(t: PrimitiveType, s: Shape): Write {
  switch (t) {
    case 'bool':
      return (w, v) => w.bool(v as boolean);
    case 'int8':
      return (w, v) => w.int8(v as number);
    case 'int16':
      return (w, v) => w.int16(v as number);
    case 'uint16':
      return (w, v) => w.uint16(v as number);
    case 'int32':
      return (w, v) => w.int32(v as number);
    case 'uint32':
      return (w, v) => w.uint32(v as number);
    case 'int64':
      return (w, v) => {
        expect(typeof v === 'bigint', 'a bigint', v);
        w.int64(v as bigint);
      };
    case 'float64':
      return (w, v) => w.float64(v as number);
    case 'uuid':
      return (w, v) => w.uuid(v as string);
    case 'string':
      return (w, v) => {
        if (v === null) return writeNull(w, s, false, 'string');
        expect(typeof v === 'string', 'a string', v);
        const n = Writer.textLength(v as string);
        writeLength(w, s, false, n);
        w.text(v as string, n);
      };
    case 'bytes':
    case 'records':
      return (w, v) => {
        if (v === null) return writeNull(w, s, true, t);
        expect(v instanceof Uint8Array, 'a Uint8Array', v);
        const b = v as Uint8Array;
        writeLength(w, s, true, b.length);
        w.bytes(b);
      };
  }
}

function elementCodec(t: PrimitiveType | StructSchema, version: number, flexible: boolean): [Read, Write] {
  if (isStruct(t)) {
    const p = structPlan(t, version, flexible);
    return [(r) => readStruct(p, r), (w, v) => writeStruct(p, w, v as Obj)];
  }
  const s = { compact: flexible, nullable: false };
  return [primitiveRead(t, s), primitiveWrite(t, s)];
}

function fieldCodec(f: FieldSchema, version: number, flexible: boolean): [Read, Write] {
  const s: Shape = { compact: flexible, nullable: inRange(version, f.nullable) };
  const t = f.type;
  if (isArray(t)) {
    const [readElement, writeElement] = elementCodec(t.array, version, flexible);
    const read: Read = (r) => {
      const n = readLength(r, s, true);
      if (n < 0) {
        if (n !== -1 || !s.nullable) nullError();
        return null;
      }
      // Every element takes at least one byte; a larger count is a lie, not a reason to allocate.
      if (n > r.remaining) throw new DecodeError(`array of ${n} exceeds the ${r.remaining} bytes that remain`);
      const out = new Array<unknown>(n);
      let i = 0;
      try {
        for (; i < n; i++) out[i] = readElement(r);
      } catch (e) {
        if (e instanceof DecodeError) e.within(`[${i}]`);
        throw e;
      }
      return out;
    };
    const write: Write = (w, v) => {
      if (v === null) return writeNull(w, s, true, 'array');
      expect(Array.isArray(v), 'an array', v);
      const a = v as unknown[];
      writeLength(w, s, true, a.length);
      for (const e of a) writeElement(w, e);
    };
    return [read, write];
  }
  if (isStruct(t)) {
    const p = structPlan(t, version, flexible);
    if (!s.nullable) return [(r) => readStruct(p, r), (w, v) => writeStruct(p, w, v as Obj)];
    return [
      (r) => (r.int8() < 0 ? null : readStruct(p, r)),
      (w, v) => {
        if (v === null) return w.int8(-1);
        w.int8(1);
        writeStruct(p, w, v as Obj);
      },
    ];
  }
  return [primitiveRead(t, s), primitiveWrite(t, s)];
}

const plans = new WeakMap<StructSchema, Map<number, StructPlan>>();

function structPlan(s: StructSchema, version: number, flexible: boolean): StructPlan {
  let byVersion = plans.get(s);
  if (byVersion === undefined) {
    byVersion = new Map();
    plans.set(s, byVersion);
  }
  const key = version * 2 + (flexible ? 1 : 0);
  let plan = byVersion.get(key);
  if (plan === undefined) {
    plan = compileStruct(s, version, flexible);
    byVersion.set(key, plan);
  }
  return plan;
}

function compileStruct(s: StructSchema, version: number, flexible: boolean): StructPlan {
  const fields: FieldPlan[] = [];
  const regular: FieldPlan[] = [];
  const tagged: FieldPlan[] = [];
  const mustBeDefault: FieldPlan[] = [];
  for (const f of s.fields) {
    const present = inRange(version, f.versions);
    const isTagged = present && flexible && inRange(version, f.tagged);
    const compact = flexible && (f.flexible === undefined || inRange(version, f.flexible));
    const [read, write] = present ? fieldCodec(f, version, compact) : [undefined, undefined];
    const plan: FieldPlan = {
      name: f.name,
      tag: f.tag ?? -1,
      inline: present && !isTagged,
      read,
      write,
      makeDefault: fieldDefault(f),
      isDefault: fieldIsDefault(f),
    };
    fields.push(plan);
    if (isTagged) tagged.push(plan);
    else if (present) regular.push(plan);
    else if (!f.ignorable) mustBeDefault.push(plan);
  }
  tagged.sort((a, b) => a.tag - b.tag);
  return {
    fields,
    regular,
    tagged,
    taggedByTag: new Map(tagged.map((t) => [t.tag, t])),
    mustBeDefault,
    flexible,
  };
}

function readStruct(p: StructPlan, r: Reader): Obj {
  const o: Obj = {};
  const fields = p.fields;
  let i = 0;
  try {
    for (; i < fields.length; i++) {
      const f = fields[i]!;
      o[f.name] = f.inline ? f.read!(r) : f.makeDefault();
    }
    if (p.flexible) readTaggedFields(p, r, o);
  } catch (e) {
    if (e instanceof DecodeError) e.within(i < fields.length ? fields[i]!.name : '_taggedFields');
    throw e;
  }
  return o;
}

function readTaggedFields(p: StructPlan, r: Reader, o: Obj): void {
  const count = r.uvarint();
  if (count > r.remaining) throw new DecodeError(`${count} tagged fields exceed the ${r.remaining} bytes that remain`);
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    if (size > r.remaining) throw new DecodeError(`tagged field ${tag} of ${size} bytes exceeds what remains`);
    const f = p.taggedByTag.get(tag);
    if (f === undefined) {
      r.skip(size);
      continue;
    }
    const end = r.pos + size;
    const saved = r.end;
    r.end = end;
    try {
      o[f.name] = f.read!(r);
      if (r.pos !== end) throw new DecodeError(`tagged field ${tag} holds ${end - r.pos} bytes more than its value`);
    } catch (e) {
      if (e instanceof DecodeError) e.within(f.name);
      throw e;
    } finally {
      r.end = saved;
    }
  }
}

function writeStruct(p: StructPlan, w: Writer, o: Obj): void {
  if (o === null || typeof o !== 'object') throw new EncodeError(`expected an object, got ${JSON.stringify(o)}`);
  for (const f of p.regular) {
    const v = o[f.name];
    try {
      f.write!(w, v === undefined ? f.makeDefault() : v);
    } catch (e) {
      if (e instanceof EncodeError) e.message = `${f.name}: ${e.message}`;
      throw e;
    }
  }
  for (const f of p.mustBeDefault) {
    const v = o[f.name];
    if (v !== undefined && !f.isDefault(v)) {
      throw new EncodeError(`${f.name} is not its default and this version cannot carry it`);
    }
  }
  if (!p.flexible) return;
  let count = 0;
  for (const f of p.tagged) {
    const v = o[f.name];
    if (v !== undefined && !f.isDefault(v)) count++;
  }
  w.uvarint(count);
  if (count === 0) return;
  for (const f of p.tagged) {
    const v = o[f.name];
    if (v === undefined || f.isDefault(v)) continue;
    const inner = new Writer(64);
    f.write!(inner, v);
    const bytes = inner.finish();
    w.uvarint(f.tag);
    w.uvarint(bytes.length);
    w.bytes(bytes);
  }
}

// ---------------------------------------------------------------------------
// Messages.

/** A generated message: its schema plus typed encode and decode over every valid version. */
export interface Message<T> {
  readonly schema: MessageSchema;
  /** Decodes a whole body; bytes left over are an error. */
  decode(bytes: Uint8Array, version: number): T;
  /** Decodes from a reader positioned at the body, leaving it after the body. */
  read(r: Reader, version: number): T;
  encode(message: Init<T>, version: number): Uint8Array;
  write(w: Writer, message: Init<T>, version: number): void;
  /** A message holding every field's default. */
  defaults(): T;
  isFlexible(version: number): boolean;
}

export function defineMessage<T>(schema: MessageSchema): Message<T> {
  const plan = (version: number): StructPlan => {
    if (!inRange(version, schema.validVersions)) {
      throw new UnsupportedVersionError(schema.name, version, schema.validVersions);
    }
    return structPlan(schema, version, inRange(version, schema.flexibleVersions));
  };
  const read = (r: Reader, version: number): T => {
    const p = plan(version);
    try {
      return readStruct(p, r) as T;
    } catch (e) {
      if (e instanceof DecodeError) e.locate(schema.name, version);
      throw e;
    }
  };
  const write = (w: Writer, message: Init<T>, version: number): void => {
    const p = plan(version);
    try {
      writeStruct(p, w, message as Obj);
    } catch (e) {
      if (e instanceof EncodeError) e.message = `${schema.name} v${version}: ${e.message}`;
      throw e;
    }
  };
  return {
    schema,
    read,
    write,
    decode(bytes, version) {
      const r = new Reader(bytes);
      const out = read(r, version);
      if (r.remaining !== 0) {
        throw new DecodeError(`${r.remaining} bytes follow the message`).locate(schema.name, version);
      }
      return out;
    },
    encode(message, version) {
      const w = new Writer();
      write(w, message, version);
      return w.finish();
    },
    defaults: () => defaultStruct(schema) as T,
    isFlexible: (version) => inRange(version, schema.flexibleVersions),
  };
}

export class UnsupportedVersionError extends DecodeError {
  override name = 'UnsupportedVersionError';
  constructor(messageName: string, version: number, range: VersionRange) {
    super(`version ${version} is outside ${range[0]}-${range[1]}`);
    this.locate(messageName, version);
  }
}
