import { describe, expect, it } from 'vitest';
import { MODES, randomMessage } from '../../test/support/messages.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  requestHeaderVersion,
  responseHeaderVersion,
} from './frame.js';
import { ApiKey, apis } from './generated/api-keys.js';
import { ApiVersionsRequest, ApiVersionsResponse } from './generated/api-versions.js';
import { ConsumerProtocolSubscription } from './generated/consumer-protocol.js';
import { ErrorCode } from './generated/error-codes.js';
import { FetchRequest } from './generated/fetch.js';
import { allMessages } from './generated/index.js';
import { MetadataRequest } from './generated/metadata.js';
import { ProduceRequest } from './generated/produce.js';
import { DecodeError, EncodeError, Reader, uuidFromString, uuidToString, Writer } from './primitives.js';
import { valuesEqual } from './schema.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

describe('bytes derived by hand from the protocol guide', () => {
  it('ApiVersionsRequest v3: compact strings and an empty tagged-field section', () => {
    const b = ApiVersionsRequest.encode({ clientSoftwareName: 'a', clientSoftwareVersion: '1' }, 3);
    expect(hex(b)).toBe('0261' + '0231' + '00');
    expect(ApiVersionsRequest.decode(b, 3)).toEqual({ clientSoftwareName: 'a', clientSoftwareVersion: '1' });
  });

  it('ApiVersionsRequest v0 has an empty body; header v1 carries a nullable int16 client id', () => {
    const frame = encodeRequest(ApiKey.ApiVersions, 0, 7, 'c', {});
    expect(hex(frame)).toBe('0012' + '0000' + '00000007' + '0001' + '63');
    const nullClient = encodeRequest(ApiKey.ApiVersions, 0, 7, null, {});
    expect(hex(nullClient)).toBe('0012000000000007ffff');
  });

  it('request header v2 keeps the client id a non-compact string (flexibleVersions none)', () => {
    const frame = encodeRequest(ApiKey.ApiVersions, 3, 1, 'ab', {
      clientSoftwareName: 'x',
      clientSoftwareVersion: 'y',
    });
    expect(hex(frame)).toBe('0012' + '0003' + '00000001' + '0002' + '6162' + '00' + '0278' + '0279' + '00');
    const decoded = decodeRequest(frame);
    expect(decoded.header).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'ab' });
    expect(decoded.body).toEqual({ clientSoftwareName: 'x', clientSoftwareVersion: 'y' });
  });

  it('ApiVersionsResponse uses response header v0 even at flexible versions', () => {
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Metadata, 9)).toBe(1);
    expect(responseHeaderVersion(ApiKey.Metadata, 8)).toBe(0);
    expect(requestHeaderVersion(ApiKey.Metadata, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.Metadata, 8)).toBe(1);
    const frame = encodeResponse(ApiKey.ApiVersions, 3, 5, {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }],
      throttleTimeMs: 0,
    });
    // correlation id, error code, compact array of one (apiKey, min, max, tags), throttle, tags.
    expect(hex(frame)).toBe('00000005' + '0000' + '02' + '0000' + '0000' + '000b' + '00' + '00000000' + '00');
  });

  it('tagged fields are written in tag order only when not default', () => {
    const base = { errorCode: 0, apiKeys: [], throttleTimeMs: 0 };
    expect(hex(ApiVersionsResponse.encode(base, 3))).toBe('0000' + '01' + '00000000' + '00');
    const withTags = ApiVersionsResponse.encode({ ...base, zkMigrationReady: true, finalizedFeaturesEpoch: 5n }, 3);
    // Two tagged fields: tag 1 (epoch, 8 bytes) then tag 3 (bool, 1 byte).
    expect(hex(withTags)).toBe(
      '0000' + '01' + '00000000' + '02' + '01' + '08' + '0000000000000005' + '03' + '01' + '01',
    );
    const back = ApiVersionsResponse.decode(withTags, 3);
    expect(back.zkMigrationReady).toBe(true);
    expect(back.finalizedFeaturesEpoch).toBe(5n);
  });

  it('Produce v3 request: nullable transactional id, int32-sized records', () => {
    const records = bytes('0102030405');
    const b = ProduceRequest.encode(
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30000,
        topicData: [{ name: 't', partitionData: [{ index: 2, records }] }],
      },
      3,
    );
    expect(hex(b)).toBe(
      'ffff' + 'ffff' + '00007530' + '00000001' + '0001' + '74' + '00000001' + '00000002' + '00000005' + '0102030405',
    );
    const back = ProduceRequest.decode(b, 3);
    expect(back.topicData[0]!.partitionData[0]!.records).toEqual(records);
  });

  it('Produce v9 request: compact records length is N+1', () => {
    const b = ProduceRequest.encode(
      {
        transactionalId: 'tx',
        acks: 1,
        timeoutMs: 1,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }],
      },
      9,
    );
    expect(hex(b)).toBe(
      '03' + '7478' + '0001' + '00000001' + '02' + '02' + '74' + '02' + '00000000' + '00' + '00' + '00' + '00',
    );
  });

  it('ConsumerProtocolSubscription is never flexible', () => {
    const b = ConsumerProtocolSubscription.encode({ topics: ['a'], userData: null }, 0);
    expect(hex(b)).toBe('00000001' + '0001' + '61' + 'ffffffff');
  });
});

describe('version rules', () => {
  it('a non-default, non-ignorable field at a version without it is an encode error', () => {
    // FetchRequest.ReplicaId exists in 0-14 only and is not ignorable... it is written up to 14.
    // MetadataRequest.AllowAutoTopicCreation (4+) is not ignorable: false cannot be said at v3.
    expect(() => MetadataRequest.encode({ topics: [], allowAutoTopicCreation: false }, 3)).toThrow(EncodeError);
    expect(() => MetadataRequest.encode({ topics: [], allowAutoTopicCreation: true }, 3)).not.toThrow();
  });

  it('an ignorable field at a version without it is dropped silently', () => {
    const b = FetchRequest.encode({ maxWaitMs: 1, minBytes: 1, maxBytes: 5, topics: [] }, 2);
    const back = FetchRequest.decode(b, 2);
    expect(back.maxBytes).toBe(0x7fffffff);
  });

  it('fields absent at a version decode to their defaults', () => {
    const back = FetchRequest.decode(FetchRequest.encode({ topics: [] }, 0), 0);
    expect(back.replicaId).toBe(-1);
    expect(back.isolationLevel).toBe(0);
    expect(back.sessionEpoch).toBe(-1);
    expect(back.clusterId).toBeNull();
  });

  it('versions outside the valid range are refused', () => {
    expect(() => ProduceRequest.encode({}, 99)).toThrow(/outside/);
    expect(() => ProduceRequest.decode(new Uint8Array(0), -1)).toThrow(DecodeError);
  });
});

describe('hostile input', () => {
  it('an array length larger than the remaining bytes is an error, not an allocation', () => {
    const b = bytes('ffff' + '0001' + '00000001' + '7fffffff');
    const err = (() => {
      try {
        ProduceRequest.decode(b, 3);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).field).toBe('topicData');
    expect((err as Error).message).toMatch(/^ProduceRequest v3 at topicData: array of 2147483647/);
  });

  it('errors name the nested field', () => {
    const ok = ProduceRequest.encode(
      { acks: 1, topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }] },
      3,
    );
    const truncated = ok.subarray(0, ok.length - 2);
    expect(() => ProduceRequest.decode(truncated, 3)).toThrow(/topicData\[0\]\.partitionData\[0\]\.records/);
  });

  it('a null in a non-nullable field is an error', () => {
    expect(() => ApiVersionsRequest.decode(bytes('00' + '00' + '00'), 3)).toThrow(/non-nullable/);
  });

  it('trailing bytes after a message are an error', () => {
    expect(() => ApiVersionsRequest.decode(bytes('0261023100ff'), 3)).toThrow(/1 bytes follow/);
  });
});

describe('primitives', () => {
  it('uuid text is unpadded base64url of the 16 bytes, as Kafka prints it', () => {
    const raw = bytes('000102030405060708090a0b0c0d0e0f');
    expect(uuidToString(raw)).toBe(Buffer.from(raw).toString('base64url'));
    expect(uuidFromString(uuidToString(raw))).toEqual(raw);
    expect(() => uuidFromString('not a uuid')).toThrow();
  });

  it('varints agree with the zig-zag and LEB128 definitions', () => {
    const w = new Writer();
    const ints = [0, -1, 1, 63, -64, 64, 2147483647, -2147483648];
    for (const v of ints) w.varint(v);
    const longs = [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)];
    for (const v of longs) w.varlong(v);
    w.uvarint(300);
    const b = w.finish();
    expect(hex(b.subarray(0, 2))).toBe('0001');
    const r = new Reader(b);
    for (const v of ints) expect(r.varint()).toBe(v);
    for (const v of longs) expect(r.varlong()).toBe(v);
    expect(r.uvarint()).toBe(300);
    expect(hex(b.subarray(b.length - 2))).toBe('ac02');
  });

  it('the writer keeps large byte fields by reference and concatenates on demand', () => {
    const big = new Uint8Array(10_000).fill(7);
    const w = new Writer();
    w.int32(1);
    w.bytes(big);
    w.int8(2);
    const chunks = w.finishChunks();
    expect(chunks.length).toBe(3);
    expect(chunks[1]).toBe(big);
  });

  it('strings of any script round-trip with their UTF-8 length', () => {
    for (const s of ['', 'ascii', 'ünï', '𝄞', '中文', 'a\u0000b', '\ud800']) {
      const w = new Writer();
      const n = Writer.textLength(s);
      expect(n).toBe(new TextEncoder().encode(s).length);
      w.text(s, n);
      expect(new Reader(w.finish()).text(n)).toBe(new TextDecoder().decode(new TextEncoder().encode(s)));
    }
  });
});

describe('every message at every version', () => {
  it('round-trips random messages of each mode (decode(encode(m)) equals m)', () => {
    let checked = 0;
    for (const m of allMessages) {
      const [lo, hi] = m.schema.validVersions;
      for (let v = lo; v <= hi; v++) {
        for (const [i, mode] of MODES.entries()) {
          const msg = randomMessage(m.schema, v, mode, v * 31 + i);
          const encoded = m.encode(msg, v);
          const back = m.decode(encoded, v) as Record<string, unknown>;
          if (!valuesEqual(back, msg)) throw new Error(`${m.schema.name} v${v} ${mode} does not round-trip`);
          expect(hex(m.encode(back, v))).toBe(hex(encoded));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('the API table covers every broker API with request and response of the same versions', () => {
    expect(apis.size).toBeGreaterThan(60);
    for (const api of apis.values()) {
      expect(api.request.schema.apiKey).toBe(api.key);
      expect(api.response.schema.apiKey).toBe(api.key);
      expect(api.response.schema.validVersions).toEqual(api.request.schema.validVersions);
    }
    expect(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).toBe(3);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
  });

  it('decodes response frames after their header', () => {
    const frame = encodeResponse(ApiKey.Metadata, 12, 9, { brokers: [], topics: [], clusterId: 'c' });
    const { correlationId, body } = decodeResponse(ApiKey.Metadata, 12, frame);
    expect(correlationId).toBe(9);
    expect(body.clusterId).toBe('c');
  });
});
