import { describe, expect, it, vi } from 'vitest';
import { MemoryMetaStore } from '../storage/memory/meta.js';
import type { SchemaStore } from '../storage/schemas.js';
import { StorageUnavailableError } from '../storage/types.js';
import {
  avroOrder,
  envelope,
  jsonDocument,
  messageIndexes,
  ORDER_AVRO,
  PERSON_JSON,
  protobufMessage,
  register,
  SHAPES_PROTO,
} from './schema-fixtures.js';
import { HOLDERS_TTL_MS, type SchemaValidationSettings, validatorFor } from './validation.js';
import { SubjectNameStrategy } from './wire.js';

const { TOPIC, RECORD, TOPIC_RECORD } = SubjectNameStrategy;
const NOW = 1_700_000_000_000;

function store(): SchemaStore {
  return new MemoryMetaStore().schemas;
}

function values(...vs: (Uint8Array | null)[]) {
  return vs.map((value) => ({ key: null, value }));
}

const valueOnly = (strategy: SubjectNameStrategy, payload = false): SchemaValidationSettings => ({
  key: null,
  value: strategy,
  payload,
});

function validate(
  s: SchemaStore,
  records: { key: Uint8Array | null; value: Uint8Array | null }[],
  settings: SchemaValidationSettings,
  topic = 'orders',
  nowMs = NOW,
) {
  return validatorFor(s).request(nowMs).validate(topic, records, settings);
}

describe('schema validation of record envelopes', () => {
  it('accepts an id registered under <topic>-value and refuses the rest, one error per bad record', async () => {
    const s = store();
    const id = await register(s, 'orders-value', 'AVRO', ORDER_AVRO);
    const other = await register(s, 'payments-value', 'JSON', PERSON_JSON);
    const payload = avroOrder(1, null);
    const errors = await validate(
      s,
      values(
        envelope(id, payload),
        new TextEncoder().encode('{"plain":"json"}'),
        envelope(999, payload),
        envelope(other, payload),
        null,
        new Uint8Array([0, 0, 0]),
      ),
      valueOnly(TOPIC),
    );
    expect(errors).toEqual([
      { batchIndex: 1, message: 'value: unknown magic byte 123' },
      { batchIndex: 2, message: 'value: schema id 999 not found' },
      { batchIndex: 3, message: `value: schema id ${other} is not registered under subject orders-value` },
      { batchIndex: 5, message: 'value: 3 bytes, too short for the magic byte and schema id' },
    ]);
  });

  it('checks keys against <topic>-key, lets null keys and values through, and reports the key first', async () => {
    const s = store();
    const keyId = await register(s, 'orders-key', 'JSON', PERSON_JSON);
    const valueId = await register(s, 'orders-value', 'AVRO', ORDER_AVRO);
    const key = envelope(keyId, jsonDocument({ name: 'k' }));
    const value = envelope(valueId, avroOrder(1, null));
    const settings: SchemaValidationSettings = { key: TOPIC, value: TOPIC, payload: false };
    const errors = await validate(
      s,
      [
        { key, value },
        { key: null, value },
        { key, value: null },
        { key: null, value: null },
        { key: value, value: key },
        { key: new Uint8Array([1]), value: new Uint8Array([2]) },
      ],
      settings,
    );
    expect(errors).toEqual([
      { batchIndex: 4, message: `key: schema id ${valueId} is not registered under subject orders-key` },
      { batchIndex: 5, message: 'key: unknown magic byte 1' },
    ]);
    // Key validation alone leaves values unchecked.
    expect(await validate(s, [{ key, value: new Uint8Array([9]) }], { ...settings, value: null })).toEqual([]);
  });

  it('names Avro subjects after the record under RecordNameStrategy and TopicRecordNameStrategy', async () => {
    const s = store();
    const byRecord = await register(s, 'com.acme.Order', 'AVRO', ORDER_AVRO);
    const value = envelope(byRecord, avroOrder(1, null));
    expect(await validate(s, values(value), valueOnly(RECORD))).toEqual([]);
    expect(await validate(s, values(value), valueOnly(TOPIC_RECORD))).toEqual([
      { batchIndex: 0, message: `value: schema id ${byRecord} is not registered under subject orders-com.acme.Order` },
    ]);
    await register(s, 'orders-com.acme.Order', 'AVRO', ORDER_AVRO);
    expect(await validate(s, values(value), valueOnly(TOPIC_RECORD))).toEqual([]);
    expect(await validate(s, values(value), valueOnly(TOPIC))).toHaveLength(1);
  });

  it('names JSON subjects after the title, and refuses a schema without one under RecordNameStrategy', async () => {
    const s = store();
    const id = await register(s, 'com.acme.Person', 'JSON', PERSON_JSON);
    expect(await validate(s, values(envelope(id, jsonDocument({ name: 'a' }))), valueOnly(RECORD))).toEqual([]);
    const untitled = await register(s, 'orders-value', 'JSON', '{"type":"object"}');
    expect(await validate(s, values(envelope(untitled, jsonDocument({}))), valueOnly(RECORD))).toEqual([
      {
        batchIndex: 0,
        message: `value: schema id ${untitled} names no record (a JSON schema needs a title for ${RECORD})`,
      },
    ]);
  });

  it('selects the Protobuf message by its indexes, nested messages included', async () => {
    const s = store();
    const id = await register(s, 'acme.shapes.Polygon.Vertex', 'PROTOBUF', SHAPES_PROTO);
    await register(s, 'acme.shapes.Polygon', 'PROTOBUF', SHAPES_PROTO);
    const vertex = protobufMessage('acme.shapes.Polygon.Vertex', { label: 'a', x: -3 });
    const settings = valueOnly(RECORD, true);
    const errors = await validate(
      s,
      values(
        envelope(id, vertex, messageIndexes([1, 0])),
        envelope(id, protobufMessage('acme.shapes.Polygon', { sides: 3 }), messageIndexes([1])),
        // [0] is Circle, registered under no subject of its name.
        envelope(id, protobufMessage('acme.shapes.Circle', { radius: 1 }), messageIndexes([0])),
        envelope(id, vertex, messageIndexes([2])),
        envelope(id, vertex, messageIndexes([1, 1])),
        envelope(id, vertex, [3]),
      ),
      settings,
    );
    expect(errors).toEqual([
      { batchIndex: 2, message: `value: schema id ${id} is not registered under subject acme.shapes.Circle` },
      { batchIndex: 3, message: `value: message indexes [2] select no message in schema id ${id}` },
      { batchIndex: 4, message: `value: message indexes [1,1] select no message in schema id ${id}` },
      { batchIndex: 5, message: 'value: invalid message index count -2' },
    ]);
  });

  it('follows references when parsing a schema', async () => {
    const s = store();
    await register(
      s,
      'money',
      'AVRO',
      JSON.stringify({ type: 'record', name: 'com.acme.Money', fields: [{ name: 'cents', type: 'long' }] }),
    );
    const id = await register(
      s,
      'orders-value',
      'AVRO',
      JSON.stringify({ type: 'record', name: 'com.acme.Priced', fields: [{ name: 'price', type: 'com.acme.Money' }] }),
      [{ name: 'com.acme.Money', subject: 'money', version: 1 }],
    );
    const cents = new Uint8Array([0x80, 0x01]); // zig-zag 64
    expect(await validate(s, values(envelope(id, cents)), valueOnly(TOPIC, true))).toEqual([]);
    expect(await validate(s, values(envelope(id, new Uint8Array([0x80]))), valueOnly(TOPIC, true))).toEqual([
      { batchIndex: 0, message: `value: payload does not match schema id ${id}: Avro data ends early` },
    ]);
  });
});

describe('schema validation of payloads', () => {
  it('decodes Avro as one whole datum, longs beyond 2^53 included', async () => {
    const s = store();
    const id = await register(s, 'orders-value', 'AVRO', ORDER_AVRO);
    const good = avroOrder(7, 'hi');
    const maxLong = new Uint8Array([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0]);
    const errors = await validate(
      s,
      values(
        envelope(id, good),
        envelope(id, maxLong),
        envelope(id, new Uint8Array([...good, 0])),
        envelope(id, good.subarray(0, good.length - 1)),
        envelope(id, new Uint8Array([2, 6])),
      ),
      valueOnly(TOPIC, true),
    );
    expect(errors).toEqual([
      { batchIndex: 2, message: `value: payload does not match schema id ${id}: 1 bytes left after the Avro datum` },
      { batchIndex: 3, message: `value: payload does not match schema id ${id}: Avro data ends early` },
      {
        batchIndex: 4,
        message: expect.stringMatching(/^value: payload does not match schema id \d+: invalid Avro data/),
      },
    ]);
    // Without payload mode only the envelope counts.
    expect(await validate(s, values(envelope(id, new Uint8Array([2, 6]))), valueOnly(TOPIC))).toEqual([]);
  });

  it('decodes Protobuf as the selected message', async () => {
    const s = store();
    const id = await register(s, 'orders-value', 'PROTOBUF', SHAPES_PROTO);
    const errors = await validate(
      s,
      values(
        envelope(id, protobufMessage('acme.shapes.Circle', { radius: 2.5 }), [0]),
        envelope(id, protobufMessage('acme.shapes.Polygon', { sides: 4, vertices: [{ label: 'a' }] }), [2, 2]),
        // Field 1 as a 64-bit double cut short.
        envelope(id, new Uint8Array([0x09, 1, 2]), [0]),
      ),
      valueOnly(TOPIC, true),
    );
    expect(errors).toEqual([
      {
        batchIndex: 2,
        message: expect.stringMatching(
          /^value: payload does not match schema id \d+: invalid Protobuf data for acme\.shapes\.Circle: /,
        ),
      },
    ]);
  });

  it('parses JSON and validates it against the schema', async () => {
    const s = store();
    const id = await register(s, 'orders-value', 'JSON', PERSON_JSON);
    const errors = await validate(
      s,
      values(
        envelope(id, jsonDocument({ name: 'Ada', age: 36 })),
        envelope(id, jsonDocument({ age: 36 })),
        envelope(id, jsonDocument({ name: 'Ada', age: -1 })),
        envelope(id, new TextEncoder().encode('{"name":')),
        envelope(id, new Uint8Array([0x22, 0xff, 0x22])),
      ),
      valueOnly(TOPIC, true),
    );
    const prefix = `value: payload does not match schema id ${id}: `;
    expect(errors).toEqual([
      { batchIndex: 1, message: `${prefix}JSON does not conform: / must have required property 'name'` },
      { batchIndex: 2, message: `${prefix}JSON does not conform: /age must be >= 0` },
      { batchIndex: 3, message: expect.stringMatching(/^value: payload does not match schema id \d+: invalid JSON: /) },
      { batchIndex: 4, message: expect.stringMatching(/^value: payload does not match schema id \d+: invalid JSON: /) },
    ]);
  });
});

describe('schema lookups', () => {
  it('look each schema id up once per request and keep parsed schemas for the instance', async () => {
    const s = store();
    const a = await register(s, 'orders-value', 'AVRO', ORDER_AVRO);
    const b = await register(s, 'orders-value', 'JSON', PERSON_JSON);
    const getSchema = vi.spyOn(s, 'getSchema');
    const usages = vi.spyOn(s, 'usages');
    const batch = values(
      envelope(a, avroOrder(1, null)),
      envelope(b, jsonDocument({ name: 'x' })),
      envelope(a, avroOrder(2, null)),
    );
    const check = validatorFor(s).request(NOW);
    const results = await Promise.all([
      check.validate('orders', batch, valueOnly(TOPIC)),
      check.validate('orders', batch, valueOnly(TOPIC)),
    ]);
    expect(results).toEqual([[], []]);
    expect(getSchema.mock.calls.map(([id]) => id).sort()).toEqual([a, b].sort());
    expect(usages.mock.calls.map(([id]) => id).sort()).toEqual([a, b].sort());

    // A later request parses nothing again, and trusts the subjects it saw for a few seconds.
    await validate(s, batch, valueOnly(TOPIC), 'orders', NOW + 1000);
    expect(getSchema).toHaveBeenCalledTimes(2);
    expect(usages).toHaveBeenCalledTimes(2);
    await validate(s, batch, valueOnly(TOPIC), 'orders', NOW + HOLDERS_TTL_MS);
    expect(getSchema).toHaveBeenCalledTimes(2);
    expect(usages).toHaveBeenCalledTimes(4);
  });

  it('never refuses from the cache: a subject registered a moment ago is seen at once', async () => {
    const s = store();
    const id = await register(s, 'payments-value', 'AVRO', ORDER_AVRO);
    const batch = values(envelope(id, avroOrder(1, null)));
    expect(await validate(s, batch, valueOnly(TOPIC))).toHaveLength(1);
    await register(s, 'orders-value', 'AVRO', ORDER_AVRO);
    expect(await validate(s, batch, valueOnly(TOPIC), 'orders', NOW + 1)).toEqual([]);
  });

  it('stops accepting a deleted subject version once the cached subjects expire', async () => {
    const s = store();
    const id = await register(s, 'orders-value', 'AVRO', ORDER_AVRO);
    const batch = values(envelope(id, avroOrder(1, null)));
    expect(await validate(s, batch, valueOnly(TOPIC))).toEqual([]);
    await s.deleteVersion('orders-value', 1, false);
    expect(await validate(s, batch, valueOnly(TOPIC), 'orders', NOW + HOLDERS_TTL_MS - 1)).toEqual([]);
    expect(await validate(s, batch, valueOnly(TOPIC), 'orders', NOW + HOLDERS_TTL_MS)).toEqual([
      { batchIndex: 0, message: `value: schema id ${id} is not registered under subject orders-value` },
    ]);
  });

  it('lets a store failure through rather than deciding without the registry', async () => {
    const s = store();
    const id = await register(s, 'orders-value', 'AVRO', ORDER_AVRO);
    vi.spyOn(s, 'usages').mockRejectedValue(new StorageUnavailableError('redis down'));
    await expect(validate(s, values(envelope(id, avroOrder(1, null))), valueOnly(TOPIC))).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
  });
});
