import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest, readRequestHeader } from '../shared/protocol/frame.js';
import { ApiKey, apis } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { concat } from '../shared/protocol/primitives.js';
import {
  type FieldSchema,
  inRange,
  type Message,
  type StructSchema,
  type VersionRange,
} from '../shared/protocol/schema.js';
import { MODES, randomMessage } from '../test/support/messages.js';
import {
  type ArrayMirror,
  elementStruct,
  errorResponse,
  failureCode,
  fieldOf,
  isErrorCodeField,
  MIRRORS,
  SELF,
  type Shape,
} from './error-response.js';

type Obj = Record<string, unknown>;

function respond(apiKey: ApiKey, version: number, body: unknown, code = -1): { frame: Uint8Array; request: Obj } {
  const frame = encodeRequest(apiKey, version, 4242, 'test', body as never);
  const { header, bodyOffset } = readRequestHeader(frame);
  const chunks = errorResponse(header, frame, bodyOffset, code, 'kafkaless: function unavailable');
  if (chunks === undefined) throw new Error('no error response');
  return { frame: concat(chunks), request: body as Obj };
}

const overlaps = (a: VersionRange, b: VersionRange): boolean => a[0] <= b[1] && b[0] <= a[1];

/** Every field a mirror names exists where it says, at versions where it applies. */
function checkShape(
  path: string,
  shape: Shape,
  request: StructSchema | undefined,
  response: StructSchema,
  versions: VersionRange,
): void {
  const field = (s: StructSchema | undefined, name: string, side: string): FieldSchema => {
    const f = s && fieldOf(s, name);
    if (f === undefined) throw new Error(`${path}: no ${side} field ${name}`);
    expect(overlaps(f.versions, versions), `${path}.${name} versions`).toBe(true);
    return f;
  };
  for (const [from, to] of shape.copy ?? []) {
    if (from !== SELF) field(request, from, 'request');
    else expect(request, `${path}: SELF copies from arrays of scalars`).toBeUndefined();
    field(response, to, 'response');
  }
  for (const name of Object.keys(shape.set ?? {})) field(response, name, 'response');
  for (const m of shape.arrays ?? []) {
    const range = m.versions ?? versions;
    const from = field(request, m.from, 'request');
    const to = field(response, m.to, 'response');
    expect(typeof from.type === 'object' && 'array' in from.type, `${path}.${m.from} is an array`).toBe(true);
    const element = elementStruct(to);
    if (element === undefined) throw new Error(`${path}.${m.to} is not an array of structs`);
    checkShape(`${path}.${m.to}`, m, elementStruct(from), element, range);
  }
}

/** Every error code field in a decoded response, with its path. */
function errorCodes(s: StructSchema, value: Obj, version: number, path = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const f of s.fields) {
    if (!inRange(version, f.versions)) continue;
    const v = value[f.name];
    if (isErrorCodeField(f)) out.push([`${path}${f.name}`, v]);
    const element = elementStruct(f);
    if (element && Array.isArray(v)) {
      v.forEach((e, i) => {
        out.push(...errorCodes(element, e as Obj, version, `${path}${f.name}[${i}].`));
      });
    } else if (typeof f.type === 'object' && 'fields' in f.type && v !== null && typeof v === 'object') {
      out.push(...errorCodes(f.type, v as Obj, version, `${path}${f.name}.`));
    }
  }
  return out;
}

/** Response elements each array mirror should have produced, from the request. */
function mirrorCounts(shape: Shape, request: Obj, response: Obj, version: number, path: string): void {
  const expected = new Map<string, number>();
  for (const m of shape.arrays ?? []) {
    if (m.versions !== undefined && !inRange(version, m.versions)) continue;
    const from = request[m.from];
    expected.set(m.to, (expected.get(m.to) ?? 0) + (Array.isArray(from) ? from.length : 0));
  }
  for (const [to, n] of expected) {
    const got = response[to];
    expect(Array.isArray(got) ? got.length : 0, `${path}${to}`).toBe(n);
  }
  // One level down, where each mirror's elements line up with the request's.
  for (const m of shape.arrays ?? []) {
    if (
      (m.versions !== undefined && !inRange(version, m.versions)) ||
      (shape.arrays ?? []).filter((x) => x.to === m.to).length > 1
    )
      continue;
    const from = request[m.from];
    const got = response[m.to];
    if (!Array.isArray(from) || !Array.isArray(got)) continue;
    from.forEach((e, i) => {
      if (e !== null && typeof e === 'object')
        mirrorCounts(m as ArrayMirror, e as Obj, got[i] as Obj, version, `${path}${m.to}[${i}].`);
    });
  }
}

describe('error responses', () => {
  it('mirror only fields that exist in the schemas', () => {
    for (const [key, shape] of MIRRORS) {
      const api = apis.get(key as ApiKey)!;
      checkShape(api.name, shape, api.request.schema, api.response.schema, api.validVersions);
    }
  });

  for (const api of apis.values()) {
    it(`encode for ${api.name} at every version, with the code in every error field and the request mirrored`, () => {
      const request = api.request as Message<unknown>;
      const code = ErrorCode.UNKNOWN_SERVER_ERROR;
      for (let version = api.validVersions[0]; version <= api.validVersions[1]; version++) {
        for (const mode of MODES) {
          for (let seed = 1; seed <= 3; seed++) {
            const body = randomMessage(request.schema, version, mode, seed);
            const { frame } = respond(api.key, version, body, code);
            const decoded = decodeResponse(api.key, version, frame);
            const response = decoded.body as unknown as Obj;
            expect(decoded.correlationId).toBe(4242);
            const where = `${api.name} v${version} ${mode} ${seed}`;
            for (const [path, value] of errorCodes(api.response.schema, response, version)) {
              expect(value, `${where}: ${path}`).toBe(code);
            }
            mirrorCounts(MIRRORS.get(api.key) ?? {}, body, response, version, `${where}: `);
          }
        }
      }
    });
  }

  it('give every partition of a Produce request the error', () => {
    const body = {
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: 'a', partitionData: [0, 1, 2].map((index) => ({ index, records: null })) },
        { name: 'b', partitionData: [{ index: 7, records: null }] },
      ],
    };
    const { frame } = respond(ApiKey.Produce, 9, body, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const { body: r } = decodeResponse(ApiKey.Produce, 9, frame);
    expect(
      r.responses.map((t) => [t.name, t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])]),
    ).toEqual([
      [
        'a',
        [
          [0, 6, -1n],
          [1, 6, -1n],
          [2, 6, -1n],
        ],
      ],
      ['b', [[7, 6, -1n]]],
    ]);
  });

  it('give a Fetch the top-level error, and every partition up to v12', () => {
    const body = (version: number) => ({
      maxWaitMs: 500,
      sessionId: 12,
      sessionEpoch: 3,
      topics: [
        {
          topic: version < 13 ? 't' : '',
          topicId: version >= 13 ? 'AAECAwQFBgcICQoLDA0ODw' : 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: [
            { partition: 0, fetchOffset: 5n, partitionMaxBytes: 1000 },
            { partition: 3, fetchOffset: 0n, partitionMaxBytes: 1000 },
          ],
        },
      ],
    });
    const v12 = decodeResponse(ApiKey.Fetch, 12, respond(ApiKey.Fetch, 12, body(12), 6).frame).body;
    expect(v12.errorCode).toBe(6);
    expect(v12.sessionId).toBe(12);
    expect(v12.responses[0]!.topic).toBe('t');
    expect(v12.responses[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.highWatermark])).toEqual([
      [0, 6, -1n],
      [3, 6, -1n],
    ]);
    const v16 = decodeResponse(ApiKey.Fetch, 16, respond(ApiKey.Fetch, 16, body(16), 6).frame).body;
    expect(v16.errorCode).toBe(6);
    expect(v16.responses).toEqual([]);
  });

  it("list a Metadata request's topics with the error and no brokers", () => {
    const { body } = decodeResponse(
      ApiKey.Metadata,
      12,
      respond(ApiKey.Metadata, 12, { topics: [{ name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }, 5).frame,
    );
    expect(body.brokers).toEqual([]);
    expect(body.topics.map((t) => [t.name, t.errorCode, t.partitions])).toEqual([['orders', 5, []]]);
  });

  it('answer FindCoordinator per key from v4 and at the top level before', () => {
    const v4 = decodeResponse(
      ApiKey.FindCoordinator,
      4,
      respond(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] }, 15).frame,
    ).body;
    expect(v4.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port])).toEqual([
      ['g1', 15, -1, -1],
      ['g2', 15, -1, -1],
    ]);
    const v3 = decodeResponse(
      ApiKey.FindCoordinator,
      3,
      respond(ApiKey.FindCoordinator, 3, { key: 'g1' }, 15).frame,
    ).body;
    expect([v3.errorCode, v3.nodeId, v3.errorMessage]).toEqual([15, -1, 'kafkaless: function unavailable']);
  });

  it('answer ApiVersions at its version, or v0 for a version the codec does not know', () => {
    const known = decodeResponse(ApiKey.ApiVersions, 3, respond(ApiKey.ApiVersions, 3, {}, -1).frame).body;
    expect([known.errorCode, known.apiKeys]).toEqual([-1, []]);
    // A v9 request from a future client: header v2, a body we cannot read.
    const future = new Uint8Array([0, 18, 0, 9, 0, 0, 0, 5, 0, 1, 120, 0, 3, 97, 98, 0]);
    const { header, bodyOffset } = readRequestHeader(future);
    const answer = concat(errorResponse(header, future, bodyOffset, -1, 'x')!);
    expect(decodeResponse(ApiKey.ApiVersions, 0, answer)).toEqual({
      correlationId: 5,
      body: {
        errorCode: -1,
        apiKeys: [],
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1n,
        finalizedFeatures: [],
        zkMigrationReady: false,
      },
    });
  });

  it('have none for a version the codec does not know, or a body that does not decode', () => {
    const produce = encodeRequest(ApiKey.Produce, 9, 1, null, { acks: 1, timeoutMs: 1, topicData: [] });
    const future = produce.slice();
    future[3] = 99;
    const h = readRequestHeader(future);
    expect(errorResponse(h.header, future, h.bodyOffset, -1, 'x')).toBeUndefined();
    const cut = produce.subarray(0, produce.length - 1);
    const c = readRequestHeader(cut);
    expect(errorResponse(c.header, cut, c.bodyOffset, -1, 'x')).toBeUndefined();
  });
});

describe('failure codes', () => {
  it('are retriable where clients retry, per API', () => {
    expect(failureCode(ApiKey.Produce, 'unavailable')).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(failureCode(ApiKey.Produce, 'timeout')).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(failureCode(ApiKey.Fetch, 'timeout')).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(failureCode(ApiKey.JoinGroup, 'timeout')).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(failureCode(ApiKey.OffsetCommit, 'unavailable')).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(failureCode(ApiKey.Metadata, 'unavailable')).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
    expect(failureCode(ApiKey.ApiVersions, 'timeout')).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(failureCode(ApiKey.CreateTopics, 'unavailable')).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(failureCode(ApiKey.CreateTopics, 'timeout')).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(failureCode(ApiKey.SaslAuthenticate, 'unavailable')).toBe('close');
  });
});
