import { describe, expect, it, vi } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { BASE_OFFSET_OFFSET, PARTITION_LEADER_EPOCH_OFFSET } from '../../shared/records/batch.js';
import { CompressionCodec } from '../../shared/records/compression/index.js';
import { encodeBatch, type RecordInput } from '../../shared/records/records.js';
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
} from '../../shared/schemas/schema-fixtures.js';
import { StorageUnavailableError } from '../../shared/storage/types.js';
import { type Harness, harness } from '../test-harness.js';

const STRATEGY = 'io.confluent.kafka.serializers.subject.';

const VALUE_VALIDATION = { 'confluent.value.schema.validation': 'true' };

function batch(records: readonly RecordInput[], compression: CompressionCodec = CompressionCodec.NONE): Uint8Array {
  return encodeBatch({ records: records.map((r) => ({ timestamp: 1_700_000_000_000n, ...r })), compression });
}

const valuesBatch = (...values: (Uint8Array | null)[]) => batch(values.map((value) => ({ value })));

async function produce(h: Harness, topic: string, records: Uint8Array, version = 11) {
  const res = await h.call(ApiKey.Produce, version, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

async function storedRecords(h: Harness, topic: string, partition = 0) {
  const res = await h.call(ApiKey.Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = res.responses[0]!.partitions[0]!;
  return { highWatermark: p.highWatermark, records: p.records };
}

/** A batch as fetch returns it after storing at offset 0: the producer's bytes, base offset and leader epoch set. */
function asStored(sent: Uint8Array): Uint8Array {
  const out = sent.slice();
  const view = new DataView(out.buffer);
  view.setBigInt64(BASE_OFFSET_OFFSET, 0n);
  view.setInt32(PARTITION_LEADER_EPOCH_OFFSET, 0);
  return out;
}

async function withOrders(configs: Record<string, string> = VALUE_VALIDATION) {
  const h = harness();
  await h.createTopic('orders', 1, configs);
  const id = await register(h.meta.schemas, 'orders-value', 'AVRO', ORDER_AVRO);
  return { h, id, good: envelope(id, avroOrder(1, 'a')) };
}

describe('produce with schema validation', () => {
  it('stores anything when validation is off (the default)', async () => {
    const { h } = await withOrders({});
    const getSchema = vi.spyOn(h.meta.schemas, 'getSchema');
    const response = await produce(
      h,
      'orders',
      valuesBatch(new TextEncoder().encode('not an envelope'), envelope(404, new Uint8Array())),
    );
    expect(response).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n, recordErrors: [] });
    expect((await storedRecords(h, 'orders')).highWatermark).toBe(2n);
    expect(getSchema).not.toHaveBeenCalled();
  });

  it('stores a batch whose values carry an id registered under <topic>-value', async () => {
    const { h, good } = await withOrders();
    const sent = valuesBatch(good, good);
    expect(await produce(h, 'orders', sent.slice())).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect((await storedRecords(h, 'orders')).records).toEqual(asStored(sent));
  });

  it('refuses the whole batch with INVALID_RECORD and one record error per bad record, storing nothing', async () => {
    const { h, good } = await withOrders();
    const other = await register(h.meta.schemas, 'payments-value', 'AVRO', ORDER_AVRO.replace('Order', 'Payment'));
    const response = await produce(
      h,
      'orders',
      valuesBatch(
        good,
        new Uint8Array([1, 0, 0, 0, 1]),
        good,
        envelope(77, avroOrder(1, null)),
        envelope(other, avroOrder(1, null)),
      ),
    );
    expect(response).toEqual({
      index: 0,
      errorCode: ErrorCode.INVALID_RECORD,
      baseOffset: -1n,
      logAppendTimeMs: -1n,
      logStartOffset: 0n,
      errorMessage: 'One or more records have been rejected due to 3 record errors in total',
      recordErrors: [
        { batchIndex: 1, batchIndexErrorMessage: 'value: unknown magic byte 1' },
        { batchIndex: 3, batchIndexErrorMessage: 'value: schema id 77 not found' },
        {
          batchIndex: 4,
          batchIndexErrorMessage: `value: schema id ${other} is not registered under subject orders-value`,
        },
      ],
      currentLeader: { leaderId: -1, leaderEpoch: -1 },
    });
    expect((await storedRecords(h, 'orders')).highWatermark).toBe(0n);
    expect(h.blobs.objects.size).toBe(0);
  });

  it('answers Produce v7 with the error code alone and v8+ with the record errors', async () => {
    const { h } = await withOrders();
    const bad = valuesBatch(new Uint8Array([7]));
    const v7 = await produce(h, 'orders', bad.slice(), 7);
    expect(v7.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(v7.recordErrors).toEqual([]);
    expect(v7.errorMessage).toBeNull();
    const v8 = await produce(h, 'orders', bad.slice(), 8);
    expect(v8).toMatchObject({
      errorCode: ErrorCode.INVALID_RECORD,
      errorMessage: 'One or more records have been rejected due to 1 record errors in total',
      recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: 'value: unknown magic byte 7' }],
    });
  });

  it('stores the other partitions of the request when one batch is refused', async () => {
    const { h, id } = await withOrders();
    await h.createTopic('plain', 1);
    await h.createTopic('orders2', 2, VALUE_VALIDATION);
    const person = await register(h.meta.schemas, 'people-value', 'JSON', PERSON_JSON);
    await register(h.meta.schemas, 'orders2-value', 'AVRO', ORDER_AVRO);
    const res = await h.call(ApiKey.Produce, 11, {
      acks: 1,
      timeoutMs: 1000,
      topicData: [
        { name: 'orders', partitionData: [{ index: 0, records: valuesBatch(new Uint8Array([9, 9])) }] },
        { name: 'plain', partitionData: [{ index: 0, records: valuesBatch(new Uint8Array([9, 9])) }] },
        {
          name: 'orders2',
          partitionData: [
            { index: 0, records: valuesBatch(envelope(id, avroOrder(3, null))) },
            { index: 1, records: valuesBatch(envelope(person, jsonDocument({ name: 'p' }))) },
          ],
        },
      ],
    });
    expect(res.responses.map((t) => t.partitionResponses.map((p) => [p.errorCode, p.baseOffset]))).toEqual([
      [[ErrorCode.INVALID_RECORD, -1n]],
      [[ErrorCode.NONE, 0n]],
      [
        [ErrorCode.NONE, 0n],
        [ErrorCode.INVALID_RECORD, -1n],
      ],
    ]);
    expect(res.responses[2]!.partitionResponses[1]!.recordErrors).toEqual([
      { batchIndex: 0, batchIndexErrorMessage: expect.stringContaining('not registered under subject orders2-value') },
    ]);
    expect((await storedRecords(h, 'plain')).highWatermark).toBe(1n);
    expect((await storedRecords(h, 'orders2')).highWatermark).toBe(1n);
    expect((await storedRecords(h, 'orders')).highWatermark).toBe(0n);
  });

  it('lets null values (tombstones) and null keys through', async () => {
    const h = harness();
    await h.createTopic('users', 1, {
      'confluent.key.schema.validation': 'true',
      'confluent.value.schema.validation': 'true',
      'cleanup.policy': 'compact',
    });
    const keyId = await register(h.meta.schemas, 'users-key', 'JSON', PERSON_JSON);
    const valueId = await register(h.meta.schemas, 'users-value', 'AVRO', ORDER_AVRO);
    const key = envelope(keyId, jsonDocument({ name: 'k' }));
    const value = envelope(valueId, avroOrder(1, null));
    const ok = await produce(
      h,
      'users',
      batch([
        { key, value },
        { key, value: null },
      ]),
    );
    expect(ok).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });

    await h.createTopic('events', 1, VALUE_VALIDATION);
    await register(h.meta.schemas, 'events-value', 'AVRO', ORDER_AVRO);
    expect(
      await produce(
        h,
        'events',
        batch([
          { key: null, value },
          { key: null, value: null },
        ]),
      ),
    ).toMatchObject({
      errorCode: ErrorCode.NONE,
    });
    // With key validation on, a key must carry an envelope too.
    const refused = await produce(h, 'users', batch([{ key: new TextEncoder().encode('k'), value }]));
    expect(refused.recordErrors).toEqual([{ batchIndex: 0, batchIndexErrorMessage: 'key: unknown magic byte 107' }]);
  });

  it('derives subjects by RecordNameStrategy and TopicRecordNameStrategy', async () => {
    const h = harness();
    await h.createTopic('by-record', 1, {
      ...VALUE_VALIDATION,
      'confluent.value.subject.name.strategy': `${STRATEGY}RecordNameStrategy`,
    });
    await h.createTopic('by-topic-record', 1, {
      ...VALUE_VALIDATION,
      'confluent.value.subject.name.strategy': `${STRATEGY}TopicRecordNameStrategy`,
    });
    const id = await register(h.meta.schemas, 'com.acme.Order', 'AVRO', ORDER_AVRO);
    const value = envelope(id, avroOrder(1, null));
    expect((await produce(h, 'by-record', valuesBatch(value))).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(h, 'by-topic-record', valuesBatch(value))).recordErrors).toEqual([
      {
        batchIndex: 0,
        batchIndexErrorMessage: `value: schema id ${id} is not registered under subject by-topic-record-com.acme.Order`,
      },
    ]);
    await register(h.meta.schemas, 'by-topic-record-com.acme.Order', 'AVRO', ORDER_AVRO);
    expect((await produce(h, 'by-topic-record', valuesBatch(value))).errorCode).toBe(ErrorCode.NONE);
  });

  it('names a Protobuf record by the message its indexes select, nested or not the first', async () => {
    const h = harness();
    await h.createTopic('shapes', 1, {
      ...VALUE_VALIDATION,
      'confluent.value.subject.name.strategy': `${STRATEGY}RecordNameStrategy`,
    });
    const id = await register(h.meta.schemas, 'acme.shapes.Polygon.Vertex', 'PROTOBUF', SHAPES_PROTO);
    await register(h.meta.schemas, 'acme.shapes.Polygon', 'PROTOBUF', SHAPES_PROTO);
    const vertex = envelope(
      id,
      protobufMessage('acme.shapes.Polygon.Vertex', { label: 'v', x: 1 }),
      messageIndexes([1, 0]),
    );
    const polygon = envelope(id, protobufMessage('acme.shapes.Polygon', { sides: 5 }), messageIndexes([1]));
    const circle = envelope(id, protobufMessage('acme.shapes.Circle', { radius: 1 }), messageIndexes([0]));
    expect((await produce(h, 'shapes', valuesBatch(vertex, polygon))).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(h, 'shapes', valuesBatch(vertex, circle))).recordErrors).toEqual([
      {
        batchIndex: 1,
        batchIndexErrorMessage: `value: schema id ${id} is not registered under subject acme.shapes.Circle`,
      },
    ]);
  });

  it('validates compressed batches and stores them byte for byte as sent', async () => {
    for (const compression of [CompressionCodec.GZIP, CompressionCodec.ZSTD, CompressionCodec.LZ4]) {
      const { h, good } = await withOrders();
      const sent = batch([{ value: good }, { value: good }, { value: null }], compression);
      expect(await produce(h, 'orders', sent.slice()), `codec ${compression}`).toMatchObject({
        errorCode: ErrorCode.NONE,
      });
      expect((await storedRecords(h, 'orders')).records, `codec ${compression}`).toEqual(asStored(sent));

      const bad = await produce(h, 'orders', batch([{ value: good }, { value: new Uint8Array([5]) }], compression));
      expect(bad.recordErrors, `codec ${compression}`).toEqual([
        { batchIndex: 1, batchIndexErrorMessage: 'value: unknown magic byte 5' },
      ]);
    }
  });

  it('decodes payloads too in kafkaless.schema.validation.payload mode, for every schema type', async () => {
    const h = harness();
    const strict = { ...VALUE_VALIDATION, 'kafkaless.schema.validation.payload': 'true' };
    await h.createTopic('avro', 1, strict);
    await h.createTopic('proto', 1, strict);
    await h.createTopic('json', 1, strict);
    await h.createTopic('lenient', 1, VALUE_VALIDATION);
    const avro = await register(h.meta.schemas, 'avro-value', 'AVRO', ORDER_AVRO);
    const proto = await register(h.meta.schemas, 'proto-value', 'PROTOBUF', SHAPES_PROTO);
    const json = await register(h.meta.schemas, 'json-value', 'JSON', PERSON_JSON);
    await register(h.meta.schemas, 'lenient-value', 'AVRO', ORDER_AVRO);

    const cases: [string, Uint8Array, Uint8Array, RegExp][] = [
      ['avro', envelope(avro, avroOrder(4, 'x')), envelope(avro, new Uint8Array([8, 2])), /Avro data ends early/],
      [
        'proto',
        envelope(proto, protobufMessage('acme.shapes.Polygon', { sides: 3 }), messageIndexes([1])),
        envelope(proto, new Uint8Array([0x0a, 5, 1]), messageIndexes([1])),
        /invalid Protobuf data for acme\.shapes\.Polygon/,
      ],
      [
        'json',
        envelope(json, jsonDocument({ name: 'n' })),
        envelope(json, jsonDocument({ name: 3 })),
        /JSON does not conform: \/name must be string/,
      ],
    ];
    for (const [topic, good, bad, problem] of cases) {
      expect((await produce(h, topic, valuesBatch(good))).errorCode, topic).toBe(ErrorCode.NONE);
      const refused = await produce(h, topic, valuesBatch(good, bad));
      expect(refused.errorCode, topic).toBe(ErrorCode.INVALID_RECORD);
      expect(
        refused.recordErrors.map((e) => e.batchIndex),
        topic,
      ).toEqual([1]);
      expect(refused.recordErrors[0]!.batchIndexErrorMessage, topic).toMatch(problem);
      expect(refused.recordErrors[0]!.batchIndexErrorMessage, topic).toMatch(
        /^value: payload does not match schema id \d+: /,
      );
    }
    // Without the payload mode an envelope with a registered id is enough.
    const lenient = await h.meta.schemas.findSchema('AVRO', ORDER_AVRO, []);
    expect((await produce(h, 'lenient', valuesBatch(envelope(lenient!, new Uint8Array([8, 2]))))).errorCode).toBe(
      ErrorCode.NONE,
    );
  });

  it('answers a registry outage with a retriable error, logs it and stores nothing', async () => {
    const { h, good } = await withOrders();
    await h.createTopic('plain', 1);
    vi.spyOn(h.meta.schemas, 'usages').mockRejectedValue(new StorageUnavailableError('redis down'));
    const warn = vi.spyOn(h.env.log, 'warn');
    const res = await h.call(ApiKey.Produce, 11, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: 'orders', partitionData: [{ index: 0, records: valuesBatch(good) }] },
        { name: 'plain', partitionData: [{ index: 0, records: valuesBatch(good) }] },
      ],
    });
    expect(res.responses.map((t) => t.partitionResponses[0]!.errorCode)).toEqual([
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      ErrorCode.NONE,
    ]);
    expect(warn).toHaveBeenCalledWith('storage unavailable', {
      what: 'produce schema validation',
      error: 'redis down',
    });
    expect((await storedRecords(h, 'orders')).highWatermark).toBe(0n);
  });
});

describe('schema validation configs', () => {
  const badStrategy = 'com.example.MyStrategy';
  const message =
    `Invalid value ${badStrategy} for configuration confluent.value.subject.name.strategy: String must be one of: ` +
    `${STRATEGY}TopicNameStrategy, ${STRATEGY}RecordNameStrategy, ${STRATEGY}TopicRecordNameStrategy`;

  it('refuse an unknown subject name strategy in CreateTopics and AlterConfigs', async () => {
    const h = harness();
    const created = await h.call(ApiKey.CreateTopics, 7, {
      timeoutMs: 1000,
      topics: [
        {
          name: 't',
          numPartitions: 1,
          replicationFactor: 1,
          configs: [{ name: 'confluent.value.subject.name.strategy', value: badStrategy }],
        },
      ],
    });
    expect(created.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message });
    expect(await h.meta.topics.getTopic('t')).toBeNull();

    await h.createTopic('t', 1, VALUE_VALIDATION);
    const altered = await h.call(ApiKey.AlterConfigs, 2, {
      validateOnly: false,
      resources: [
        {
          resourceType: 2,
          resourceName: 't',
          configs: [{ name: 'confluent.value.subject.name.strategy', value: badStrategy }],
        },
      ],
    });
    expect(altered.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message });
    expect((await h.meta.topics.getTopic('t'))!.configs).toEqual(VALUE_VALIDATION);

    const accepted = await h.call(ApiKey.AlterConfigs, 2, {
      validateOnly: false,
      resources: [
        {
          resourceType: 2,
          resourceName: 't',
          configs: [
            { name: 'confluent.value.schema.validation', value: 'true' },
            { name: 'confluent.key.subject.name.strategy', value: `${STRATEGY}TopicRecordNameStrategy` },
            { name: 'kafkaless.schema.validation.payload', value: 'true' },
          ],
        },
      ],
    });
    expect(accepted.responses[0]!.errorCode).toBe(ErrorCode.NONE);
  });
});
