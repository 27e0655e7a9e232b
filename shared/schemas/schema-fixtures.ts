/**
 * Schemas and wire-format values for the schema validation tests (here and
 * in Produce's): a registered schema of each type and the bytes a Confluent
 * serializer would write for it.
 */

import avsc from 'avsc';
import protobuf from 'protobufjs';
import type { SchemaReference, SchemaStore } from '../storage/schemas.js';

export const ORDER_AVRO = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'long' },
    // A union default that is not the first branch's type: Java's Avro (and Confluent) take it, avsc does not.
    { name: 'note', type: ['null', 'string'], default: 'none' },
  ],
});

export const SHAPES_PROTO = `syntax = "proto3";
package acme.shapes;

message Circle {
  double radius = 1;
}

message Polygon {
  int32 sides = 1;
  message Vertex {
    string label = 1;
    sint32 x = 2;
  }
  repeated Vertex vertices = 2;
}
`;

export const PERSON_JSON = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'com.acme.Person',
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  required: ['name'],
});

/** Registers `schema` under `subject` and returns its id. */
export async function register(
  store: SchemaStore,
  subject: string,
  schemaType: 'AVRO' | 'PROTOBUF' | 'JSON',
  schema: string,
  references: readonly SchemaReference[] = [],
): Promise<number> {
  const outcome = await store.register({ subject, schemaType, schema, references });
  if (outcome.kind !== 'registered' && outcome.kind !== 'exists') throw new Error(`register: ${outcome.kind}`);
  return outcome.id;
}

/** Magic byte 0, the schema id, then (Protobuf) the message indexes as given, then the payload. */
export function envelope(schemaId: number, payload: Uint8Array, messageIndexes: readonly number[] = []): Uint8Array {
  const out = new Uint8Array(5 + messageIndexes.length + payload.length);
  out[0] = 0;
  new DataView(out.buffer).setInt32(1, schemaId);
  out.set(messageIndexes, 5);
  out.set(payload, 5 + messageIndexes.length);
  return out;
}

export function avroOrder(id: number, note: string | null): Uint8Array {
  const type = avsc.Type.forSchema({
    type: 'record',
    name: 'Order',
    namespace: 'com.acme',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'note', type: ['null', 'string'] },
    ],
  });
  return new Uint8Array(type.toBuffer({ id, note }));
}

export function protobufMessage(name: string, value: Record<string, unknown>): Uint8Array {
  const type = protobuf.parse(SHAPES_PROTO, { keepCase: true }).root.lookupType(name);
  return type.encode(type.fromObject(value)).finish();
}

export function jsonDocument(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Message indexes as written: [0] as the single byte 0, else zig-zag count and indexes (each under 64). */
export function messageIndexes(indexes: readonly number[]): number[] {
  if (indexes.length === 1 && indexes[0] === 0) return [0];
  return [indexes.length * 2, ...indexes.map((i) => i * 2)];
}
