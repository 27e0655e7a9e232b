/**
 * What the schema registry needs of each schema type (AVRO, PROTOBUF, JSON):
 * parse a schema (with its references resolved), give its canonical form
 * (two schemas with the same canonical form are the same schema and get the
 * same id), and say what stops one schema reading data written with
 * another. Compatibility levels are composed from that one question by
 * compatibility.ts; each type's rules live in its own module.
 */

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

export const SCHEMA_TYPES: readonly SchemaType[] = ['AVRO', 'PROTOBUF', 'JSON'];

/** A reference of a schema to another registered one, resolved to that schema's text. */
export interface ResolvedReference {
  /** The name the referring schema uses: an Avro full name, a Protobuf import path, a JSON Schema `$ref` URL. */
  readonly name: string;
  readonly subject: string;
  readonly version: number;
  readonly schemaType: SchemaType;
  readonly schema: string;
  /** The referenced schema's own references, resolved (references nest). */
  readonly references: readonly ResolvedReference[];
}

/** A schema that does not parse, or breaks its type's rules: the registry answers 42201 with `message`. */
export class SchemaParseError extends Error {
  override name = 'SchemaParseError';
}

export interface SchemaRules<Parsed> {
  readonly type: SchemaType;
  /** Parses `schema`; throws {@link SchemaParseError} when it is not a valid schema of this type. */
  parse(schema: string, references: readonly ResolvedReference[]): Parsed;
  /**
   * The canonical text: what identifies the schema for lookups and ids (for
   * Avro, the Parsing Canonical Form plus what it drops that Confluent keeps,
   * such as defaults and aliases; for the others, a normalised rendering).
   * `normalize` asks for the stronger normalisation Confluent's `normalize`
   * option applies.
   */
  canonical(parsed: Parsed, normalize: boolean): string;
  /**
   * What stops `reader` reading data written with `writer`, one message per
   * problem (Confluent-style, naming the field/path); empty when it can.
   */
  readProblems(reader: Parsed, writer: Parsed): string[];
}
