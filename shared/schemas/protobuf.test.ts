import { describe, expect, it } from 'vitest';
import { expectVerdict } from './expect-verdict.js';
import { type ParsedProtobuf, type ProtobufDifference, protobufRules } from './protobuf.js';
import { type ResolvedReference, SchemaParseError } from './types.js';

/**
 * Compatibility of (reader, writer) pairs under Confluent's Protobuf rules:
 * the reader is the newer schema of a BACKWARD check (Confluent's "update"),
 * the writer the older one ("original"). `problem` names the difference kind
 * that must be reported; without it the pair is compatible.
 */
interface Case {
  readonly name: string;
  readonly reader: string;
  readonly writer: string;
  readonly problem?: ProtobufDifference;
  readonly references?: readonly ResolvedReference[];
}

const p3 = (body: string, pkg = 'acme'): string => `syntax = "proto3";\npackage ${pkg};\n${body}\n`;
const p2 = (body: string, pkg = 'acme'): string => `syntax = "proto2";\npackage ${pkg};\n${body}\n`;
const msg = (fields: string, name = 'Order'): string => p3(`message ${name} {\n${fields}\n}`);

function reference(name: string, schema: string, references: ResolvedReference[] = []): ResolvedReference {
  return { name, subject: name, version: 1, schemaType: 'PROTOBUF', schema, references };
}

const money = (field: string) => reference('money.proto', p3(`message Money {\n${field}\n}`, 'fin'));

const CASES: readonly Case[] = [
  // Identity and cosmetic changes.
  { name: 'identical schemas', reader: msg('int32 id = 1;'), writer: msg('int32 id = 1;') },
  {
    name: 'whitespace and comments differ',
    reader: msg('  // the id\n  int32   id=1;'),
    writer: msg('int32 id = 1; /* id */'),
  },
  { name: 'field renamed (numbers are identity)', reader: msg('int32 order_id = 1;'), writer: msg('int32 id = 1;') },
  {
    name: 'fields reordered in the text',
    reader: msg('string b = 2; int32 a = 1;'),
    writer: msg('int32 a = 1; string b = 2;'),
  },
  {
    name: 'file option changed',
    reader: p3('option java_package = "com.acme.v2";\nmessage Order { int32 id = 1; }'),
    writer: p3('option java_package = "com.acme";\nmessage Order { int32 id = 1; }'),
  },
  {
    name: 'field option added',
    reader: msg('int32 id = 1 [deprecated = true];'),
    writer: msg('int32 id = 1;'),
  },
  {
    name: 'service added',
    reader: p3('message Order { int32 id = 1; }\nservice Orders { rpc Get(Order) returns (Order); }'),
    writer: p3('message Order { int32 id = 1; }'),
  },
  {
    name: 'syntax proto2 to proto3 with the same fields',
    reader: p3('message Order { int32 id = 1; }'),
    writer: p2('message Order { optional int32 id = 1; }'),
  },
  // Fields added and removed.
  { name: 'field added', reader: msg('int32 id = 1; string note = 2;'), writer: msg('int32 id = 1;') },
  { name: 'field removed', reader: msg('int32 id = 1;'), writer: msg('int32 id = 1; string note = 2;') },
  {
    name: 'field removed and its number reserved',
    reader: msg('int32 id = 1; reserved 2; reserved "note";'),
    writer: msg('int32 id = 1; string note = 2;'),
  },
  {
    name: 'message field added',
    reader: p3('message Order { int32 id = 1; Line line = 2; }\nmessage Line { int32 qty = 1; }'),
    writer: p3('message Order { int32 id = 1; }\nmessage Line { int32 qty = 1; }'),
  },
  {
    name: 'map field added',
    reader: msg('int32 id = 1; map<string, string> tags = 2;'),
    writer: msg('int32 id = 1;'),
  },
  { name: 'repeated field removed', reader: msg('int32 id = 1;'), writer: msg('int32 id = 1; repeated int64 xs = 2;') },
  {
    name: 'proto3 optional field added',
    reader: msg('int32 id = 1; optional string n = 2;'),
    writer: msg('int32 id = 1;'),
  },
  { name: 'proto3 field made optional', reader: msg('optional int32 id = 1;'), writer: msg('int32 id = 1;') },
  { name: 'proto3 optional made implicit', reader: msg('int32 id = 1;'), writer: msg('optional int32 id = 1;') },
  {
    name: 'proto2 optional field added',
    reader: p2('message Order { optional int32 id = 1; optional string n = 2; }'),
    writer: p2('message Order { optional int32 id = 1; }'),
  },
  {
    name: 'proto2 optional field removed',
    reader: p2('message Order { optional int32 id = 1; }'),
    writer: p2('message Order { optional int32 id = 1; optional string n = 2; }'),
  },
  {
    name: 'proto2 required field kept',
    reader: p2('message Order { required int32 id = 1; optional string n = 2; }'),
    writer: p2('message Order { required int32 id = 1; }'),
  },
  {
    name: 'proto2 required field added',
    reader: p2('message Order { optional int32 id = 1; required string n = 2; }'),
    writer: p2('message Order { optional int32 id = 1; }'),
    problem: 'REQUIRED_FIELD_ADDED',
  },
  {
    name: 'proto2 required field removed',
    reader: p2('message Order { optional int32 id = 1; }'),
    writer: p2('message Order { optional int32 id = 1; required string n = 2; }'),
    problem: 'REQUIRED_FIELD_REMOVED',
  },
  {
    name: 'proto2 required field added in a nested message',
    reader: p2('message Order { message Line { required int32 q = 1; } optional Line l = 1; }'),
    writer: p2('message Order { message Line { } optional Line l = 1; }'),
    problem: 'REQUIRED_FIELD_ADDED',
  },
  // Messages and enums.
  {
    name: 'message added',
    reader: p3('message Order { int32 id = 1; }\nmessage Refund { int32 id = 1; }'),
    writer: p3('message Order { int32 id = 1; }'),
  },
  {
    name: 'messages reordered',
    reader: p3('message B { int32 b = 1; }\nmessage A { int32 a = 1; }'),
    writer: p3('message A { int32 a = 1; }\nmessage B { int32 b = 1; }'),
  },
  {
    name: 'message removed',
    reader: p3('message A { int32 a = 1; }'),
    writer: p3('message A { int32 a = 1; }\nmessage B { int32 b = 1; }'),
    problem: 'MESSAGE_REMOVED',
  },
  {
    name: 'first message renamed',
    reader: p3('message Purchase { int32 id = 1; }'),
    writer: p3('message Order { int32 id = 1; }'),
    problem: 'MESSAGE_REMOVED',
  },
  {
    name: 'nested message removed',
    reader: p3('message Order { int32 id = 1; }'),
    writer: p3('message Order { int32 id = 1; message Line { int32 q = 1; } }'),
    problem: 'MESSAGE_REMOVED',
  },
  {
    name: 'nested message added',
    reader: p3('message Order { int32 id = 1; message Line { int32 q = 1; } }'),
    writer: p3('message Order { int32 id = 1; }'),
  },
  {
    name: 'package changed',
    reader: p3('message Order { int32 id = 1; }', 'acme.v2'),
    writer: p3('message Order { int32 id = 1; }', 'acme'),
    problem: 'PACKAGE_CHANGED',
  },
  {
    name: 'package added',
    reader: p3('message Order { int32 id = 1; }', 'acme'),
    writer: 'syntax = "proto3";\nmessage Order { int32 id = 1; }',
    problem: 'PACKAGE_CHANGED',
  },
  {
    name: 'enum added',
    reader: p3('message Order { int32 id = 1; }\nenum Status { NEW = 0; }'),
    writer: p3('message Order { int32 id = 1; }'),
  },
  {
    name: 'unused enum removed',
    reader: p3('message Order { int32 id = 1; }'),
    writer: p3('message Order { int32 id = 1; }\nenum Status { NEW = 0; }'),
  },
  {
    name: 'enum constant added',
    reader: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; PAID = 1; SHIPPED = 2; }'),
    writer: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; PAID = 1; }'),
  },
  {
    name: 'enum constant removed',
    reader: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; }'),
    writer: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; PAID = 1; }'),
  },
  {
    name: 'enum constant renamed',
    reader: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; SETTLED = 1; }'),
    writer: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; PAID = 1; }'),
  },
  {
    name: 'nested enum constant added',
    reader: p3('message Order { enum S { A = 0; B = 1; } S s = 1; }'),
    writer: p3('message Order { enum S { A = 0; } S s = 1; }'),
  },
  // Compatible scalar groups.
  { name: 'string to bytes', reader: msg('bytes v = 1;'), writer: msg('string v = 1;') },
  { name: 'bytes to string', reader: msg('string v = 1;'), writer: msg('bytes v = 1;') },
  { name: 'int32 to int64', reader: msg('int64 v = 1;'), writer: msg('int32 v = 1;') },
  { name: 'int64 to int32', reader: msg('int32 v = 1;'), writer: msg('int64 v = 1;') },
  { name: 'uint32 to uint64', reader: msg('uint64 v = 1;'), writer: msg('uint32 v = 1;') },
  { name: 'int32 to uint32', reader: msg('uint32 v = 1;'), writer: msg('int32 v = 1;') },
  { name: 'int64 to bool', reader: msg('bool v = 1;'), writer: msg('int64 v = 1;') },
  { name: 'bool to uint64', reader: msg('uint64 v = 1;'), writer: msg('bool v = 1;') },
  { name: 'sint32 to sint64', reader: msg('sint64 v = 1;'), writer: msg('sint32 v = 1;') },
  { name: 'fixed32 to sfixed32', reader: msg('sfixed32 v = 1;'), writer: msg('fixed32 v = 1;') },
  { name: 'sfixed64 to fixed64', reader: msg('fixed64 v = 1;'), writer: msg('sfixed64 v = 1;') },
  {
    name: 'enum to int32',
    reader: p3('message Order { int32 s = 1; }\nenum Status { NEW = 0; }'),
    writer: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; }'),
  },
  {
    name: 'int64 to enum',
    reader: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; }'),
    writer: p3('message Order { int64 s = 1; }\nenum Status { NEW = 0; }'),
  },
  {
    name: 'map value widened within its group',
    reader: msg('map<string, int64> m = 1;'),
    writer: msg('map<string, int32> m = 1;'),
  },
  {
    name: 'map key string to bytes-free string kept',
    reader: msg('map<string, bytes> m = 1;'),
    writer: msg('map<string, string> m = 1;'),
  },
  // Incompatible scalar changes.
  {
    name: 'int32 to string',
    reader: msg('string v = 1;'),
    writer: msg('int32 v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'string to int32',
    reader: msg('int32 v = 1;'),
    writer: msg('string v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'int32 to sint32',
    reader: msg('sint32 v = 1;'),
    writer: msg('int32 v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'sint64 to int64',
    reader: msg('int64 v = 1;'),
    writer: msg('sint64 v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'int64 to fixed64',
    reader: msg('fixed64 v = 1;'),
    writer: msg('int64 v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'fixed32 to fixed64',
    reader: msg('fixed64 v = 1;'),
    writer: msg('fixed32 v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'float to double',
    reader: msg('double v = 1;'),
    writer: msg('float v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'double to float',
    reader: msg('float v = 1;'),
    writer: msg('double v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'float to fixed32',
    reader: msg('fixed32 v = 1;'),
    writer: msg('float v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'bool to string',
    reader: msg('string v = 1;'),
    writer: msg('bool v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'bytes to int64',
    reader: msg('int64 v = 1;'),
    writer: msg('bytes v = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'enum to string',
    reader: p3('message Order { string s = 1; }\nenum Status { NEW = 0; }'),
    writer: p3('message Order { Status s = 1; }\nenum Status { NEW = 0; }'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'map key type changed',
    reader: msg('map<int32, string> m = 1;'),
    writer: msg('map<string, string> m = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'map value type changed',
    reader: msg('map<string, string> m = 1;'),
    writer: msg('map<string, double> m = 1;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'type change inside a nested message',
    reader: p3('message Order { message Line { string q = 1; } Line l = 1; }'),
    writer: p3('message Order { message Line { int32 q = 1; } Line l = 1; }'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  // Kind changes.
  {
    name: 'scalar to message',
    reader: p3('message Order { Line v = 1; }\nmessage Line { int32 q = 1; }'),
    writer: p3('message Order { int32 v = 1; }\nmessage Line { int32 q = 1; }'),
    problem: 'FIELD_KIND_CHANGED',
  },
  {
    name: 'message to scalar',
    reader: p3('message Order { bytes v = 1; }\nmessage Line { int32 q = 1; }'),
    writer: p3('message Order { Line v = 1; }\nmessage Line { int32 q = 1; }'),
    problem: 'FIELD_KIND_CHANGED',
  },
  {
    name: 'map to message',
    reader: p3('message Order { Line v = 1; }\nmessage Line { int32 q = 1; }'),
    writer: p3('message Order { map<string, int32> v = 1; }\nmessage Line { int32 q = 1; }'),
    problem: 'FIELD_KIND_CHANGED',
  },
  {
    name: 'message to map',
    reader: p3('message Order { map<string, int32> v = 1; }\nmessage Line { int32 q = 1; }'),
    writer: p3('message Order { Line v = 1; }\nmessage Line { int32 q = 1; }'),
    problem: 'FIELD_KIND_CHANGED',
  },
  {
    name: 'map to scalar',
    reader: msg('string v = 1;'),
    writer: msg('map<string, string> v = 1;'),
    problem: 'FIELD_KIND_CHANGED',
  },
  {
    name: 'scalar to map',
    reader: msg('map<string, string> v = 1;'),
    writer: msg('string v = 1;'),
    problem: 'FIELD_KIND_CHANGED',
  },
  {
    name: 'enum to message',
    reader: p3('message Order { Line v = 1; }\nmessage Line { int32 q = 1; }\nenum S { A = 0; }'),
    writer: p3('message Order { S v = 1; }\nmessage Line { int32 q = 1; }\nenum S { A = 0; }'),
    problem: 'FIELD_KIND_CHANGED',
  },
  {
    name: 'map value scalar to message',
    reader: p3('message Order { map<string, Line> v = 1; }\nmessage Line { int32 q = 1; }'),
    writer: p3('message Order { map<string, int32> v = 1; }\nmessage Line { int32 q = 1; }'),
    problem: 'FIELD_KIND_CHANGED',
  },
  // Named message types.
  {
    name: 'message type switched to another message',
    reader: p3('message Order { B v = 1; }\nmessage A { int32 q = 1; }\nmessage B { int32 q = 1; }'),
    writer: p3('message Order { A v = 1; }\nmessage A { int32 q = 1; }\nmessage B { int32 q = 1; }'),
    problem: 'FIELD_NAMED_TYPE_CHANGED',
  },
  {
    name: 'well-known Timestamp to Duration',
    reader: p3('import "google/protobuf/duration.proto";\nmessage Order { google.protobuf.Duration at = 1; }'),
    writer: p3('import "google/protobuf/timestamp.proto";\nmessage Order { google.protobuf.Timestamp at = 1; }'),
    problem: 'FIELD_NAMED_TYPE_CHANGED',
  },
  {
    name: 'well-known Timestamp kept',
    reader: p3(
      'import "google/protobuf/timestamp.proto";\nmessage Order { google.protobuf.Timestamp at = 1; int32 n = 2; }',
    ),
    writer: p3('import "google/protobuf/timestamp.proto";\nmessage Order { google.protobuf.Timestamp at = 1; }'),
  },
  {
    name: 'wrapper type changed from Int32Value to StringValue',
    reader: p3('import "google/protobuf/wrappers.proto";\nmessage Order { google.protobuf.StringValue v = 1; }'),
    writer: p3('import "google/protobuf/wrappers.proto";\nmessage Order { google.protobuf.Int32Value v = 1; }'),
    problem: 'FIELD_NAMED_TYPE_CHANGED',
  },
  {
    name: 'referenced message unchanged',
    reader: p3('import "money.proto";\nmessage Order { fin.Money total = 1; int32 n = 2; }'),
    writer: p3('import "money.proto";\nmessage Order { fin.Money total = 1; }'),
    references: [money('int64 cents = 1;')],
  },
  {
    name: 'nested message type with a compatible change',
    reader: p3('message Order { Line l = 1; }\nmessage Line { int64 q = 1; string sku = 2; }'),
    writer: p3('message Order { Line l = 1; }\nmessage Line { int32 q = 1; }'),
  },
  {
    name: 'nested message type with an incompatible change',
    reader: p3('message Order { Line l = 1; }\nmessage Line { string q = 1; }'),
    writer: p3('message Order { Line l = 1; }\nmessage Line { int32 q = 1; }'),
    problem: 'FIELD_NAMED_TYPE_CHANGED',
  },
  {
    name: 'self-referencing message unchanged',
    reader: p3('message Node { int32 v = 1; repeated Node children = 2; string label = 3; }'),
    writer: p3('message Node { int32 v = 1; repeated Node children = 2; }'),
  },
  {
    name: 'mutually recursive messages with an incompatible change',
    reader: p3('message A { B b = 1; string x = 2; }\nmessage B { A a = 1; }'),
    writer: p3('message A { B b = 1; int32 x = 2; }\nmessage B { A a = 1; }'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  // Labels.
  { name: 'repeated string to string', reader: msg('string v = 1;'), writer: msg('repeated string v = 1;') },
  { name: 'bytes to repeated bytes', reader: msg('repeated bytes v = 1;'), writer: msg('bytes v = 1;') },
  {
    name: 'int32 to repeated int32',
    reader: msg('repeated int32 v = 1;'),
    writer: msg('int32 v = 1;'),
    problem: 'FIELD_NUMERIC_LABEL_CHANGED',
  },
  {
    name: 'repeated int64 to int64',
    reader: msg('int64 v = 1;'),
    writer: msg('repeated int64 v = 1;'),
    problem: 'FIELD_NUMERIC_LABEL_CHANGED',
  },
  {
    name: 'repeated double to double',
    reader: msg('double v = 1;'),
    writer: msg('repeated double v = 1;'),
    problem: 'FIELD_NUMERIC_LABEL_CHANGED',
  },
  {
    name: 'enum to repeated enum',
    reader: p3('message Order { repeated S v = 1; }\nenum S { A = 0; }'),
    writer: p3('message Order { S v = 1; }\nenum S { A = 0; }'),
    problem: 'FIELD_NUMERIC_LABEL_CHANGED',
  },
  // Oneofs.
  {
    name: 'oneof added with new fields',
    reader: msg('int32 id = 1; oneof pay { string card = 2; string iban = 3; }'),
    writer: msg('int32 id = 1;'),
  },
  {
    name: 'oneof removed with its fields',
    reader: msg('int32 id = 1;'),
    writer: msg('int32 id = 1; oneof pay { string card = 2; string iban = 3; }'),
  },
  {
    name: 'field added to a oneof',
    reader: msg('oneof pay { string card = 2; string iban = 3; }'),
    writer: msg('oneof pay { string card = 2; }'),
  },
  {
    name: 'field removed from a oneof',
    reader: msg('oneof pay { string card = 2; }'),
    writer: msg('oneof pay { string card = 2; string iban = 3; }'),
    problem: 'ONEOF_FIELD_REMOVED',
  },
  {
    name: 'one field moved into a new oneof',
    reader: msg('int32 id = 1; oneof pay { string card = 2; string iban = 3; }'),
    writer: msg('int32 id = 1; string card = 2;'),
  },
  {
    name: 'two fields moved into one oneof',
    reader: msg('oneof pay { string card = 2; string iban = 3; }'),
    writer: msg('string card = 2; string iban = 3;'),
    problem: 'MULTIPLE_FIELDS_MOVED_TO_ONEOF',
  },
  {
    name: 'field moved into an existing oneof',
    reader: msg('oneof pay { string card = 2; string iban = 3; }'),
    writer: msg('string iban = 3; oneof pay { string card = 2; }'),
    problem: 'FIELD_MOVED_TO_EXISTING_ONEOF',
  },
  {
    name: 'field moved out of a oneof',
    reader: msg('string card = 2;'),
    writer: msg('oneof pay { string card = 2; }'),
  },
  {
    name: 'oneof renamed',
    reader: msg('oneof payment { string card = 2; string iban = 3; }'),
    writer: msg('oneof pay { string card = 2; string iban = 3; }'),
  },
  {
    name: 'oneof member type changed',
    reader: msg('oneof pay { int64 card = 2; }'),
    writer: msg('oneof pay { string card = 2; }'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'field moved into a oneof and changed type',
    reader: msg('oneof pay { int64 card = 2; }'),
    writer: msg('string card = 2;'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'oneof renamed and member type changed',
    reader: msg('oneof payment { double card = 2; }'),
    writer: msg('oneof pay { string card = 2; }'),
    problem: 'FIELD_SCALAR_KIND_CHANGED',
  },
  {
    name: 'proto3 optional is not a oneof move',
    reader: msg('optional string card = 2; optional string iban = 3;'),
    writer: msg('string card = 2; string iban = 3;'),
  },
];

const SCALARS = [
  'int32',
  'int64',
  'uint32',
  'uint64',
  'bool',
  'sint32',
  'sint64',
  'fixed32',
  'sfixed32',
  'fixed64',
  'sfixed64',
  'float',
  'double',
  'string',
  'bytes',
] as const;

/** Confluent's scalar groups, after protobuf's own "updating a message type" guidance. */
const GROUP: Readonly<Record<(typeof SCALARS)[number], string>> = {
  int32: 'varint',
  int64: 'varint',
  uint32: 'varint',
  uint64: 'varint',
  bool: 'varint',
  sint32: 'zigzag',
  sint64: 'zigzag',
  fixed32: 'fixed32',
  sfixed32: 'fixed32',
  fixed64: 'fixed64',
  sfixed64: 'fixed64',
  float: 'float',
  double: 'double',
  string: 'length',
  bytes: 'length',
};

const SCALAR_MATRIX: readonly Case[] = SCALARS.flatMap((from) =>
  SCALARS.map((to) => ({
    name: `${from} written, ${to} read`,
    reader: msg(`${to} v = 1;`),
    writer: msg(`${from} v = 1;`),
    ...(GROUP[from] === GROUP[to] ? {} : { problem: 'FIELD_SCALAR_KIND_CHANGED' as const }),
  })),
);

function problemsOf(c: Case): string[] {
  const references = c.references ?? [];
  const reader: ParsedProtobuf = protobufRules.parse(c.reader, references);
  const writer: ParsedProtobuf = protobufRules.parse(c.writer, references);
  return protobufRules.readProblems(reader, writer);
}

function expectCaseVerdict(c: Case): void {
  expectVerdict(problemsOf(c), c.problem);
}

describe('protobuf compatibility (Confluent rules)', () => {
  it('has at least 100 curated and generated pairs', () => {
    expect(CASES.length + SCALAR_MATRIX.length).toBeGreaterThanOrEqual(100);
    expect(CASES.length).toBeGreaterThanOrEqual(90);
  });

  it.each(CASES)('$name', expectCaseVerdict);

  it.each(SCALAR_MATRIX)('scalar $name', expectCaseVerdict);

  it('names the field path in a problem', () => {
    const problems = problemsOf({ name: 'path', reader: msg('string v = 7;'), writer: msg('int32 v = 7;') });
    expect(problems).toEqual([expect.stringContaining("'#/Order/7'")]);
  });

  it('is not symmetric: a required field removed is a problem only one way', () => {
    const withRequired = protobufRules.parse(p2('message A { required int32 a = 1; optional int32 b = 2; }'), []);
    const without = protobufRules.parse(p2('message A { optional int32 b = 2; }'), []);
    expect(protobufRules.readProblems(without, withRequired)).toEqual([
      expect.stringMatching(/^REQUIRED_FIELD_REMOVED /),
    ]);
    expect(protobufRules.readProblems(withRequired, without)).toEqual([
      expect.stringMatching(/^REQUIRED_FIELD_ADDED /),
    ]);
  });
});

describe('protobuf parse', () => {
  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['a syntax error', 'syntax = "proto3"; message A { int32 a = ; }'],
    ['an unknown field type', 'syntax = "proto3"; message A { Missing m = 1; }'],
    ['an import not among the references', 'syntax = "proto3"; import "other.proto"; message A { int32 a = 1; }'],
    ['a duplicate field number', 'syntax = "proto3"; message A { int32 a = 1; int32 b = 1; }'],
    ['an unterminated message', 'syntax = "proto3"; message A { int32 a = 1;'],
    ['an unknown syntax', 'syntax = "proto4"; message A { int32 a = 1; }'],
    ['free text', 'this is not a proto file'],
    ['a required field in proto3', 'syntax = "proto3"; message A { required int32 a = 1; }'],
    ['field number 0', 'syntax = "proto3"; message A { int32 a = 0; }'],
    ['a field number in the reserved 19000-19999 range', 'syntax = "proto3"; message A { int32 a = 19500; }'],
    ['a field number above the maximum', 'syntax = "proto3"; message A { int32 a = 536870912; }'],
    ['a bad field number in a nested message', 'syntax = "proto3"; message A { message B { int32 x = 0; } }'],
    ['a proto3 enum not starting at 0', 'syntax = "proto3"; enum E { A = 1; }'],
    ['a duplicate field name', 'syntax = "proto3"; message A { int32 a = 1; string a = 2; }'],
    ['a duplicate message name', 'syntax = "proto3"; message A { int32 a = 1; }\nmessage A { int32 b = 1; }'],
  ];

  it.each(invalid)('refuses %s with SchemaParseError', (_name, text) => {
    expect(() => protobufRules.parse(text, [])).toThrow(SchemaParseError);
  });

  it.each([
    'any',
    'duration',
    'timestamp',
    'empty',
    'struct',
    'wrappers',
    'field_mask',
    'descriptor',
    'api',
    'type',
    'source_context',
  ])('resolves google/protobuf/%s.proto without a reference', (file) => {
    const text = p3(`import "google/protobuf/${file}.proto";\nmessage A { int32 a = 1; }`);
    expect(() => protobufRules.parse(text, [])).not.toThrow();
  });

  it('resolves several well-known imports in one schema', () => {
    const text = p3(
      [
        'import "google/protobuf/timestamp.proto";',
        'import "google/protobuf/duration.proto";',
        'import "google/protobuf/struct.proto";',
        'message A { google.protobuf.Timestamp t = 1; google.protobuf.Duration d = 2; google.protobuf.Struct s = 3; }',
      ].join('\n'),
    );
    expect(() => protobufRules.parse(text, [])).not.toThrow();
  });

  it('resolves imports from references by import path, nested references included', () => {
    const currency = reference('currency.proto', p3('enum Currency { EUR = 0; USD = 1; }', 'fin'));
    const amount = reference(
      'amount.proto',
      p3('import "currency.proto";\nmessage Amount { int64 cents = 1; Currency currency = 2; }', 'fin'),
      [currency],
    );
    const text = p3('import "amount.proto";\nmessage Order { fin.Amount total = 1; }');
    expect(() => protobufRules.parse(text, [amount])).not.toThrow();
  });

  it('refuses a reference whose own text is invalid', () => {
    const broken = reference('broken.proto', 'syntax = "proto3"; message {');
    expect(() => protobufRules.parse(p3('import "broken.proto";\nmessage A { int32 a = 1; }'), [broken])).toThrow(
      SchemaParseError,
    );
  });

  it('parses proto2 with required fields, defaults, extensions and groups of options', () => {
    const text = p2(
      'message A {\n  required int32 a = 1;\n  optional string b = 2 [default = "x"];\n  extensions 100 to 199;\n}\nextend A { optional int32 c = 100; }',
    );
    expect(() => protobufRules.parse(text, [])).not.toThrow();
  });
});

describe('protobuf canonical form', () => {
  const canon = (text: string, normalize = false, references: readonly ResolvedReference[] = []) =>
    protobufRules.canonical(protobufRules.parse(text, references), normalize);

  it('is the same for text differing only in whitespace and comments', () => {
    const a =
      'syntax = "proto3";\npackage acme;\n// orders\nmessage Order {\n  int32 id = 1; // id\n  string note = 2;\n}\n';
    const b = 'syntax="proto3"; package acme; message Order{int32 id=1;/* c */string note=2;}';
    expect(canon(a)).toBe(canon(b));
  });

  it('renders a stable, readable form', () => {
    const text = p3(
      'import "google/protobuf/timestamp.proto";\noption java_package = "com.acme";\nmessage Order {\n  int32 id = 1 [deprecated = true];\n  optional string note = 2;\n  map<string, int64> tags = 3;\n  oneof pay { string card = 4; string iban = 5; }\n  google.protobuf.Timestamp at = 6;\n  repeated Line lines = 7;\n  reserved 9, 11 to 12;\n  message Line { int32 q = 1; }\n  enum Status { NEW = 0; PAID = 1; }\n}\nservice Orders { rpc Get(Order) returns (stream Order); }',
    );
    expect(canon(text)).toBe(
      [
        'syntax = "proto3";',
        'package acme;',
        'import "google/protobuf/timestamp.proto";',
        'option java_package = "com.acme";',
        'message Order {',
        '  reserved 9, 11 to 12;',
        '  int32 id = 1 [deprecated = true];',
        '  optional string note = 2;',
        '  map<string, int64> tags = 3;',
        '  google.protobuf.Timestamp at = 6;',
        '  repeated Line lines = 7;',
        '  oneof pay {',
        '    string card = 4;',
        '    string iban = 5;',
        '  }',
        '  message Line {',
        '    int32 q = 1;',
        '  }',
        '  enum Status {',
        '    NEW = 0;',
        '    PAID = 1;',
        '  }',
        '}',
        'service Orders {',
        '  rpc Get(Order) returns (stream Order);',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('keeps declaration order unless normalizing, which sorts fields by number', () => {
    const a = msg('string b = 2; int32 a = 1;');
    const b = msg('int32 a = 1; string b = 2;');
    expect(canon(a)).not.toBe(canon(b));
    expect(canon(a, true)).toBe(canon(b, true));
  });

  it('keeps message order even when normalizing: message indexes depend on it', () => {
    const a = p3('message A { int32 a = 1; }\nmessage B { int32 b = 1; }');
    const b = p3('message B { int32 b = 1; }\nmessage A { int32 a = 1; }');
    expect(canon(a, true)).not.toBe(canon(b, true));
  });

  it('sorts imports when normalizing', () => {
    const refs = [
      reference('a.proto', p3('message X { int32 x = 1; }', 'a')),
      reference('b.proto', p3('message Y { int32 y = 1; }', 'b')),
    ];
    const one = p3('import "b.proto";\nimport "a.proto";\nmessage M { a.X x = 1; b.Y y = 2; }');
    const two = p3('import "a.proto";\nimport "b.proto";\nmessage M { a.X x = 1; b.Y y = 2; }');
    expect(canon(one, true, refs)).toBe(canon(two, true, refs));
  });

  it('spells out proto2 labels', () => {
    expect(canon(p2('message A { optional int32 a = 1; required string b = 2; }'))).toContain(
      '  optional int32 a = 1;\n  required string b = 2;',
    );
  });

  it('differs for different schemas', () => {
    expect(canon(msg('int32 id = 1;'))).not.toBe(canon(msg('int64 id = 1;')));
  });

  it('parses back to the same canonical form', () => {
    const text = p3('message Order { int32 id = 1; oneof p { string c = 2; } enum S { A = 0; } }');
    const once = canon(text);
    expect(canon(once)).toBe(once);
  });
});
