/**
 * Converts between our decoded messages and the JSON Kafka's generated
 * JsonConverters read and write, guided by the message schema: only fields the
 * version carries, bytes as base64, int64 as bigint digits (the oracle hands
 * them back as strings).
 */

import {
  defaultStruct,
  type FieldSchema,
  type FieldType,
  inRange,
  type PrimitiveType,
  type StructSchema,
} from '../../shared/protocol/schema.js';

type Obj = Record<string, unknown>;

const isStruct = (t: FieldType): t is StructSchema => typeof t === 'object' && 'fields' in t;

function primitiveToJson(t: PrimitiveType, v: unknown): unknown {
  if (v === null) return null;
  if (t === 'bytes' || t === 'records') return Buffer.from(v as Uint8Array).toString('base64');
  return v;
}

function primitiveFromJson(t: PrimitiveType, v: unknown): unknown {
  if (v === null) return null;
  switch (t) {
    case 'int64':
      return BigInt(v as string | number);
    case 'uint32':
    case 'float64':
      return v === 'NaN' ? Number.NaN : Number(v);
    case 'bytes':
    case 'records':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    default:
      return v;
  }
}

function valueToJson(f: FieldSchema, version: number, v: unknown): unknown {
  if (v === null) return null;
  const t = f.type;
  if (typeof t === 'object' && 'array' in t) {
    const e = t.array;
    return (v as unknown[]).map((x) => (isStruct(e) ? structToJson(e, version, x as Obj) : primitiveToJson(e, x)));
  }
  if (isStruct(t)) return structToJson(t, version, v as Obj);
  return primitiveToJson(t, v);
}

function valueFromJson(f: FieldSchema, version: number, v: unknown): unknown {
  if (v === null) return null;
  const t = f.type;
  if (typeof t === 'object' && 'array' in t) {
    const e = t.array;
    return (v as unknown[]).map((x) => (isStruct(e) ? structFromJson(e, version, x as Obj) : primitiveFromJson(e, x)));
  }
  if (isStruct(t)) return structFromJson(t, version, v as Obj);
  return primitiveFromJson(t, v);
}

export function structToJson(s: StructSchema, version: number, o: Obj): Obj {
  const json: Obj = {};
  for (const f of s.fields) if (inRange(version, f.versions)) json[f.name] = valueToJson(f, version, o[f.name]);
  return json;
}

export function structFromJson(s: StructSchema, version: number, json: Obj): Obj {
  const o = defaultStruct(s);
  for (const f of s.fields) {
    if (inRange(version, f.versions) && f.name in json) o[f.name] = valueFromJson(f, version, json[f.name]);
  }
  return o;
}
