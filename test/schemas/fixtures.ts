/**
 * Schemas and values for test/schemas, per format: a v1, a v2 that BACKWARD
 * allows (and FORWARD and FULL too), a change BACKWARD refuses, and values
 * that exercise each type's encodings (strings with non-ASCII text, negative
 * and large numbers, doubles, arrays, nulls) and hold no default values, so
 * Protobuf's JSON forms omit nothing.
 */

import type { SchemaFormat, SerdeClient } from './serdes.js';

export interface Fixture {
  readonly format: SchemaFormat;
  /** The schema type the registry reports (`schemaType`, absent for Avro). */
  readonly schemaType: 'PROTOBUF' | 'JSON' | undefined;
  /** Protobuf: the message's full name. */
  readonly message?: string;
  readonly v1: string | object;
  /** Compatible with v1 under BACKWARD, FORWARD and FULL: adds an optional field (with a default for Avro). */
  readonly v2: string | object;
  /** Refused under BACKWARD. */
  readonly incompatible: string | object;
  readonly values: (tag: string, n: number) => unknown[];
  readonly v2Values: (tag: string, n: number) => unknown[];
  /** Values of the `incompatible` schema. */
  readonly incompatibleValues: (tag: string, n: number) => unknown[];
  /** A v1 value as a v2 reader sees it, where the client deserializes with a reader schema. */
  readonly readByV2?: (value: unknown) => unknown;
}

const avroSchema = (extra: object[]): string =>
  JSON.stringify({
    type: 'record',
    name: 'User',
    namespace: 'kafkaless.test',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'age', type: 'int' },
      { name: 'balance', type: 'long' },
      { name: 'score', type: 'double' },
      { name: 'active', type: 'boolean' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'nick', type: ['null', 'string'], default: null },
      ...extra,
    ],
  });

const userValues = (tag: string, n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${i}-ü✓`,
    age: i % 2 === 0 ? i + 1 : -(i + 1),
    balance: 2 ** 40 + i * 7919,
    score: i + 0.25,
    active: i % 3 !== 0,
    tags: Array.from({ length: (i % 3) + 1 }, (_, j) => `t${j}`),
    nick: i % 2 === 0 ? null : `nick-${i}`,
  }));

export const AVRO: Fixture = {
  format: 'avro',
  schemaType: undefined,
  v1: avroSchema([]),
  v2: avroSchema([{ name: 'email', type: 'string', default: 'unknown@example.com' }]),
  // A field without a default: a v2 reader cannot read v1 data.
  incompatible: avroSchema([{ name: 'country', type: 'string' }]),
  values: userValues,
  v2Values: (tag, n) => userValues(tag, n).map((v, i) => ({ ...v, email: `u${i}@example.com` })),
  incompatibleValues: (tag, n) => userValues(tag, n).map((v) => ({ ...v, country: 'NZ' })),
  readByV2: (value) => ({ ...(value as object), email: 'unknown@example.com' }),
};

const jsonSchema = (qty: 'integer' | 'string', extra: Record<string, object> = {}): string =>
  JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Order',
    type: 'object',
    properties: {
      id: { type: 'string' },
      qty: { type: qty },
      price: { type: 'number' },
      lines: { type: 'array', items: { type: 'string' } },
      note: { type: ['string', 'null'] },
      ...extra,
    },
    required: ['id', 'qty'],
    additionalProperties: false,
  });

const orderValues = (tag: string, n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${i}-ß`,
    qty: i % 2 === 0 ? i + 1 : -(i + 1) * 1000,
    price: i + 0.5,
    lines: Array.from({ length: (i % 3) + 1 }, (_, j) => `line-${j}`),
    note: i % 2 === 0 ? null : `note ${i}`,
  }));

export const JSON_SCHEMA: Fixture = {
  format: 'json',
  schemaType: 'JSON',
  v1: jsonSchema('integer'),
  // An optional property added to a closed content model: v1 data is valid v2 data.
  v2: jsonSchema('integer', { channel: { type: 'string' } }),
  // A property's type changed.
  incompatible: jsonSchema('string'),
  values: orderValues,
  v2Values: (tag, n) => orderValues(tag, n).map((v, i) => ({ ...v, channel: `ch-${i}` })),
  incompatibleValues: (tag, n) => orderValues(tag, n).map((v) => ({ ...v, qty: String(v.qty) })),
  readByV2: (value) => value,
};

/** The Protobuf schema as .proto text (kafkajs). */
const protoText = (qty: 'int32' | 'string', extra = ''): string =>
  [
    'syntax = "proto3";',
    'package kafkaless.test;',
    '',
    'message Reading {',
    '  string id = 1;',
    `  ${qty} qty = 2;`,
    '  double value = 3;',
    '  repeated string labels = 4;',
    '  Location location = 5;',
    extra,
    '}',
    '',
    'message Location {',
    '  string site = 1;',
    '  sint32 floor = 2;',
    '}',
    '',
  ].join('\n');

type ProtoField = { name: string; number: number; type: string; label?: string; typeName?: string };

/** The same schema as a FileDescriptorProto in protobuf's JSON mapping (Python builds its classes from it). */
const protoDescriptor = (qty: 'int32' | 'string', extra: ProtoField[] = []): object => ({
  name: 'reading.proto',
  package: 'kafkaless.test',
  syntax: 'proto3',
  messageType: [
    {
      name: 'Reading',
      field: [
        { name: 'id', number: 1, type: 'TYPE_STRING' },
        { name: 'qty', number: 2, type: qty === 'int32' ? 'TYPE_INT32' : 'TYPE_STRING' },
        { name: 'value', number: 3, type: 'TYPE_DOUBLE' },
        { name: 'labels', number: 4, type: 'TYPE_STRING', label: 'LABEL_REPEATED' },
        { name: 'location', number: 5, type: 'TYPE_MESSAGE', typeName: '.kafkaless.test.Location' },
        ...extra,
      ].map((f) => ({ label: 'LABEL_OPTIONAL', jsonName: f.name, ...f })),
    },
    {
      name: 'Location',
      field: [
        { name: 'site', number: 1, type: 'TYPE_STRING', label: 'LABEL_OPTIONAL', jsonName: 'site' },
        { name: 'floor', number: 2, type: 'TYPE_SINT32', label: 'LABEL_OPTIONAL', jsonName: 'floor' },
      ],
    },
  ],
});

/** Protobuf's JSON mapping, as both libraries print it (no 64-bit integers: protobufjs's verifier takes no strings for them, and both print them as strings). */
const readingValues = (tag: string, n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${i}-é`,
    qty: i % 2 === 0 ? i + 1 : -(i + 1),
    value: i + 0.75,
    labels: Array.from({ length: (i % 3) + 1 }, (_, j) => `l${j}`),
    location: { site: `site-${i % 4}`, floor: i % 2 === 0 ? 100_000 + i : -(i + 1) },
  }));

export function protobufFixture(client: SerdeClient): Fixture {
  const python = client === 'python';
  return {
    format: 'protobuf',
    schemaType: 'PROTOBUF',
    message: 'kafkaless.test.Reading',
    v1: python ? protoDescriptor('int32') : protoText('int32'),
    v2: python
      ? protoDescriptor('int32', [{ name: 'unit', number: 6, type: 'TYPE_STRING' }])
      : protoText('int32', '  string unit = 6;'),
    // A field's scalar kind changed (int32 → string): FIELD_SCALAR_KIND_CHANGED.
    incompatible: python ? protoDescriptor('string') : protoText('string'),
    values: readingValues,
    v2Values: (tag, n) => readingValues(tag, n).map((v, i) => ({ ...v, unit: `unit-${i}` })),
    incompatibleValues: (tag, n) => readingValues(tag, n).map((v) => ({ ...v, qty: String(v.qty) })),
    // Python reads with the v2 class; a field v1 lacks stays at its default, which the JSON form omits.
    ...(python ? { readByV2: (value: unknown) => value } : {}),
  };
}

/** Avro schemas for the FORWARD and FULL steps: v1 plus these fields, or minus `age`. */
export const AVRO_WITH = (extra: object[], withoutAge = false): string => {
  const schema = JSON.parse(avroSchema(extra)) as { fields: { name: string }[] };
  if (withoutAge) schema.fields = schema.fields.filter((f) => f.name !== 'age');
  return JSON.stringify(schema);
};
export const AVRO_VALUES = userValues;
