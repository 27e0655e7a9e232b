/**
 * The oracle itself: Kafka's Java classes answer over one JVM, with bytes we can derive by hand
 * from Kafka's protocol guide, and they survive bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildRecordsRequest, Oracle, OracleError } from './oracle.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));

let oracle: Oracle;

beforeAll(async () => {
  oracle = await Oracle.start();
});

afterAll(async () => {
  await oracle?.close();
});

describe('messages', () => {
  it('lists every API of kafka-clients 3.9 with its versions, plus headers and data messages', async () => {
    const { kafkaVersion, messages, apis } = await oracle.messages();
    expect(kafkaVersion).toMatch(/^3\.9\./);
    const byName = new Map(messages.map((m) => [m.name, m]));

    const produce = byName.get('ProduceRequest');
    expect(produce).toMatchObject({ kind: 'request', apiKey: 0 });
    expect(produce!.lowestSupportedVersion).toBeLessThanOrEqual(3);
    expect(produce!.highestSupportedVersion).toBeGreaterThanOrEqual(11);
    expect(produce!.flexibleVersions).toContain(9);
    expect(produce!.flexibleVersions).not.toContain(8);

    expect(byName.get('FetchResponse')).toMatchObject({ kind: 'response', apiKey: 1 });
    expect(byName.get('ApiVersionsRequest')).toMatchObject({ kind: 'request', apiKey: 18 });
    expect(byName.get('RequestHeader')).toMatchObject({ kind: 'header', apiKey: null, highestSupportedVersion: 2 });
    expect(byName.get('ResponseHeader')).toMatchObject({ kind: 'header', highestSupportedVersion: 1 });
    for (const name of ['ConsumerProtocolSubscription', 'ConsumerProtocolAssignment', 'DefaultPrincipalData']) {
      expect(byName.get(name)).toMatchObject({ kind: 'data', apiKey: null });
    }
    // Every API has both halves.
    for (const api of apis) {
      expect(byName.get(`${api.name}Request`)?.apiKey).toBe(api.apiKey);
      expect(byName.get(`${api.name}Response`)?.apiKey).toBe(api.apiKey);
    }
    // ApiVersions answers with header v0 at every version, so old clients can parse it.
    const apiVersions = apis.find((a) => a.apiKey === 18)!;
    expect(apiVersions.headerVersions.every((h) => h.responseHeaderVersion === 0)).toBe(true);
  });
});

describe('encode and decode', () => {
  it('writes ApiVersionsRequest v3 as compact strings and an empty tag section', async () => {
    const json = { clientSoftwareName: 'a', clientSoftwareVersion: '1' };
    // compact string = uvarint(length + 1) then UTF-8; flexible versions end each struct with uvarint(tag count).
    const expected = bytes(0x02, 0x61, 0x02, 0x31, 0x00);
    expect(await oracle.encode('ApiVersionsRequest', 3, json)).toEqual(expected);
    expect(await oracle.decode('ApiVersionsRequest', 3, expected)).toEqual({
      json,
      remaining: 0,
      unknownTaggedFields: [],
    });
  });

  it('keeps the client id of RequestHeader v2 a non-compact nullable string', async () => {
    const json = { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'a' };
    const v1 = [0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x61];
    expect(await oracle.encode('RequestHeader', 1, json)).toEqual(bytes(...v1));
    expect(await oracle.encode('RequestHeader', 2, json)).toEqual(bytes(...v1, 0x00));
    expect((await oracle.decode('RequestHeader', 2, bytes(...v1, 0x00))).json).toEqual(json);
  });

  it('carries int64 beyond 2^53 exactly: bigint digits in, decimal string out', async () => {
    const epoch = 2n ** 53n + 1n;
    const json = { errorCode: 0, apiKeys: [], throttleTimeMs: 0, finalizedFeaturesEpoch: epoch };
    // errorCode, apiKeys (uvarint 0+1), throttleTimeMs, then one tagged field: tag 1, size 8, int64.
    const expected = bytes(0, 0, 1, 0, 0, 0, 0, 1, 1, 8, 0x00, 0x20, 0, 0, 0, 0, 0, 0x01);
    expect(await oracle.encode('ApiVersionsResponse', 3, json)).toEqual(expected);
    const decoded = await oracle.decode('ApiVersionsResponse', 3, expected);
    expect(decoded.json.finalizedFeaturesEpoch).toBe(epoch.toString());
    // Tagged fields left at their default are omitted from the converter's JSON.
    expect(decoded.json).not.toHaveProperty('supportedFeatures');
    // int64 as a decimal string is accepted on the way in as well.
    expect(
      await oracle.encode('ApiVersionsResponse', 3, { ...json, finalizedFeaturesEpoch: epoch.toString() }),
    ).toEqual(expected);
  });

  it('accepts a float64 written without a fraction, as JSON.stringify writes 1.0', async () => {
    const json = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      entries: [{ entity: [{ entityType: 'user', entityName: null }], values: [{ key: 'k', value: 1 }] }],
    };
    const expected = bytes(
      ...[0, 0, 0, 0, 0, 0, 0xff, 0xff],
      ...[0, 0, 0, 1, 0, 0, 0, 1, 0, 4, 0x75, 0x73, 0x65, 0x72, 0xff, 0xff],
      ...[0, 0, 0, 1, 0, 1, 0x6b, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
    );
    expect(await oracle.encode('DescribeClientQuotasResponse', 0, json)).toEqual(expected);
    expect((await oracle.decode('DescribeClientQuotasResponse', 0, expected)).json).toEqual(json);
  });

  it('writes and reports unknown tagged fields', async () => {
    const json = { clientSoftwareName: 'a', clientSoftwareVersion: '1' };
    const unknown = [{ path: '', tag: 5, data: Buffer.from([1, 2]).toString('base64') }];
    const expected = bytes(0x02, 0x61, 0x02, 0x31, 0x01, 0x05, 0x02, 0x01, 0x02);
    expect(await oracle.encode('ApiVersionsRequest', 3, json, unknown)).toEqual(expected);
    expect((await oracle.decode('ApiVersionsRequest', 3, expected)).unknownTaggedFields).toEqual(unknown);
  });

  it('puts the real records bytes in the decoded JSON', async () => {
    const records = await oracle.buildRecords({ records: [{ timestamp: 5n, value: utf8('hi') }] });
    const json = {
      acks: -1,
      timeoutMs: 1000,
      transactionalId: null,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    };
    const encoded = await oracle.encode('ProduceRequest', 9, json);
    const decoded = await oracle.decode('ProduceRequest', 9, encoded);
    expect(decoded.json).toEqual({
      ...json,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from(records).toString('base64') }] }],
    });
  });

  it('reports bytes the reader left over', async () => {
    expect((await oracle.decode('ApiVersionsRequest', 3, bytes(0x02, 0x61, 0x02, 0x31, 0x00, 0x99))).remaining).toBe(1);
  });

  it('refuses a field the version cannot carry with UnsupportedVersionException', async () => {
    const json = { transactionalId: 'tx', acks: 1, timeoutMs: 1000, topicData: [] };
    const failure = oracle.encode('ProduceRequest', 2, json);
    await expect(failure).rejects.toBeInstanceOf(OracleError);
    await expect(failure).rejects.toMatchObject({
      errorClass: 'org.apache.kafka.common.errors.UnsupportedVersionException',
    });
  });

  it('answers pipelined requests in order', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `client-${i}`);
    const encoded = await Promise.all(
      names.map((name) =>
        oracle.encode('ApiVersionsRequest', 3, { clientSoftwareName: name, clientSoftwareVersion: '1' }),
      ),
    );
    encoded.forEach((b, i) => {
      expect(Buffer.from(b.subarray(1, 1 + names[i]!.length)).toString()).toBe(names[i]);
    });
  });
});

describe('records', () => {
  const sample = [
    {
      timestamp: 1_700_000_000_000n,
      key: utf8('k0'),
      value: utf8('v0'),
      headers: [{ key: 'h', value: utf8('x') }],
    },
    { timestamp: 1_700_000_000_001n, key: null, value: utf8('v1'), headers: [{ key: 'n', value: null }] },
    { timestamp: 1_700_000_000_002n, key: utf8('k2'), value: null, headers: [] },
  ];

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'round-trips a v2 batch compressed with %s',
    async (compression) => {
      const producerId = 2n ** 62n + 1n;
      const built = await oracle.buildRecords({
        magic: 2,
        compression,
        baseOffset: 100n,
        producerId,
        producerEpoch: 3,
        baseSequence: 7,
        partitionLeaderEpoch: 4,
        records: sample,
      });
      const { batches, trailingBytes } = await oracle.readRecords(built);
      expect(trailingBytes).toBe(0);
      expect(batches).toHaveLength(1);
      const batch = batches[0]!;
      expect(batch).toMatchObject({
        magic: 2,
        compression,
        valid: true,
        validError: null,
        baseOffset: '100',
        lastOffset: '102',
        lastOffsetDelta: 2,
        count: 3,
        producerId: producerId.toString(),
        producerEpoch: 3,
        baseSequence: 7,
        lastSequence: 9,
        partitionLeaderEpoch: 4,
        timestampType: 'CreateTime',
        baseTimestamp: '1700000000000',
        maxTimestamp: '1700000000002',
        isTransactional: false,
        isControl: false,
        sizeInBytes: built.length,
      });
      expect(batch.attributes & 0x07).toBe(['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression));
      expect(batch.records).toEqual(
        sample.map((r, i) =>
          expect.objectContaining({
            offset: String(100 + i),
            timestamp: r.timestamp.toString(),
            sequence: 7 + i,
            key: r.key && Buffer.from(r.key).toString('base64'),
            value: r.value && Buffer.from(r.value).toString('base64'),
            headers: r.headers.map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value).toString('base64') })),
          }),
        ),
      );
    },
  );

  const legacy = sample.map(({ timestamp, key, value }) => ({ timestamp, key, value }));

  it.each([
    [0, 'none'],
    [0, 'gzip'],
    [0, 'snappy'],
    [0, 'lz4'],
    [1, 'none'],
    [1, 'gzip'],
    [1, 'snappy'],
    [1, 'lz4'],
  ] as const)('round-trips a magic %i message set compressed with %s', async (magic, compression) => {
    const built = await oracle.buildRecords({ magic, compression, baseOffset: 10n, records: legacy });
    const { batches, trailingBytes } = await oracle.readRecords(built);
    expect(trailingBytes).toBe(0);
    // Uncompressed legacy sets are one "batch" per message; compressed ones wrap all of them.
    expect(batches).toHaveLength(compression === 'none' ? legacy.length : 1);
    const records = batches.flatMap((b) => {
      expect(b).toMatchObject({ magic, compression, valid: true, attributes: expect.any(Number) });
      return b.records ?? [];
    });
    expect(records.map((r) => [r.offset, r.timestamp, r.key, r.value])).toEqual(
      legacy.map((r, i) => [
        String(10 + i),
        magic === 0 ? '-1' : r.timestamp.toString(),
        r.key && Buffer.from(r.key).toString('base64'),
        r.value && Buffer.from(r.value).toString('base64'),
      ]),
    );
  });

  it('refuses zstd before magic 2', async () => {
    await expect(oracle.buildRecords({ magic: 1, compression: 'zstd', records: legacy })).rejects.toThrow(/ZStandard/);
  });

  it('builds and reads a transaction commit marker', async () => {
    const request: BuildRecordsRequest = {
      baseOffset: 5n,
      producerId: 42n,
      producerEpoch: 1,
      transactional: true,
      control: { type: 'COMMIT', coordinatorEpoch: 9, timestamp: 123n },
    };
    const { batches } = await oracle.readRecords(await oracle.buildRecords(request));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ isControl: true, isTransactional: true, producerId: '42', valid: true });
    expect(batches[0]!.records).toEqual([
      expect.objectContaining({ offset: '5', timestamp: '123', control: { type: 'COMMIT', coordinatorEpoch: 9 } }),
    ]);
  });

  it('stamps LogAppendTime batches with the given append time', async () => {
    const built = await oracle.buildRecords({
      timestampType: 'LogAppendTime',
      logAppendTime: 1_800_000_000_000n,
      records: [{ timestamp: 1n, value: utf8('x') }],
    });
    const [batch] = (await oracle.readRecords(built)).batches;
    expect(batch).toMatchObject({ timestampType: 'LogAppendTime', maxTimestamp: '1800000000000' });
    expect(batch!.records![0]!.timestamp).toBe('1800000000000');
  });

  it('flags a batch whose CRC does not match', async () => {
    const built = await oracle.buildRecords({ records: [{ timestamp: 1n, value: utf8('x') }] });
    built[built.length - 1]! ^= 0xff;
    const [batch] = (await oracle.readRecords(built)).batches;
    expect(batch!.valid).toBe(false);
    expect(batch!.validError).toMatch(/CorruptRecordException/);
  });
});

describe('bad input', () => {
  it('answers a malformed line with ok:false and keeps serving', async () => {
    for (const line of ['not json', '{"op":"encode"', '[]', '{"op":"nope"}', '{"id":"x","op":"decode"}']) {
      const response = await oracle.callRaw(line);
      expect(response.ok).toBe(false);
    }
    const unknown = await oracle.call({ op: 'decode', message: 'NoSuchRequest', version: 0, bytes: '' });
    expect(unknown).toMatchObject({ ok: false, error: expect.stringMatching(/unknown message/) });
    const truncated = await oracle.call({
      op: 'decode',
      message: 'ApiVersionsRequest',
      version: 3,
      bytes: b64('\x02a'),
    });
    expect(truncated.ok).toBe(false);
    const outOfRange = await oracle.call({ op: 'encode', message: 'ApiVersionsRequest', version: 99, json: {} });
    expect(outOfRange.ok).toBe(false);
    expect(await oracle.call({ op: 'ping' })).toMatchObject({ ok: true });
  });
});
