import { describe, expect, it } from 'vitest';
import { AVRO_PROBLEM, type AvroProblemKind, avroRules } from './avro.js';
import { type ResolvedReference, SchemaParseError } from './types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const s = (schema: Json): string => JSON.stringify(schema);
const record = (name: string, fields: Json[], extra: { [key: string]: Json } = {}): string =>
  s({ type: 'record', name, ...extra, fields });
const field = (name: string, type: Json, extra: { [key: string]: Json } = {}): Json => ({ name, type, ...extra });

function problems(reader: string, writer: string, references: readonly ResolvedReference[] = []): string[] {
  return avroRules.readProblems(avroRules.parse(reader, references), avroRules.parse(writer, references));
}

function kindOf(message: string): string | undefined {
  return /^\{errorType:'([A-Z_]+)'/.exec(message)?.[1];
}

function pathOf(message: string): string | undefined {
  return /path '([^']*)'/.exec(message)?.[1];
}

const {
  nameMismatch: NAME,
  fixedSizeMismatch: SIZE,
  missingEnumSymbols: SYMBOLS,
  readerFieldMissingDefaultValue: NO_DEFAULT,
  typeMismatch: TYPE,
  missingUnionBranch: BRANCH,
} = AVRO_PROBLEM;

interface Case {
  readonly why: string;
  readonly reader: string;
  readonly writer: string;
  /** `ok`, or the kind of the first problem and, where it matters, its path. */
  readonly expect: 'ok' | AvroProblemKind | readonly [AvroProblemKind, string];
}

// Which writer primitives each reader primitive reads (the spec's promotions: int to long, float and
// double; long to float and double; float to double; string and bytes both ways).
// Columns: null boolean int long float double bytes string.
const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;
const READS: Record<(typeof PRIMITIVES)[number], string> = {
  null: 'Y.......',
  boolean: '.Y......',
  int: '..Y.....',
  long: '..YY....',
  float: '..YYY...',
  double: '..YYYY..',
  bytes: '......YY',
  string: '......YY',
};

const primitiveCases: Case[] = PRIMITIVES.flatMap((reader) =>
  PRIMITIVES.map((writer, column): Case => {
    const readable = READS[reader][column] === 'Y';
    return {
      why: `primitive ${reader} reading ${writer}`,
      reader: s(reader),
      writer: s(writer),
      expect: readable ? 'ok' : [TYPE, '/'],
    };
  }),
);

// Confluent's AvroCompatibilityTest schemas.
const c1 = record('myrecord', [field('f1', 'string')]);
const c2 = record('myrecord', [field('f1', 'string'), field('f2', 'string', { default: 'foo' })]);
const c3 = record('myrecord', [field('f1', 'string'), field('f2', 'string')]);
const c4 = record('myrecord', [field('f1_new', 'string', { aliases: ['f1'] })]);
const c6 = record('myrecord', [field('f1', ['null', 'string'], { doc: 'doc of f1' })]);
const c7 = record('myrecord', [field('f1', ['null', 'string', 'int'], { doc: 'doc of f1' })]);
const c8 = record('myrecord', [
  field('f1', 'string'),
  field('f2', 'string', { default: 'foo' }),
  field('f3', 'string', { default: 'bar' }),
]);

const one = (type: Json, extra: { [key: string]: Json } = {}): string => record('r', [field('a', type, extra)]);
const colour = (symbols: string[], extra: { [key: string]: Json } = {}): Json => ({
  type: 'enum',
  name: 'Colour',
  symbols,
  ...extra,
});
const md5 = (size: number, name = 'MD5', extra: { [key: string]: Json } = {}): Json => ({
  type: 'fixed',
  name,
  size,
  ...extra,
});
const list = (valueType: Json, extra: Json[] = []): string =>
  record('LongList', [field('value', valueType), field('next', ['null', 'LongList']), ...extra]);

const structuralCases: Case[] = [
  // Records (Confluent's basic cases, then the spec's field rules).
  { why: 'adding a field with a default', reader: c2, writer: c1, expect: 'ok' },
  { why: 'adding a field without a default', reader: c3, writer: c1, expect: [NO_DEFAULT, '/fields/1'] },
  { why: 'renaming a field with an alias', reader: c4, writer: c1, expect: 'ok' },
  { why: 'writer aliases are not consulted', reader: c1, writer: c4, expect: [NO_DEFAULT, '/fields/0'] },
  { why: 'evolving a field to a union', reader: c6, writer: c1, expect: 'ok' },
  { why: 'narrowing a union field to one type', reader: c1, writer: c6, expect: [TYPE, '/fields/0/type/0'] },
  { why: 'adding a type to a union', reader: c7, writer: c6, expect: 'ok' },
  { why: 'removing a type from a union', reader: c6, writer: c7, expect: [BRANCH, '/fields/0/type/2'] },
  { why: 'removing a field with a default', reader: c1, writer: c2, expect: 'ok' },
  { why: 'removing a field without a default', reader: c1, writer: c3, expect: 'ok' },
  { why: 'removing a default', reader: c3, writer: c2, expect: 'ok' },
  { why: 'adding a default', reader: c2, writer: c3, expect: 'ok' },
  { why: 'adding two fields with defaults', reader: c8, writer: c1, expect: 'ok' },
  { why: 'adding a field with a default to two', reader: c8, writer: c2, expect: 'ok' },
  { why: 'removing two fields with defaults', reader: c1, writer: c8, expect: 'ok' },
  { why: 'identical records', reader: c8, writer: c8, expect: 'ok' },
  {
    why: 'field order does not matter',
    reader: record('r', [field('b', 'int'), field('a', 'string')]),
    writer: record('r', [field('a', 'string'), field('b', 'int')]),
    expect: 'ok',
  },
  { why: 'promoting a field int to long', reader: one('long'), writer: one('int'), expect: 'ok' },
  { why: 'demoting a field long to int', reader: one('int'), writer: one('long'), expect: [TYPE, '/fields/0/type'] },
  { why: 'a field string to bytes', reader: one('bytes'), writer: one('string'), expect: 'ok' },
  { why: 'a field string to int', reader: one('int'), writer: one('string'), expect: [TYPE, '/fields/0/type'] },
  {
    why: 'a null default fills a missing nullable field',
    reader: record('r', [field('a', 'int'), field('b', ['null', 'string'], { default: null })]),
    writer: one('int'),
    expect: 'ok',
  },
  {
    why: 'a missing field in the middle is reported at its own position',
    reader: record('r', [field('a', 'int'), field('b', 'int'), field('c', 'int', { default: 0 })]),
    writer: one('int'),
    expect: [NO_DEFAULT, '/fields/1'],
  },
  {
    why: 'renaming a record',
    reader: record('r2', [field('a', 'int')]),
    writer: one('int'),
    expect: [NAME, '/name'],
  },
  {
    why: 'renaming a record with an alias',
    reader: record('r2', [field('a', 'int')], { aliases: ['r'] }),
    writer: one('int'),
    expect: 'ok',
  },
  {
    why: 'records match by unqualified name',
    reader: record('r', [field('a', 'int')], { namespace: 'one' }),
    writer: record('r', [field('a', 'int')], { namespace: 'two' }),
    expect: 'ok',
  },
  {
    why: 'an alias names the writer by full name',
    reader: record('New', [field('a', 'int')], { namespace: 'ns', aliases: ['old.Old'] }),
    writer: record('Old', [field('a', 'int')], { namespace: 'old' }),
    expect: 'ok',
  },
  {
    why: 'an alias in the wrong namespace does not match',
    reader: record('New', [field('a', 'int')], { namespace: 'ns', aliases: ['Old'] }),
    writer: record('Old', [field('a', 'int')], { namespace: 'old' }),
    expect: [NAME, '/name'],
  },
  {
    why: 'error and record are both records',
    reader: s({ type: 'error', name: 'r', fields: [] }),
    writer: record('r', []),
    expect: 'ok',
  },
  { why: 'empty records', reader: record('r', []), writer: record('r', []), expect: 'ok' },
  {
    why: 'an empty reader record still needs the writer name',
    reader: record('r', []),
    writer: c8,
    expect: [NAME, '/name'],
  },
  { why: 'a record does not read an int', reader: one('int'), writer: s('int'), expect: [TYPE, '/'] },
  { why: 'an int does not read a record', reader: s('int'), writer: one('int'), expect: [TYPE, '/'] },
  {
    why: 'a field added without a default in a nested record',
    reader: one({ type: 'record', name: 'In', fields: [field('x', 'int'), field('y', 'int')] }),
    writer: one({ type: 'record', name: 'In', fields: [field('x', 'int')] }),
    expect: [NO_DEFAULT, '/fields/0/type/fields/1'],
  },
  {
    why: 'a nested record promotes a field',
    reader: one({ type: 'record', name: 'In', fields: [field('x', 'double')] }),
    writer: one({ type: 'record', name: 'In', fields: [field('x', 'float')] }),
    expect: 'ok',
  },
  {
    why: 'a field alias and a record alias together',
    reader: record('R2', [field('b', 'long', { aliases: ['a'] })], { aliases: ['R1'] }),
    writer: record('R1', [field('a', 'int')]),
    expect: 'ok',
  },
  {
    why: 'a record default fills a missing record field',
    reader: record('r', [
      field('a', 'int'),
      field('p', { type: 'record', name: 'P', fields: [field('x', 'int')] }, { default: { x: 1 } }),
    ]),
    writer: one('int'),
    expect: 'ok',
  },

  // Enums.
  { why: 'identical enums', reader: one(colour(['R', 'G'])), writer: one(colour(['R', 'G'])), expect: 'ok' },
  { why: 'adding an enum symbol', reader: one(colour(['R', 'G', 'B'])), writer: one(colour(['R', 'G'])), expect: 'ok' },
  {
    why: 'removing an enum symbol',
    reader: one(colour(['R'])),
    writer: one(colour(['R', 'G'])),
    expect: [SYMBOLS, '/fields/0/type/symbols'],
  },
  {
    why: 'removing an enum symbol when the reader has a default symbol',
    reader: one(colour(['U', 'R'], { default: 'U' })),
    writer: one(colour(['R', 'G'])),
    expect: 'ok',
  },
  { why: 'reordering enum symbols', reader: s(colour(['G', 'R'])), writer: s(colour(['R', 'G'])), expect: 'ok' },
  {
    why: 'renaming an enum',
    reader: s({ type: 'enum', name: 'Hue', symbols: ['R'] }),
    writer: s(colour(['R'])),
    expect: [NAME, '/name'],
  },
  {
    why: 'renaming an enum with an alias',
    reader: s({ type: 'enum', name: 'Hue', symbols: ['R'], aliases: ['Colour'] }),
    writer: s(colour(['R'])),
    expect: 'ok',
  },
  { why: 'a string does not read an enum', reader: s('string'), writer: s(colour(['R'])), expect: [TYPE, '/'] },
  { why: 'an enum does not read a string', reader: s(colour(['R'])), writer: s('string'), expect: [TYPE, '/'] },
  {
    why: 'an enum default does not stand in for a missing field default',
    reader: record('r', [field('a', 'int'), field('c', colour(['R'], { default: 'R' }))]),
    writer: one('int'),
    expect: [TYPE, '/fields/1/type'],
  },
  {
    why: 'a field default fills a missing enum field',
    reader: record('r', [field('a', 'int'), field('c', colour(['R']), { default: 'R' })]),
    writer: one('int'),
    expect: 'ok',
  },

  // Fixed.
  { why: 'identical fixed', reader: s(md5(16)), writer: s(md5(16)), expect: 'ok' },
  { why: 'changing a fixed size', reader: s(md5(16)), writer: s(md5(8)), expect: [SIZE, '/size'] },
  { why: 'renaming a fixed', reader: s(md5(16, 'Hash')), writer: s(md5(16)), expect: [NAME, '/name'] },
  {
    why: 'renaming a fixed with an alias',
    reader: s(md5(16, 'Hash', { aliases: ['MD5'] })),
    writer: s(md5(16)),
    expect: 'ok',
  },
  { why: 'bytes does not read fixed', reader: s('bytes'), writer: s(md5(16)), expect: [TYPE, '/'] },
  { why: 'fixed does not read bytes', reader: s(md5(16)), writer: s('bytes'), expect: [TYPE, '/'] },
  {
    why: 'a fixed field changes size',
    reader: one(md5(4)),
    writer: one(md5(2)),
    expect: [SIZE, '/fields/0/type/size'],
  },

  // Arrays and maps.
  {
    why: 'array items promote',
    reader: s({ type: 'array', items: 'long' }),
    writer: s({ type: 'array', items: 'int' }),
    expect: 'ok',
  },
  {
    why: 'array items demote',
    reader: s({ type: 'array', items: 'int' }),
    writer: s({ type: 'array', items: 'long' }),
    expect: [TYPE, '/items'],
  },
  {
    why: 'map values promote',
    reader: s({ type: 'map', values: 'double' }),
    writer: s({ type: 'map', values: 'float' }),
    expect: 'ok',
  },
  {
    why: 'map values change type',
    reader: s({ type: 'map', values: 'string' }),
    writer: s({ type: 'map', values: 'int' }),
    expect: [TYPE, '/values'],
  },
  {
    why: 'an array does not read a map',
    reader: s({ type: 'array', items: 'int' }),
    writer: s({ type: 'map', values: 'int' }),
    expect: [TYPE, '/'],
  },
  {
    why: 'a map does not read a record',
    reader: s({ type: 'map', values: 'int' }),
    writer: one('int'),
    expect: [TYPE, '/'],
  },
  {
    why: 'an array of records whose items gain a field without a default',
    reader: s({ type: 'array', items: JSON.parse(c3) as Json }),
    writer: s({ type: 'array', items: JSON.parse(c1) as Json }),
    expect: [NO_DEFAULT, '/items/fields/1'],
  },
  {
    why: 'a map of arrays whose items promote',
    reader: s({ type: 'map', values: { type: 'array', items: 'double' } }),
    writer: s({ type: 'map', values: { type: 'array', items: 'int' } }),
    expect: 'ok',
  },
  {
    why: 'a map of arrays whose items demote',
    reader: s({ type: 'map', values: { type: 'array', items: 'int' } }),
    writer: s({ type: 'map', values: { type: 'array', items: 'double' } }),
    expect: [TYPE, '/values/items'],
  },

  // Unions.
  { why: 'a union reads one of its branches', reader: s(['null', 'int']), writer: s('int'), expect: 'ok' },
  { why: 'a union reads a promotable type', reader: s(['null', 'long']), writer: s('int'), expect: 'ok' },
  { why: 'a union reads bytes as string', reader: s(['string', 'null']), writer: s('bytes'), expect: 'ok' },
  { why: 'a union lacking the writer type', reader: s(['null', 'int']), writer: s('long'), expect: [BRANCH, '/'] },
  { why: 'a type reads a union of types it reads', reader: s('long'), writer: s(['int', 'long']), expect: 'ok' },
  {
    why: 'a type does not read a union with a branch it cannot read',
    reader: s('int'),
    writer: s(['int', 'long']),
    expect: [TYPE, '/1'],
  },
  { why: 'a one-branch union reads its type', reader: s(['int']), writer: s('int'), expect: 'ok' },
  { why: 'a type reads a one-branch union of it', reader: s('int'), writer: s(['int']), expect: 'ok' },
  { why: 'union branches reordered', reader: s(['string', 'null']), writer: s(['null', 'string']), expect: 'ok' },
  { why: 'a union gains a branch', reader: s(['null', 'string', 'int']), writer: s(['null', 'string']), expect: 'ok' },
  {
    why: 'a union loses a branch',
    reader: s(['null', 'string']),
    writer: s(['null', 'int', 'string']),
    expect: [BRANCH, '/1'],
  },
  { why: 'union branches promote', reader: s(['null', 'double']), writer: s(['null', 'int', 'float']), expect: 'ok' },
  {
    why: 'a union picks a record by name',
    reader: s([
      JSON.parse(record('A', [field('a', 'int')])) as Json,
      JSON.parse(record('B', [field('b', 'int')])) as Json,
    ]),
    writer: record('B', [field('b', 'int')]),
    expect: 'ok',
  },
  {
    why: 'a union whose record cannot read the writer record',
    reader: s(['null', JSON.parse(record('A', [field('a', 'int'), field('b', 'int')])) as Json]),
    writer: s(['null', JSON.parse(record('A', [field('a', 'int')])) as Json]),
    expect: [BRANCH, '/1'],
  },
  {
    why: 'a union field with an unchanged record branch gaining a defaulted field',
    reader: one([
      'null',
      { type: 'record', name: 'A', fields: [field('a', 'int'), field('b', 'int', { default: 0 })] },
    ]),
    writer: one(['null', { type: 'record', name: 'A', fields: [field('a', 'int')] }]),
    expect: 'ok',
  },
  {
    why: 'a union of enums gains a symbol',
    reader: s(['null', colour(['R', 'G'])]),
    writer: s(['null', colour(['R'])]),
    expect: 'ok',
  },
  {
    why: 'a union of enums loses a symbol',
    reader: s(['null', colour(['R'])]),
    writer: s(['null', colour(['R', 'G'])]),
    expect: [BRANCH, '/1'],
  },
  {
    why: 'a nullable field becomes required',
    reader: one('string'),
    writer: one(['null', 'string']),
    expect: [TYPE, '/fields/0/type/0'],
  },
  {
    why: 'a union of arrays',
    reader: s(['null', { type: 'array', items: 'long' }]),
    writer: s({ type: 'array', items: 'int' }),
    expect: 'ok',
  },
  {
    why: 'a union of maps lacking the value type',
    reader: s(['null', { type: 'map', values: 'int' }]),
    writer: s({ type: 'map', values: 'string' }),
    expect: [BRANCH, '/'],
  },

  // Recursive types.
  { why: 'a recursive type reads itself', reader: list('long'), writer: list('long'), expect: 'ok' },
  { why: 'a recursive type promotes its value', reader: list('long'), writer: list('int'), expect: 'ok' },
  {
    why: 'a recursive type demotes its value',
    reader: list('int'),
    writer: list('long'),
    expect: [TYPE, '/fields/0/type'],
  },
  {
    why: 'a recursive type gains a defaulted field',
    reader: list('long', [field('label', 'string', { default: '' })]),
    writer: list('long'),
    expect: 'ok',
  },
  {
    why: 'a recursive type gains a field without a default',
    reader: list('long', [field('label', 'string')]),
    writer: list('long'),
    expect: [NO_DEFAULT, '/fields/2'],
  },
  {
    why: 'mutually recursive types',
    reader: record('Tree', [
      field('kids', {
        type: 'array',
        items: { type: 'record', name: 'Node', fields: [field('tree', 'Tree'), field('w', 'double')] },
      }),
    ]),
    writer: record('Tree', [
      field('kids', {
        type: 'array',
        items: { type: 'record', name: 'Node', fields: [field('tree', 'Tree'), field('w', 'float')] },
      }),
    ]),
    expect: 'ok',
  },

  // Logical types are ignored: only the underlying types are resolved, as Avro's checker does.
  { why: 'a date read as int', reader: s('int'), writer: s({ type: 'int', logicalType: 'date' }), expect: 'ok' },
  { why: 'an int read as a date', reader: s({ type: 'int', logicalType: 'date' }), writer: s('int'), expect: 'ok' },
  {
    why: 'a timestamp reads a promoted int',
    reader: s({ type: 'long', logicalType: 'timestamp-millis' }),
    writer: s('int'),
    expect: 'ok',
  },
  {
    why: 'decimals of other precision share bytes',
    reader: s({ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }),
    writer: s({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 }),
    expect: 'ok',
  },
  {
    why: 'a uuid reads bytes as string',
    reader: s({ type: 'string', logicalType: 'uuid' }),
    writer: s('bytes'),
    expect: 'ok',
  },
  {
    why: 'a timestamp does not read a string',
    reader: s({ type: 'long', logicalType: 'timestamp-micros' }),
    writer: s('string'),
    expect: [TYPE, '/'],
  },
];

const CASES: Case[] = [...primitiveCases, ...structuralCases];

describe('avroRules.readProblems', () => {
  it('has a table of at least 100 pairs', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  it.each(CASES.map((c) => [c.why, c] as const))('%s', (_why, c) => {
    const found = problems(c.reader, c.writer);
    if (c.expect === 'ok') {
      expect(found).toEqual([]);
      return;
    }
    const [kind, path] = typeof c.expect === 'string' ? [c.expect, undefined] : c.expect;
    expect(found.length).toBeGreaterThan(0);
    expect(kindOf(found[0]!)).toBe(kind);
    if (path !== undefined) expect(pathOf(found[0]!)).toBe(path);
  });

  it('renders problems as Confluent does, naming the path and the detail', () => {
    expect(problems(c3, c1)).toEqual([
      "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'f2' at path '/fields/1' in the reader schema has no default value and is missing in the writer schema', additionalInfo:'f2'}",
    ]);
    expect(problems(one('int'), one('string'))).toEqual([
      "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the reader schema does not match with the writer schema', additionalInfo:'reader type: INT not compatible with writer type: STRING'}",
    ]);
    expect(problems(s(colour(['A'])), s(colour(['D', 'A', 'C'])))[0]).toContain("additionalInfo:'[C, D]'");
    expect(problems(s(md5(16)), s(md5(8)))[0]).toContain("additionalInfo:'expected: 8, found: 16'");
    expect(problems(s(md5(16, 'Hash')), s(md5(16, 'x.MD5')))[0]).toContain("additionalInfo:'expected: x.MD5'");
    expect(problems(s(['null', 'int']), s('string'))[0]).toContain(
      "additionalInfo:'reader union lacking writer type: STRING'",
    );
  });

  it('reports every problem in a record, not only the first', () => {
    const found = problems(record('r2', [field('a', 'int'), field('b', 'int')]), record('r', [field('a', 'string')]));
    expect(found.map(kindOf)).toEqual([NAME, TYPE, NO_DEFAULT]);
  });

  it('resolves named types defined by references', () => {
    const references: ResolvedReference[] = [
      {
        name: 'com.acme.Address',
        subject: 'address',
        version: 1,
        schemaType: 'AVRO',
        schema: record('Address', [field('street', 'string')], { namespace: 'com.acme' }),
        references: [],
      },
    ];
    const reader = record('Person', [field('home', 'com.acme.Address'), field('age', 'long')]);
    const writer = record('Person', [field('home', 'com.acme.Address'), field('age', 'int')]);
    expect(problems(reader, writer, references)).toEqual([]);
    expect(problems(writer, reader, references).map(kindOf)).toEqual([TYPE]);
  });
});

describe('avroRules.parse', () => {
  const bad: [string, string, RegExp][] = [
    ['text that is not JSON', '{"type":', /not JSON/],
    ['an undefined type name', one('Nope'), /"Nope" is not a defined name/],
    ['a name starting with a digit', record('1r', []), /Invalid name: "1r"/],
    ['a name with a dash', record('my-record', []), /Invalid name/],
    ['a bad namespace', record('r', [], { namespace: 'a..b' }), /namespace/],
    ['a bad field name', one('int').replace('"a"', '"a b"'), /Invalid field name/],
    ['a duplicate field', record('r', [field('a', 'int'), field('a', 'string')]), /Duplicate field a in record r/],
    [
      'a redefined name',
      record('r', [
        field('a', { type: 'fixed', name: 'F', size: 1 }),
        field('b', { type: 'fixed', name: 'F', size: 2 }),
      ]),
      /Can't redefine: F/,
    ],
    ['a record redefining itself', one({ type: 'record', name: 'r', fields: [] }), /Can't redefine: r/],
    ['a record without fields', s({ type: 'record', name: 'r' }), /no fields/],
    ['a record without a name', s({ type: 'record', fields: [] }), /No name/],
    ['a field without a type', record('r', [{ name: 'a' }]), /No field type/],
    ['a duplicate enum symbol', s(colour(['R', 'R'])), /Duplicate enum symbol: R/],
    ['a bad enum symbol', s(colour(['R', '2G'])), /Invalid enum symbol/],
    ['an enum default not among the symbols', s(colour(['R'], { default: 'G' })), /Enum Default/],
    ['an enum without symbols', s({ type: 'enum', name: 'E' }), /no symbols/],
    ['a fixed without a size', s({ type: 'fixed', name: 'F' }), /size/],
    ['a fixed with a negative size', s(md5(-1)), /size/],
    ['an array without items', s({ type: 'array' }), /no items/],
    ['a map without values', s({ type: 'map' }), /no values/],
    ['a union in a union', s(['null', ['int', 'string']]), /immediately contain other unions/],
    ['a duplicate union branch', s(['int', 'string', 'int']), /Duplicate in union: int/],
    ['a duplicate logical union branch', s(['int', { type: 'int', logicalType: 'date' }]), /Duplicate in union: int/],
    ['a duplicate named union branch', s([colour(['R']), 'Colour']), /Duplicate in union: Colour/],
    ['a type named after a primitive', s({ type: 'fixed', name: 'int', size: 1 }), /named after primitives/],
    ['an unknown type', s({ type: 'decimal' }), /"decimal" is not a defined name/],
    ['a string default for an int', one('int', { default: 'one' }), /Invalid default for field a/],
    ['a fractional default for an int', one('int', { default: 1.5 }), /Invalid default/],
    ['an int default out of range', one('int', { default: 2 ** 31 }), /Invalid default/],
    ['a null default for a string', one('string', { default: null }), /Invalid default/],
    ['a number default for a string', one('string', { default: 1 }), /Invalid default/],
    ['a string default for a boolean', one('boolean', { default: 'true' }), /Invalid default/],
    ['a default matching no union branch', one(['null', 'int'], { default: 'x' }), /Invalid default/],
    ['an enum default not a symbol', one(colour(['R']), { default: 'G' }), /Invalid default/],
    ['a fixed default of the wrong length', one(md5(2), { default: 'abc' }), /Invalid default/],
    [
      'an array default with a bad item',
      one({ type: 'array', items: 'int' }, { default: [1, 'x'] }),
      /Invalid default/,
    ],
    ['a map default with a bad value', one({ type: 'map', values: 'int' }, { default: { k: 'x' } }), /Invalid default/],
    [
      'a record default missing a field',
      one({ type: 'record', name: 'P', fields: [field('x', 'int'), field('y', 'int')] }, { default: { x: 1 } }),
      /Invalid default/,
    ],
    ['a bad field order', one('int', { order: 'up' }), /Invalid order/],
    ['a bad alias', record('r', [], { aliases: ['not valid'] }), /Invalid alias/],
  ];

  it.each(bad)('rejects %s', (_why, schema, message) => {
    expect(() => avroRules.parse(schema, [])).toThrow(SchemaParseError);
    expect(() => avroRules.parse(schema, [])).toThrow(message);
  });

  const good: [string, string][] = [
    ['every primitive', s(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'])],
    ['a primitive as an object', s({ type: 'string' })],
    ['a default matching a later union branch, as Java accepts', one(['null', 'string'], { default: 'null' })],
    ['a null default for a nullable field', one(['null', 'string'], { default: null })],
    ['a long default beyond 2^53', one('long', { default: 2 ** 60 })],
    ['NaN as a double default', one('double', { default: 'NaN' })],
    [
      'a record default using a field default',
      one({ type: 'record', name: 'P', fields: [field('x', 'int', { default: 0 })] }, { default: {} }),
    ],
    ['a bytes default', one('bytes', { default: '\u00ff' })],
    ['a recursive type', list('long')],
    ['a name in the enclosing namespace', record('r', [field('a', md5(1)), field('b', 'MD5')], { namespace: 'ns' })],
    ['a full name of a nested type', record('r', [field('a', md5(1)), field('b', 'ns.MD5')], { namespace: 'ns' })],
    ['a dotted name setting its own namespace', record('a.b.r', [field('a', md5(1)), field('b', 'a.b.MD5')])],
    [
      'a type in the null namespace from inside one',
      record('r', [field('a', md5(1, 'F', { namespace: '' })), field('b', 'F')], { namespace: 'ns' }),
    ],
    ['an invalid logical type, which Java ignores', s({ type: 'string', logicalType: 'decimal' })],
    ['custom properties', s({ type: 'string', 'avro.java.string': 'String' })],
    ['an enum with a default symbol', s(colour(['R', 'G'], { default: 'G' }))],
  ];

  it.each(good)('accepts %s', (_why, schema) => {
    expect(() => avroRules.parse(schema, [])).not.toThrow();
  });

  it('parses references in dependency order and rejects a schema missing one', () => {
    const point: ResolvedReference = {
      name: 'geo.Point',
      subject: 'point',
      version: 1,
      schemaType: 'AVRO',
      schema: record('Point', [field('x', 'double')], { namespace: 'geo' }),
      references: [],
    };
    const line: ResolvedReference = {
      name: 'geo.Line',
      subject: 'line',
      version: 1,
      schemaType: 'AVRO',
      schema: record('Line', [field('from', 'Point'), field('to', 'Point')], { namespace: 'geo' }),
      references: [point],
    };
    const schema = record('Shape', [field('edges', { type: 'array', items: 'geo.Line' }), field('at', 'geo.Point')]);
    expect(() => avroRules.parse(schema, [line, point])).not.toThrow();
    expect(() => avroRules.parse(schema, [])).toThrow(/"geo.Line" is not a defined name/);
    expect(() => avroRules.parse(schema, [{ ...line, references: [] }])).toThrow(SchemaParseError);
  });
});

describe('avroRules.canonical', () => {
  const canonical = (schema: string, normalize = false, references: readonly ResolvedReference[] = []): string =>
    avroRules.canonical(avroRules.parse(schema, references), normalize);

  it('ignores whitespace and key order', () => {
    const a = '{"type":"record","name":"r","fields":[{"name":"a","type":"int","default":1}]}';
    const b = '{ "fields" : [ { "default" : 1, "type" : "int", "name" : "a" } ],\n  "name" : "r", "type" : "record" }';
    expect(canonical(b)).toBe(canonical(a));
    expect(canonical(b, true)).toBe(canonical(a, true));
  });

  it("renders Avro's own JSON, keeping doc, defaults, aliases and properties", () => {
    const schema = s({
      namespace: 'com.acme',
      name: 'Person',
      type: 'record',
      doc: 'A person',
      aliases: ['Human'],
      'x-owner': 'team',
      fields: [
        { type: 'string', name: 'name', doc: 'Full name', aliases: ['fullName'], default: '' },
        { type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'], default: 'A' }, name: 'kind', order: 'descending' },
        { type: ['null', 'Kind'], name: 'other', default: null },
        { type: { type: 'fixed', name: 'Id', namespace: 'ids', size: 4 }, name: 'id' },
      ],
    });
    expect(canonical(schema)).toBe(
      '{"type":"record","name":"Person","namespace":"com.acme","doc":"A person","fields":[' +
        '{"name":"name","type":"string","doc":"Full name","default":"","aliases":["fullName"]},' +
        '{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"],"default":"A"},"order":"descending"},' +
        '{"name":"other","type":["null","Kind"],"default":null},' +
        '{"name":"id","type":{"type":"fixed","name":"Id","namespace":"ids","size":4}}' +
        '],"x-owner":"team","aliases":["Human"]}',
    );
  });

  it('normalizes to full names, a fixed key order, sorted aliases and explicit field order', () => {
    const schema = s({
      type: 'record',
      name: 'Person',
      namespace: 'com.acme',
      aliases: ['Z', 'Human'],
      fields: [
        { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] }, doc: 'the kind' },
        { name: 'other', type: 'Kind', aliases: ['y', 'x'] },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 0 } },
      ],
    });
    expect(canonical(schema, true)).toBe(
      '{"name":"com.acme.Person","type":"record","fields":[' +
        '{"name":"kind","type":{"name":"com.acme.Kind","type":"enum","symbols":["A","B"]},"order":"ascending","doc":"the kind"},' +
        '{"name":"other","type":"com.acme.Kind","order":"ascending","aliases":["x","y"]},' +
        '{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9},"order":"ascending"}' +
        '],"aliases":["com.acme.Human","com.acme.Z"]}',
    );
  });

  it('gives a namespace-qualified name and a namespace attribute the same text', () => {
    const dotted = record('com.acme.R', [field('a', 'int')]);
    const spaced = record('R', [field('a', 'int')], { namespace: 'com.acme' });
    expect(canonical(dotted)).toBe(canonical(spaced));
    expect(canonical(dotted, true)).toBe(canonical(spaced, true));
  });

  it('keeps what tells schemas apart: defaults, docs and aliases', () => {
    expect(canonical(c2)).not.toBe(canonical(c3));
    expect(canonical(one('int', { doc: 'x' }))).not.toBe(canonical(one('int')));
    expect(canonical(one('int', { aliases: ['b'] }))).not.toBe(canonical(one('int')));
    expect(canonical(one('int', { doc: 'x' }), true)).not.toBe(canonical(one('int'), true));
  });

  it('drops an explicit ascending order, the default, and reads the order in any case', () => {
    expect(canonical(one('int', { order: 'ascending' }))).toBe(canonical(one('int')));
    expect(canonical(one('int', { order: 'DESCENDING' }))).toBe(canonical(one('int', { order: 'descending' })));
    expect(canonical(one('int', { order: 'ASCENDING' }), true)).toBe(canonical(one('int'), true));
  });

  it('treats a primitive written as an object like the bare name', () => {
    expect(canonical(one({ type: 'string' }))).toBe(canonical(one('string')));
  });

  it('only normalizes a decimal scale of zero away when asked', () => {
    const withScale = s({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 0 });
    const without = s({ type: 'bytes', logicalType: 'decimal', precision: 4 });
    expect(canonical(withScale)).not.toBe(canonical(without));
    expect(canonical(withScale, true)).toBe(canonical(without, true));
  });

  it('sorts custom properties, which never change identity', () => {
    expect(canonical(s({ type: 'string', b: 1, a: { y: 1, x: 2 } }))).toBe('{"type":"string","a":{"x":2,"y":1},"b":1}');
  });

  it('writes a recursive type once and then by name', () => {
    expect(canonical(list('long'))).toBe(
      '{"type":"record","name":"LongList","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","LongList"]}]}',
    );
  });

  it('renders types defined by references by name, as Confluent does', () => {
    const references: ResolvedReference[] = [
      {
        name: 'geo.Point',
        subject: 'point',
        version: 1,
        schemaType: 'AVRO',
        schema: record('Point', [field('x', 'double')], { namespace: 'geo' }),
        references: [],
      },
    ];
    const schema = record('Shape', [field('at', 'geo.Point')], { namespace: 'geo' });
    expect(canonical(schema, false, references)).toBe(
      '{"type":"record","name":"Shape","namespace":"geo","fields":[{"name":"at","type":"Point"}]}',
    );
    expect(canonical(schema, true, references)).toBe(
      '{"name":"geo.Shape","type":"record","fields":[{"name":"at","type":"geo.Point","order":"ascending"}]}',
    );
  });
});
