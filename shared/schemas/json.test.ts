import { describe, expect, it } from 'vitest';
import { expectVerdict } from './expect-verdict.js';
import { type JsonSchemaDifference, jsonRules } from './json.js';
import { type ResolvedReference, SchemaParseError } from './types.js';

/**
 * Compatibility of (reader, writer) pairs under Confluent's JSON Schema
 * rules: the reader is the newer schema of a BACKWARD check (Confluent's
 * "update"), the writer the older one ("original"). `problem` names the
 * difference kind that must be reported; without it the pair is compatible.
 */
interface Case {
  readonly name: string;
  readonly reader: unknown;
  readonly writer: unknown;
  readonly problem?: JsonSchemaDifference;
  readonly references?: readonly ResolvedReference[];
}

type Props = Record<string, unknown>;

/** An object schema with an open content model (no `additionalProperties`). */
const open = (properties: Props, extra: Props = {}) => ({ type: 'object', properties, ...extra });
/** An object schema with a closed content model. */
const closed = (properties: Props, extra: Props = {}) => ({
  type: 'object',
  properties,
  additionalProperties: false,
  ...extra,
});
/** An object schema whose unknown properties must match `schema`. */
const partial = (properties: Props, schema: unknown, extra: Props = {}) => ({
  type: 'object',
  properties,
  additionalProperties: schema,
  ...extra,
});

const S = { type: 'string' };
const I = { type: 'integer' };
const N = { type: 'number' };
const B = { type: 'boolean' };

function reference(name: string, schema: unknown, references: ResolvedReference[] = []): ResolvedReference {
  return { name, subject: name, version: 1, schemaType: 'JSON', schema: JSON.stringify(schema), references };
}

const CASES: readonly Case[] = [
  // Identity and annotations.
  { name: 'identical schemas', reader: open({ a: S }), writer: open({ a: S }) },
  { name: 'key order differs', reader: { properties: { a: S }, type: 'object' }, writer: open({ a: S }) },
  { name: 'title changed', reader: { ...S, title: 'new' }, writer: { ...S, title: 'old' } },
  { name: 'description changed', reader: { ...S, description: 'x' }, writer: S },
  { name: 'default changed', reader: { ...I, default: 2 }, writer: { ...I, default: 1 } },
  { name: '$id changed', reader: { ...S, $id: 'urn:acme:b' }, writer: { ...S, $id: 'urn:acme:a' } },
  { name: 'empty schemas', reader: {}, writer: {} },
  { name: 'reader accepts anything', reader: {}, writer: open({ a: S }) },
  { name: 'reader true', reader: true, writer: S },
  { name: 'writer false', reader: S, writer: false },
  // Types.
  { name: 'string to integer', reader: I, writer: S, problem: 'TYPE_CHANGED' },
  { name: 'boolean to string', reader: S, writer: B, problem: 'TYPE_CHANGED' },
  { name: 'object to array', reader: { type: 'array' }, writer: { type: 'object' }, problem: 'TYPE_CHANGED' },
  { name: 'null to string', reader: S, writer: { type: 'null' }, problem: 'TYPE_CHANGED' },
  { name: 'integer widened to number', reader: N, writer: I },
  { name: 'number narrowed to integer', reader: I, writer: N, problem: 'TYPE_NARROWED' },
  { name: 'string made nullable with a type list', reader: { type: ['string', 'null'] }, writer: S },
  { name: 'type list narrowed to one type', reader: S, writer: { type: ['string', 'null'] }, problem: 'TYPE_CHANGED' },
  { name: 'type list extended', reader: { type: ['string', 'null', 'integer'] }, writer: { type: ['string', 'null'] } },
  {
    name: 'type list narrowed',
    reader: { type: ['string', 'null'] },
    writer: { type: ['string', 'null', 'integer'] },
    problem: 'SUM_TYPE_NARROWED',
  },
  { name: 'anything narrowed to a string', reader: S, writer: {}, problem: 'TYPE_CHANGED' },
  { name: 'property type changed', reader: open({ a: I }), writer: open({ a: S }), problem: 'TYPE_CHANGED' },
  { name: 'property integer widened to number', reader: open({ a: N }), writer: open({ a: I }) },
  // Strings.
  { name: 'maxLength added', reader: { ...S, maxLength: 5 }, writer: S, problem: 'MAX_LENGTH_ADDED' },
  { name: 'maxLength removed', reader: S, writer: { ...S, maxLength: 5 } },
  { name: 'maxLength increased', reader: { ...S, maxLength: 10 }, writer: { ...S, maxLength: 5 } },
  {
    name: 'maxLength decreased',
    reader: { ...S, maxLength: 3 },
    writer: { ...S, maxLength: 5 },
    problem: 'MAX_LENGTH_DECREASED',
  },
  { name: 'minLength added', reader: { ...S, minLength: 1 }, writer: S, problem: 'MIN_LENGTH_ADDED' },
  { name: 'minLength removed', reader: S, writer: { ...S, minLength: 1 } },
  { name: 'minLength decreased', reader: { ...S, minLength: 1 }, writer: { ...S, minLength: 2 } },
  {
    name: 'minLength increased',
    reader: { ...S, minLength: 3 },
    writer: { ...S, minLength: 2 },
    problem: 'MIN_LENGTH_INCREASED',
  },
  { name: 'pattern added', reader: { ...S, pattern: '^a' }, writer: S, problem: 'PATTERN_ADDED' },
  { name: 'pattern removed', reader: S, writer: { ...S, pattern: '^a' } },
  {
    name: 'pattern changed',
    reader: { ...S, pattern: '^b' },
    writer: { ...S, pattern: '^a' },
    problem: 'PATTERN_CHANGED',
  },
  { name: 'format changed is not checked', reader: { ...S, format: 'email' }, writer: { ...S, format: 'uri' } },
  // Numbers.
  { name: 'maximum added', reader: { ...N, maximum: 10 }, writer: N, problem: 'MAXIMUM_ADDED' },
  { name: 'maximum removed', reader: N, writer: { ...N, maximum: 10 } },
  { name: 'maximum increased', reader: { ...N, maximum: 20 }, writer: { ...N, maximum: 10 } },
  {
    name: 'maximum decreased',
    reader: { ...N, maximum: 5 },
    writer: { ...N, maximum: 10 },
    problem: 'MAXIMUM_DECREASED',
  },
  { name: 'minimum added', reader: { ...N, minimum: 0 }, writer: N, problem: 'MINIMUM_ADDED' },
  { name: 'minimum removed', reader: N, writer: { ...N, minimum: 0 } },
  { name: 'minimum decreased', reader: { ...N, minimum: -1 }, writer: { ...N, minimum: 0 } },
  {
    name: 'minimum increased',
    reader: { ...N, minimum: 1 },
    writer: { ...N, minimum: 0 },
    problem: 'MINIMUM_INCREASED',
  },
  {
    name: 'exclusiveMaximum added',
    reader: { ...N, exclusiveMaximum: 9 },
    writer: N,
    problem: 'EXCLUSIVE_MAXIMUM_ADDED',
  },
  { name: 'exclusiveMaximum increased', reader: { ...N, exclusiveMaximum: 10 }, writer: { ...N, exclusiveMaximum: 9 } },
  {
    name: 'exclusiveMaximum decreased',
    reader: { ...N, exclusiveMaximum: 8 },
    writer: { ...N, exclusiveMaximum: 9 },
    problem: 'EXCLUSIVE_MAXIMUM_DECREASED',
  },
  { name: 'exclusiveMinimum removed', reader: N, writer: { ...N, exclusiveMinimum: 0 } },
  {
    name: 'exclusiveMinimum increased',
    reader: { ...N, exclusiveMinimum: 2 },
    writer: { ...N, exclusiveMinimum: 1 },
    problem: 'EXCLUSIVE_MINIMUM_INCREASED',
  },
  {
    name: 'draft 4 boolean exclusiveMinimum added',
    reader: { $schema: 'http://json-schema.org/draft-04/schema#', ...N, minimum: 0, exclusiveMinimum: true },
    writer: { $schema: 'http://json-schema.org/draft-04/schema#', ...N },
    problem: 'EXCLUSIVE_MINIMUM_ADDED',
  },
  {
    name: 'draft 4 boolean exclusiveMaximum dropped',
    reader: { $schema: 'http://json-schema.org/draft-04/schema#', ...N, maximum: 5 },
    writer: { $schema: 'http://json-schema.org/draft-04/schema#', ...N, maximum: 5, exclusiveMaximum: true },
    problem: 'MAXIMUM_ADDED',
  },
  { name: 'multipleOf added', reader: { ...N, multipleOf: 2 }, writer: N, problem: 'MULTIPLE_OF_ADDED' },
  { name: 'multipleOf removed', reader: N, writer: { ...N, multipleOf: 2 } },
  { name: 'multipleOf reduced to a divisor', reader: { ...I, multipleOf: 2 }, writer: { ...I, multipleOf: 4 } },
  {
    name: 'decimal multipleOf reduced to a divisor',
    reader: { ...N, multipleOf: 0.1 },
    writer: { ...N, multipleOf: 0.3 },
  },
  {
    name: 'multipleOf expanded to a multiple',
    reader: { ...I, multipleOf: 4 },
    writer: { ...I, multipleOf: 2 },
    problem: 'MULTIPLE_OF_EXPANDED',
  },
  {
    name: 'multipleOf changed',
    reader: { ...I, multipleOf: 3 },
    writer: { ...I, multipleOf: 2 },
    problem: 'MULTIPLE_OF_CHANGED',
  },
  // Enums.
  { name: 'enum extended', reader: { enum: ['a', 'b', 'c'] }, writer: { enum: ['a', 'b'] } },
  { name: 'enum narrowed', reader: { enum: ['a'] }, writer: { enum: ['a', 'b'] }, problem: 'ENUM_ARRAY_NARROWED' },
  { name: 'enum changed', reader: { enum: ['a', 'c'] }, writer: { enum: ['a', 'b'] }, problem: 'ENUM_ARRAY_CHANGED' },
  { name: 'enum reordered', reader: { enum: ['b', 'a'] }, writer: { enum: ['a', 'b'] } },
  {
    name: 'typed enum extended',
    reader: { type: 'string', enum: ['a', 'b', 'c'] },
    writer: { type: 'string', enum: ['a', 'b'] },
  },
  {
    // A type and an enum together are a product of two schemas, as in Confluent's (everit's) model.
    name: 'typed enum narrowed',
    reader: { type: 'string', enum: ['a'] },
    writer: { type: 'string', enum: ['a', 'b'] },
    problem: 'COMBINED_TYPE_SUBSCHEMAS_CHANGED',
  },
  { name: 'const widened to enum', reader: { enum: ['a', 'b'] }, writer: { const: 'a' } },
  { name: 'enum to string is a type change', reader: S, writer: { enum: ['a'] }, problem: 'TYPE_CHANGED' },
  // Open content model: properties added and removed.
  { name: 'property removed from an open model', reader: open({ a: S }), writer: open({ a: S, b: I }) },
  {
    name: 'property added to an open model',
    reader: open({ a: S, b: I }),
    writer: open({ a: S }),
    problem: 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  },
  { name: 'property with empty schema added to an open model', reader: open({ a: S, b: {} }), writer: open({ a: S }) },
  {
    name: 'required property added to an open model',
    reader: open({ a: S, b: I }, { required: ['b'] }),
    writer: open({ a: S }),
    problem: 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
  },
  {
    name: 'open model with additionalProperties true behaves as open',
    reader: open({ a: S }, { additionalProperties: true }),
    writer: open({ a: S, b: I }, { additionalProperties: true }),
  },
  // Closed content model.
  { name: 'optional property added to a closed model', reader: closed({ a: S, b: I }), writer: closed({ a: S }) },
  {
    name: 'required property added to a closed model',
    reader: closed({ a: S, b: I }, { required: ['b'] }),
    writer: closed({ a: S }),
    problem: 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  },
  {
    name: 'required property with a default added to a closed model',
    reader: closed({ a: S, b: { ...I, default: 0 } }, { required: ['b'] }),
    writer: closed({ a: S }),
  },
  {
    name: 'property removed from a closed model',
    reader: closed({ a: S }),
    writer: closed({ a: S, b: I }),
    problem: 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  },
  { name: 'false property removed from a closed model', reader: closed({ a: S }), writer: closed({ a: S, b: false }) },
  {
    name: 'model closed (additionalProperties false added)',
    reader: closed({ a: S }),
    writer: open({ a: S }),
    problem: 'ADDITIONAL_PROPERTIES_REMOVED',
  },
  { name: 'model opened (additionalProperties false removed)', reader: open({ a: S }), writer: closed({ a: S }) },
  {
    name: 'closed model opened while dropping a property',
    reader: open({ a: S }),
    writer: closed({ a: S, b: I }),
  },
  // Partially open content models.
  {
    name: 'additionalProperties schema added to an open model',
    reader: partial({ a: S }, S),
    writer: open({ a: S }),
    problem: 'ADDITIONAL_PROPERTIES_NARROWED',
  },
  { name: 'additionalProperties schema removed', reader: open({ a: S }), writer: partial({ a: S }, S) },
  {
    name: 'additionalProperties schema widened',
    reader: partial({}, N),
    writer: partial({}, I),
  },
  {
    name: 'additionalProperties schema changed',
    reader: partial({}, S),
    writer: partial({}, I),
    problem: 'TYPE_CHANGED',
  },
  {
    name: 'property added covered by the writer additionalProperties',
    reader: partial({ a: S, b: S }, S),
    writer: partial({ a: S }, S),
  },
  {
    name: 'property added not covered by the writer additionalProperties',
    reader: partial({ a: S, b: I }, S),
    writer: partial({ a: S }, S),
    problem: 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  },
  {
    name: 'property removed covered by the reader additionalProperties',
    reader: partial({ a: S }, S),
    writer: partial({ a: S, b: S }, S),
  },
  {
    name: 'property removed not covered by the reader additionalProperties',
    reader: partial({ a: S }, S),
    writer: partial({ a: S, b: I }, S),
    problem: 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  },
  {
    name: 'property added covered by a writer patternProperties',
    reader: { type: 'object', properties: { a: S, x_b: S }, patternProperties: { '^x_': S } },
    writer: { type: 'object', properties: { a: S }, patternProperties: { '^x_': S } },
  },
  {
    name: 'property added not matching writer patternProperties falls back to additionalProperties',
    reader: {
      type: 'object',
      properties: { a: S, b: S },
      patternProperties: { '^x_': S },
      additionalProperties: false,
    },
    writer: { type: 'object', properties: { a: S }, patternProperties: { '^x_': S }, additionalProperties: false },
  },
  // Required.
  {
    name: 'existing property made required',
    reader: open({ a: S }, { required: ['a'] }),
    writer: open({ a: S }),
    problem: 'REQUIRED_ATTRIBUTE_ADDED',
  },
  {
    name: 'existing property with a default made required',
    reader: open({ a: { ...S, default: '' } }, { required: ['a'] }),
    writer: open({ a: { ...S, default: '' } }),
  },
  { name: 'required dropped', reader: open({ a: S }), writer: open({ a: S }, { required: ['a'] }) },
  {
    name: 'required order changed',
    reader: open({ a: S, b: S }, { required: ['b', 'a'] }),
    writer: open({ a: S, b: S }, { required: ['a', 'b'] }),
  },
  // Object size and dependencies.
  {
    name: 'maxProperties added',
    reader: open({}, { maxProperties: 3 }),
    writer: open({}),
    problem: 'MAX_PROPERTIES_ADDED',
  },
  { name: 'maxProperties increased', reader: open({}, { maxProperties: 5 }), writer: open({}, { maxProperties: 3 }) },
  {
    name: 'maxProperties decreased',
    reader: open({}, { maxProperties: 2 }),
    writer: open({}, { maxProperties: 3 }),
    problem: 'MAX_PROPERTIES_DECREASED',
  },
  { name: 'minProperties removed', reader: open({}), writer: open({}, { minProperties: 1 }) },
  {
    name: 'minProperties increased',
    reader: open({}, { minProperties: 2 }),
    writer: open({}, { minProperties: 1 }),
    problem: 'MIN_PROPERTIES_INCREASED',
  },
  {
    name: 'dependency array added',
    reader: open({ a: S, b: S }, { dependencies: { a: ['b'] } }),
    writer: open({ a: S, b: S }),
    problem: 'DEPENDENCY_ARRAY_ADDED',
  },
  {
    name: 'dependency array removed',
    reader: open({ a: S, b: S }),
    writer: open({ a: S, b: S }, { dependencies: { a: ['b'] } }),
  },
  {
    name: 'dependency array narrowed',
    reader: open({ a: S, b: S, c: S }, { dependencies: { a: ['b'] } }),
    writer: open({ a: S, b: S, c: S }, { dependencies: { a: ['b', 'c'] } }),
  },
  {
    name: 'dependency array extended',
    reader: open({ a: S, b: S, c: S }, { dependencies: { a: ['b', 'c'] } }),
    writer: open({ a: S, b: S, c: S }, { dependencies: { a: ['b'] } }),
    problem: 'DEPENDENCY_ARRAY_EXTENDED',
  },
  {
    name: 'dependency schema added',
    reader: open({ a: S }, { dependencies: { a: { required: ['b'] } } }),
    writer: open({ a: S }),
    problem: 'DEPENDENCY_SCHEMA_ADDED',
  },
  {
    name: 'dependentRequired (2019-09) added',
    reader: {
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      ...open({ a: S }),
      dependentRequired: { a: ['b'] },
    },
    writer: { $schema: 'https://json-schema.org/draft/2019-09/schema', ...open({ a: S }) },
    problem: 'DEPENDENCY_ARRAY_ADDED',
  },
  // Arrays.
  { name: 'array items widened', reader: { type: 'array', items: N }, writer: { type: 'array', items: I } },
  {
    name: 'array items changed',
    reader: { type: 'array', items: S },
    writer: { type: 'array', items: I },
    problem: 'TYPE_CHANGED',
  },
  {
    name: 'array items schema added',
    reader: { type: 'array', items: S },
    writer: { type: 'array' },
    problem: 'SCHEMA_ADDED',
  },
  { name: 'array items schema removed', reader: { type: 'array' }, writer: { type: 'array', items: S } },
  {
    name: 'maxItems added',
    reader: { type: 'array', maxItems: 3 },
    writer: { type: 'array' },
    problem: 'MAX_ITEMS_ADDED',
  },
  { name: 'maxItems increased', reader: { type: 'array', maxItems: 5 }, writer: { type: 'array', maxItems: 3 } },
  { name: 'minItems decreased', reader: { type: 'array', minItems: 0 }, writer: { type: 'array', minItems: 1 } },
  {
    name: 'minItems increased',
    reader: { type: 'array', minItems: 2 },
    writer: { type: 'array', minItems: 1 },
    problem: 'MIN_ITEMS_INCREASED',
  },
  {
    name: 'uniqueItems added',
    reader: { type: 'array', uniqueItems: true },
    writer: { type: 'array' },
    problem: 'UNIQUE_ITEMS_ADDED',
  },
  { name: 'uniqueItems removed', reader: { type: 'array' }, writer: { type: 'array', uniqueItems: true } },
  {
    name: 'tuple item removed from an open tuple',
    reader: { type: 'array', items: [S] },
    writer: { type: 'array', items: [S, I] },
  },
  {
    name: 'tuple item added to an open tuple',
    reader: { type: 'array', items: [S, I] },
    writer: { type: 'array', items: [S] },
    problem: 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL',
  },
  {
    name: 'tuple item added to a closed tuple',
    reader: { type: 'array', items: [S, I], additionalItems: false },
    writer: { type: 'array', items: [S], additionalItems: false },
  },
  {
    name: 'tuple item removed from a closed tuple',
    reader: { type: 'array', items: [S], additionalItems: false },
    writer: { type: 'array', items: [S, I], additionalItems: false },
    problem: 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  },
  {
    name: 'tuple closed',
    reader: { type: 'array', items: [S], additionalItems: false },
    writer: { type: 'array', items: [S] },
    problem: 'ADDITIONAL_ITEMS_REMOVED',
  },
  {
    name: 'tuple item added covered by additionalItems',
    reader: { type: 'array', items: [S, S], additionalItems: S },
    writer: { type: 'array', items: [S], additionalItems: S },
  },
  {
    name: 'tuple item removed not covered by additionalItems',
    reader: { type: 'array', items: [S], additionalItems: S },
    writer: { type: 'array', items: [S, I], additionalItems: S },
    problem: 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  },
  {
    name: 'prefixItems (2020-12) item added to an open tuple',
    reader: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [S, I] },
    writer: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [S] },
    problem: 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL',
  },
  {
    name: 'prefixItems (2020-12) item added to a closed tuple',
    reader: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [S, I],
      items: false,
    },
    writer: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [S], items: false },
  },
  // Combined schemas.
  { name: 'oneOf extended', reader: { oneOf: [S, I, B] }, writer: { oneOf: [S, I] } },
  { name: 'oneOf narrowed', reader: { oneOf: [S] }, writer: { oneOf: [S, I] }, problem: 'SUM_TYPE_NARROWED' },
  { name: 'anyOf extended', reader: { anyOf: [S, I, B] }, writer: { anyOf: [S, I] } },
  { name: 'anyOf narrowed', reader: { anyOf: [S, I] }, writer: { anyOf: [S, I, B] }, problem: 'SUM_TYPE_NARROWED' },
  {
    name: 'allOf narrowed',
    reader: { allOf: [open({ a: S })] },
    writer: { allOf: [open({ a: S }), { required: ['a'] }] },
  },
  {
    name: 'allOf extended',
    reader: { allOf: [open({ a: S }), { required: ['a'] }] },
    writer: { allOf: [open({ a: S })] },
    problem: 'PRODUCT_TYPE_EXTENDED',
  },
  { name: 'oneOf to anyOf', reader: { anyOf: [S, I] }, writer: { oneOf: [S, I] } },
  { name: 'allOf to anyOf', reader: { anyOf: [S, I] }, writer: { allOf: [S, I] } },
  { name: 'anyOf to oneOf', reader: { oneOf: [S, I] }, writer: { anyOf: [S, I] }, problem: 'COMBINED_TYPE_CHANGED' },
  { name: 'singleton anyOf to oneOf', reader: { oneOf: [S] }, writer: { anyOf: [S] } },
  { name: 'anyOf to allOf', reader: { allOf: [S, I] }, writer: { anyOf: [S, I] }, problem: 'COMBINED_TYPE_CHANGED' },
  { name: 'oneOf members reordered', reader: { oneOf: [I, S] }, writer: { oneOf: [S, I] } },
  {
    name: 'oneOf member changed',
    reader: { oneOf: [S, B] },
    writer: { oneOf: [S, I] },
    problem: 'COMBINED_TYPE_SUBSCHEMAS_CHANGED',
  },
  { name: 'oneOf member widened', reader: { oneOf: [S, N] }, writer: { oneOf: [S, I] } },
  { name: 'type widened into a oneOf', reader: { oneOf: [S, I] }, writer: S },
  { name: 'type into a oneOf without it', reader: { oneOf: [B, I] }, writer: S, problem: 'TYPE_CHANGED' },
  { name: 'type into a singleton allOf', reader: { allOf: [S] }, writer: S },
  { name: 'singleton oneOf unwrapped', reader: S, writer: { oneOf: [S] } },
  { name: 'oneOf collapsed to a member', reader: S, writer: { oneOf: [S, I] }, problem: 'TYPE_CHANGED' },
  {
    name: 'oneOf member object gains a property in an open model',
    reader: { oneOf: [open({ a: S, b: I }), I] },
    writer: { oneOf: [open({ a: S }), I] },
    problem: 'COMBINED_TYPE_SUBSCHEMAS_CHANGED',
  },
  // not.
  { name: 'not narrowed', reader: { not: { enum: ['a'] } }, writer: { not: { enum: ['a', 'b'] } } },
  {
    name: 'not extended',
    reader: { not: { enum: ['a', 'b'] } },
    writer: { not: { enum: ['a'] } },
    problem: 'NOT_TYPE_EXTENDED',
  },
  // Nesting, $ref and references.
  {
    name: 'nested property constraint tightened',
    reader: open({ addr: open({ zip: { ...S, maxLength: 5 } }) }),
    writer: open({ addr: open({ zip: S }) }),
    problem: 'MAX_LENGTH_ADDED',
  },
  {
    name: 'nested property removed from an open model',
    reader: open({ addr: open({ zip: S }) }),
    writer: open({ addr: open({ zip: S, city: S }) }),
  },
  {
    name: 'local $ref to definitions followed',
    reader: { definitions: { A: open({ a: I }) }, $ref: '#/definitions/A' },
    writer: { definitions: { A: open({ a: S }) }, $ref: '#/definitions/A' },
    problem: 'TYPE_CHANGED',
  },
  {
    name: '$defs inlined',
    reader: open({ a: S }),
    writer: { $defs: { A: open({ a: S }) }, $ref: '#/$defs/A' },
  },
  {
    name: 'recursive schema with a compatible change',
    reader: { definitions: { node: open({ v: N, next: { $ref: '#/definitions/node' } }) }, $ref: '#/definitions/node' },
    writer: { definitions: { node: open({ v: I, next: { $ref: '#/definitions/node' } }) }, $ref: '#/definitions/node' },
  },
  {
    name: 'recursive schema with an incompatible change',
    reader: { definitions: { node: open({ v: S, next: { $ref: '#/definitions/node' } }) }, $ref: '#/definitions/node' },
    writer: { definitions: { node: open({ v: I, next: { $ref: '#/definitions/node' } }) }, $ref: '#/definitions/node' },
    problem: 'TYPE_CHANGED',
  },
  {
    name: 'referenced schema followed by name',
    reader: open({ addr: { $ref: 'address.json' } }),
    writer: open({ addr: open({ zip: I }) }),
    problem: 'TYPE_CHANGED',
    references: [reference('address.json', open({ zip: S }))],
  },
  {
    name: 'referenced schema identical to the inline one',
    reader: open({ addr: { $ref: 'address.json' } }),
    writer: open({ addr: open({ zip: S }) }),
    references: [reference('address.json', open({ zip: S }))],
  },
  {
    name: 'fragment of a referenced schema',
    reader: open({ zip: { $ref: 'defs.json#/definitions/zip' } }),
    writer: open({ zip: { ...S, maxLength: 10 } }),
    references: [reference('defs.json', { definitions: { zip: S } })],
  },
];

function problemsOf(c: Case): string[] {
  const references = c.references ?? [];
  const reader = jsonRules.parse(JSON.stringify(c.reader), references);
  const writer = jsonRules.parse(JSON.stringify(c.writer), references);
  return jsonRules.readProblems(reader, writer);
}

describe('JSON Schema compatibility (Confluent rules)', () => {
  it('has at least 100 pairs', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  it.each(CASES)('$name', (c) => {
    expectVerdict(problemsOf(c), c.problem);
  });

  it('names the JSON path in a problem', () => {
    const problems = problemsOf({
      name: 'path',
      reader: open({ a: open({ b: I }) }),
      writer: open({ a: open({ b: S }) }),
    });
    expect(problems).toEqual([expect.stringContaining("'#/properties/a/properties/b'")]);
  });

  it('is not symmetric: closing a model is a problem one way only', () => {
    const openSchema = jsonRules.parse(JSON.stringify(open({ a: S })), []);
    const closedSchema = jsonRules.parse(JSON.stringify(closed({ a: S })), []);
    expect(jsonRules.readProblems(closedSchema, openSchema)).not.toEqual([]);
    expect(jsonRules.readProblems(openSchema, closedSchema)).toEqual([]);
  });
});

describe('JSON Schema parse', () => {
  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['text that is not JSON', '{"type": '],
    ['a JSON value that is not a schema', '"string"'],
    ['an array', '[]'],
    ['an unknown type name', '{"type": "text"}'],
    ['a non-numeric bound', '{"type": "string", "maxLength": "5"}'],
    ['a negative length', '{"type": "string", "minLength": -1}'],
    ['required that is not a list (draft 7)', '{"type": "object", "required": "a"}'],
    ['a $ref to an unknown schema', '{"$ref": "missing.json"}'],
    ['an unknown local $ref', '{"$ref": "#/definitions/missing"}'],
    [
      'a 2020-12 schema with an invalid prefixItems',
      '{"$schema": "https://json-schema.org/draft/2020-12/schema", "prefixItems": {}}',
    ],
  ];

  it.each(invalid)('refuses %s with SchemaParseError', (_name, text) => {
    expect(() => jsonRules.parse(text, [])).toThrow(SchemaParseError);
  });

  it.each([
    [
      'draft 4',
      {
        $schema: 'http://json-schema.org/draft-04/schema#',
        id: 'urn:acme:a',
        type: 'number',
        minimum: 0,
        exclusiveMinimum: true,
      },
    ],
    ['draft 6', { $schema: 'http://json-schema.org/draft-06/schema#', type: 'number', exclusiveMinimum: 0 }],
    [
      'draft 7',
      { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string', if: { minLength: 1 }, else: { const: '' } },
    ],
    [
      '2019-09',
      { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', dependentRequired: { a: ['b'] } },
    ],
    [
      '2020-12',
      { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] },
    ],
    ['no $schema', { type: 'object', properties: { a: { type: 'string', format: 'date-time' } } }],
    ['boolean true', true],
    ['the unversioned meta-schema id', { $schema: 'http://json-schema.org/schema#', type: 'string' }],
    ['unknown keywords', { type: 'string', 'x-kafka': { topic: 'orders' } }],
  ])('accepts %s', (_name, schema) => {
    expect(() => jsonRules.parse(JSON.stringify(schema), [])).not.toThrow();
  });

  it('resolves $refs to references by name, nested references included', () => {
    const country = reference('country.json', { type: 'string', minLength: 2 });
    const address = reference('address.json', open({ country: { $ref: 'country.json' } }), [country]);
    const text = JSON.stringify(open({ addr: { $ref: 'address.json' } }));
    expect(() => jsonRules.parse(text, [address])).not.toThrow();
  });

  it('resolves a relative $ref against the schema $id to a reference by name', () => {
    const address = reference('address.json', open({ zip: S }));
    const text = JSON.stringify({
      $id: 'https://acme.example/schemas/order.json',
      ...open({ addr: { $ref: 'address.json' } }),
    });
    const parsed = jsonRules.parse(text, [address]);
    const inline = jsonRules.parse(JSON.stringify(open({ addr: open({ zip: I }) })), []);
    expect(jsonRules.readProblems(parsed, inline)).toEqual([expect.stringMatching(/^TYPE_CHANGED /)]);
  });

  it('refuses a reference that is not JSON', () => {
    const broken: ResolvedReference = { ...reference('x.json', {}), schema: '{' };
    expect(() => jsonRules.parse('{"$ref": "x.json"}', [broken])).toThrow(SchemaParseError);
  });
});

describe('JSON Schema canonical form', () => {
  const canon = (text: string, normalize = false) => jsonRules.canonical(jsonRules.parse(text, []), normalize);

  it('sorts keys and drops whitespace', () => {
    expect(canon('{ "type": "object",\n  "properties": { "b": {"type":"string"}, "a": {"type": "integer"} } }')).toBe(
      '{"properties":{"a":{"type":"integer"},"b":{"type":"string"}},"type":"object"}',
    );
  });

  it('is the same for the same schema written differently', () => {
    expect(canon('{"type":"string","maxLength":3}')).toBe(canon('{ "maxLength" : 3 , "type" : "string" }'));
  });

  it('keeps array order unless normalizing, which sorts required and type lists', () => {
    const a = '{"type":["string","null"],"required":["b","a"]}';
    const b = '{"type":["null","string"],"required":["a","b"]}';
    expect(canon(a)).not.toBe(canon(b));
    expect(canon(a, true)).toBe(canon(b, true));
  });

  it('never reorders enum or oneOf lists', () => {
    expect(canon('{"enum":["b","a"]}', true)).toBe('{"enum":["b","a"]}');
    expect(canon('{"oneOf":[{"type":"string"},{"type":"integer"}]}', true)).toBe(
      '{"oneOf":[{"type":"string"},{"type":"integer"}]}',
    );
  });

  it('differs for different schemas', () => {
    expect(canon('{"type":"string"}')).not.toBe(canon('{"type":"integer"}'));
  });
});
