/**
 * The rules of each schema type the registry serves, by type name. A type
 * whose rules are not here is refused as an invalid schema.
 */

import { avroRules } from './avro.js';
import { jsonRules } from './json.js';
import { protobufRules } from './protobuf.js';
import { SCHEMA_TYPES, type SchemaRules, type SchemaType } from './types.js';

const RULES: Partial<Record<SchemaType, SchemaRules<unknown>>> = {
  AVRO: avroRules,
  PROTOBUF: protobufRules,
  JSON: jsonRules,
};

/** The rules of a schema type, or undefined when the registry does not serve it. */
export function rulesFor(type: SchemaType): SchemaRules<unknown> | undefined {
  return RULES[type];
}

export function isSchemaType(value: unknown): value is SchemaType {
  return typeof value === 'string' && (SCHEMA_TYPES as readonly string[]).includes(value);
}

export * from './compatibility.js';
export * from './types.js';
