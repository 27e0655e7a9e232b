/**
 * What the proxy answers when a function fails, times out or cannot be
 * reached: a well-formed response for the request's API and version that
 * carries an error code everywhere Kafka would put one, so the client never
 * waits and retries the way it would against a broker in trouble.
 *
 * Responses are built from the schemas: every `errorCode` field of the top
 * level and of each element mirrored from the request gets the code, and
 * `errorMessage` fields say why. Which request arrays become which response
 * arrays (a Produce request's partitions become the response's partitions) is
 * data in {@link MIRRORS}, checked against the schemas by the tests. Only this
 * failure path decodes request bodies.
 */

import { API_VERSIONS_KEY, encodeResponseChunks, type RequestHeaderFields } from '../shared/protocol/frame.js';
import { ApiKey, apis } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { DecodeError } from '../shared/protocol/primitives.js';
import {
  defaultStruct,
  type FieldSchema,
  type FieldType,
  inRange,
  type StructSchema,
  type VersionRange,
} from '../shared/protocol/schema.js';

/** `unavailable`: the function could not be reached or answered with a failure; `timeout`: it did not answer in time. */
export type FailureKind = 'unavailable' | 'timeout';

interface Codes {
  readonly unavailable: number;
  readonly timeout: number;
}

/**
 * Partition data APIs (sent to a partition's leader): NOT_LEADER_OR_FOLLOWER.
 * Every client treats it as "refresh metadata and retry", the right reaction
 * to a function that is down for a moment; idempotent producers deduplicate
 * the retried batches by sequence. UNKNOWN_SERVER_ERROR would fail a Java
 * producer's batch outright, and REQUEST_TIMED_OUT in a Fetch partition makes
 * the Java consumer throw IllegalStateException, so Fetch uses
 * NOT_LEADER_OR_FOLLOWER for timeouts too.
 */
const PARTITION_DATA: Codes = {
  unavailable: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  timeout: ErrorCode.NOT_LEADER_OR_FOLLOWER,
};

/**
 * Produce timing out is what Kafka answers REQUEST_TIMED_OUT for: the batch
 * may or may not be stored, and the producer retries (librdkafka marks it
 * possibly persisted).
 */
const PRODUCE: Codes = { unavailable: ErrorCode.NOT_LEADER_OR_FOLLOWER, timeout: ErrorCode.REQUEST_TIMED_OUT };

/**
 * Group and transaction coordinator APIs: COORDINATOR_NOT_AVAILABLE, on which
 * clients mark the coordinator unknown, find it again and retry. Timeouts get
 * it too: the Java consumer's JoinGroup and SyncGroup handlers treat
 * REQUEST_TIMED_OUT as an unexpected, fatal error.
 */
const COORDINATOR: Codes = {
  unavailable: ErrorCode.COORDINATOR_NOT_AVAILABLE,
  timeout: ErrorCode.COORDINATOR_NOT_AVAILABLE,
};

/**
 * Metadata: the error answer lists no brokers, which the Java client takes as
 * a failed update and retries; its topics carry LEADER_NOT_AVAILABLE, which
 * every client treats as transient (a broker answers it while a leader is
 * being elected), so none caches an error for the topic.
 */
const METADATA: Codes = {
  unavailable: ErrorCode.LEADER_NOT_AVAILABLE,
  timeout: ErrorCode.LEADER_NOT_AVAILABLE,
};

/**
 * ApiVersions: any error but UNSUPPORTED_VERSION makes clients drop the
 * connection and reconnect later, which is what should happen.
 */
const API_VERSIONS: Codes = {
  unavailable: ErrorCode.UNKNOWN_SERVER_ERROR,
  timeout: ErrorCode.UNKNOWN_SERVER_ERROR,
};

/**
 * Everything else (administration, cluster and telemetry APIs): the failure
 * as it is. Admin clients retry REQUEST_TIMED_OUT until their own timeout and
 * report UNKNOWN_SERVER_ERROR to the caller.
 */
const OTHER: Codes = { unavailable: ErrorCode.UNKNOWN_SERVER_ERROR, timeout: ErrorCode.REQUEST_TIMED_OUT };

/**
 * SASL: any error code is an authentication failure, fatal to Java clients;
 * a connection dropped during authentication is retried. So close.
 */
const CLOSE = 'close';

const POLICY: ReadonlyMap<number, Codes | typeof CLOSE> = new Map<number, Codes | typeof CLOSE>([
  [ApiKey.Produce, PRODUCE],
  [ApiKey.Fetch, PARTITION_DATA],
  [ApiKey.ListOffsets, PARTITION_DATA],
  [ApiKey.OffsetForLeaderEpoch, PARTITION_DATA],
  [ApiKey.DeleteRecords, PARTITION_DATA],
  [ApiKey.DescribeProducers, PARTITION_DATA],
  [ApiKey.WriteTxnMarkers, PARTITION_DATA],
  [ApiKey.ShareFetch, PARTITION_DATA],
  [ApiKey.ShareAcknowledge, PARTITION_DATA],
  [ApiKey.Metadata, METADATA],
  [ApiKey.ApiVersions, API_VERSIONS],
  [ApiKey.SaslHandshake, CLOSE],
  [ApiKey.SaslAuthenticate, CLOSE],
  ...(
    [
      ApiKey.OffsetCommit,
      ApiKey.OffsetFetch,
      ApiKey.FindCoordinator,
      ApiKey.JoinGroup,
      ApiKey.Heartbeat,
      ApiKey.LeaveGroup,
      ApiKey.SyncGroup,
      ApiKey.DescribeGroups,
      ApiKey.ListGroups,
      ApiKey.DeleteGroups,
      ApiKey.OffsetDelete,
      ApiKey.InitProducerId,
      ApiKey.AddPartitionsToTxn,
      ApiKey.AddOffsetsToTxn,
      ApiKey.EndTxn,
      ApiKey.TxnOffsetCommit,
      ApiKey.DescribeTransactions,
      ApiKey.ListTransactions,
      ApiKey.ConsumerGroupHeartbeat,
      ApiKey.ConsumerGroupDescribe,
      ApiKey.ShareGroupHeartbeat,
      ApiKey.ShareGroupDescribe,
      ApiKey.InitializeShareGroupState,
      ApiKey.ReadShareGroupState,
      ApiKey.WriteShareGroupState,
      ApiKey.DeleteShareGroupState,
      ApiKey.ReadShareGroupStateSummary,
    ] as const
  ).map((k): [number, Codes] => [k, COORDINATOR]),
]);

/** The error code to answer a failed invocation of `apiKey` with, or `close` to close the connection instead. */
export function failureCode(apiKey: number, kind: FailureKind): number | typeof CLOSE {
  const policy = POLICY.get(apiKey) ?? OTHER;
  return policy === CLOSE ? CLOSE : policy[kind];
}

// ---------------------------------------------------------------------------
// Mirroring the request into the error response.

/** In {@link Shape.copy}, the request element itself (for arrays of strings or integers). */
export const SELF = '';

/** How one level of the error response is filled from the request. */
export interface Shape {
  /** Request field (or {@link SELF}) → response field, copied as is: the identifiers of what failed. */
  readonly copy?: readonly (readonly [from: string, to: string])[];
  /** Response fields whose value on error differs from the schema default, as Kafka's own error responses set them. */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Request arrays that become response arrays, one element per request element. */
  readonly arrays?: readonly ArrayMirror[];
}

export interface ArrayMirror extends Shape {
  readonly from: string;
  readonly to: string;
  /** Versions the mirror applies to; all when absent. */
  readonly versions?: VersionRange;
}

const NO_OFFSET = -1n;
const EMPTY_RECORDS = new Uint8Array(0);

const topicPartitions = (
  topicKey: string,
  partitionsFrom: string,
  partitionsTo: string,
  partitionKey: readonly [string, string],
  set?: Readonly<Record<string, unknown>>,
  topicsTo = 'topics',
  topicsFrom = 'topics',
): ArrayMirror => ({
  from: topicsFrom,
  to: topicsTo,
  copy: [[topicKey, topicKey]],
  arrays: [{ from: partitionsFrom, to: partitionsTo, copy: [partitionKey], ...(set ? { set } : {}) }],
});

/**
 * Per API: which request arrays the error response mirrors. APIs absent here
 * answer with their top-level error code alone, as Kafka does for them.
 */
export const MIRRORS: ReadonlyMap<number, Shape> = new Map<number, Shape>([
  [
    ApiKey.Produce,
    {
      arrays: [
        topicPartitions(
          'name',
          'partitionData',
          'partitionResponses',
          ['index', 'index'],
          { baseOffset: NO_OFFSET },
          'responses',
          'topicData',
        ),
      ],
    },
  ],
  [
    ApiKey.Fetch,
    {
      copy: [['sessionId', 'sessionId']],
      // From v13 Kafka answers with the top-level error alone; clients read it first.
      arrays: [
        {
          from: 'topics',
          to: 'responses',
          versions: [0, 12],
          copy: [['topic', 'topic']],
          arrays: [
            {
              from: 'partitions',
              to: 'partitions',
              copy: [['partition', 'partitionIndex']],
              set: { highWatermark: NO_OFFSET, records: EMPTY_RECORDS },
            },
          ],
        },
      ],
    },
  ],
  [
    ApiKey.ListOffsets,
    { arrays: [topicPartitions('name', 'partitions', 'partitions', ['partitionIndex', 'partitionIndex'])] },
  ],
  [
    ApiKey.Metadata,
    {
      arrays: [
        {
          from: 'topics',
          to: 'topics',
          copy: [
            ['name', 'name'],
            ['topicId', 'topicId'],
          ],
        },
      ],
    },
  ],
  [
    ApiKey.OffsetCommit,
    { arrays: [topicPartitions('name', 'partitions', 'partitions', ['partitionIndex', 'partitionIndex'])] },
  ],
  [
    ApiKey.OffsetFetch,
    {
      arrays: [
        // v0-1 have no top-level error code; v2-7 answer with it alone, v8+ per group.
        {
          ...topicPartitions('name', 'partitionIndexes', 'partitions', [SELF, 'partitionIndex'], {
            committedOffset: NO_OFFSET,
          }),
          versions: [0, 1],
        },
        { from: 'groups', to: 'groups', versions: [8, 0x7fff], copy: [['groupId', 'groupId']] },
      ],
    },
  ],
  [
    ApiKey.FindCoordinator,
    {
      set: { nodeId: -1, port: -1 },
      arrays: [{ from: 'coordinatorKeys', to: 'coordinators', copy: [[SELF, 'key']], set: { nodeId: -1, port: -1 } }],
    },
  ],
  [ApiKey.DescribeGroups, { arrays: [{ from: 'groups', to: 'groups', copy: [[SELF, 'groupId']] }] }],
  [ApiKey.CreateTopics, { arrays: [{ from: 'topics', to: 'topics', copy: [['name', 'name']] }] }],
  [
    ApiKey.DeleteTopics,
    {
      arrays: [
        { from: 'topicNames', to: 'responses', versions: [0, 5], copy: [[SELF, 'name']] },
        {
          from: 'topics',
          to: 'responses',
          versions: [6, 0x7fff],
          copy: [
            ['name', 'name'],
            ['topicId', 'topicId'],
          ],
        },
      ],
    },
  ],
  [
    ApiKey.DeleteRecords,
    {
      arrays: [
        topicPartitions('name', 'partitions', 'partitions', ['partitionIndex', 'partitionIndex'], {
          lowWatermark: NO_OFFSET,
        }),
      ],
    },
  ],
  [ApiKey.InitProducerId, { set: { producerId: -1n, producerEpoch: -1 } }],
  [
    ApiKey.OffsetForLeaderEpoch,
    { arrays: [topicPartitions('topic', 'partitions', 'partitions', ['partition', 'partition'])] },
  ],
  [
    ApiKey.AddPartitionsToTxn,
    {
      // v4+ (batched, from brokers) answer with the top-level error alone.
      arrays: [
        {
          ...topicPartitions(
            'name',
            'partitions',
            'resultsByPartition',
            [SELF, 'partitionIndex'],
            undefined,
            'resultsByTopicV3AndBelow',
            'v3AndBelowTopics',
          ),
          versions: [0, 3],
        },
      ],
    },
  ],
  [
    ApiKey.WriteTxnMarkers,
    {
      arrays: [
        {
          from: 'markers',
          to: 'markers',
          copy: [['producerId', 'producerId']],
          arrays: [topicPartitions('name', 'partitionIndexes', 'partitions', [SELF, 'partitionIndex'])],
        },
      ],
    },
  ],
  [
    ApiKey.TxnOffsetCommit,
    { arrays: [topicPartitions('name', 'partitions', 'partitions', ['partitionIndex', 'partitionIndex'])] },
  ],
  [ApiKey.CreateAcls, { arrays: [{ from: 'creations', to: 'results' }] }],
  [ApiKey.DeleteAcls, { arrays: [{ from: 'filters', to: 'filterResults' }] }],
  [
    ApiKey.DescribeConfigs,
    {
      arrays: [
        {
          from: 'resources',
          to: 'results',
          copy: [
            ['resourceType', 'resourceType'],
            ['resourceName', 'resourceName'],
          ],
        },
      ],
    },
  ],
  ...([ApiKey.AlterConfigs, ApiKey.IncrementalAlterConfigs] as const).map((k): [number, Shape] => [
    k,
    {
      arrays: [
        {
          from: 'resources',
          to: 'responses',
          copy: [
            ['resourceType', 'resourceType'],
            ['resourceName', 'resourceName'],
          ],
        },
      ],
    },
  ]),
  [ApiKey.CreatePartitions, { arrays: [{ from: 'topics', to: 'results', copy: [['name', 'name']] }] }],
  [ApiKey.DeleteGroups, { arrays: [{ from: 'groupsNames', to: 'results', copy: [[SELF, 'groupId']] }] }],
  [
    ApiKey.ElectLeaders,
    {
      arrays: [
        topicPartitions(
          'topic',
          'partitions',
          'partitionResult',
          [SELF, 'partitionId'],
          undefined,
          'replicaElectionResults',
          'topicPartitions',
        ),
      ],
    },
  ],
  [
    ApiKey.AlterPartitionReassignments,
    {
      arrays: [
        topicPartitions(
          'name',
          'partitions',
          'partitions',
          ['partitionIndex', 'partitionIndex'],
          undefined,
          'responses',
        ),
      ],
    },
  ],
  [
    ApiKey.AlterClientQuotas,
    {
      arrays: [
        {
          from: 'entries',
          to: 'entries',
          arrays: [
            {
              from: 'entity',
              to: 'entity',
              copy: [
                ['entityType', 'entityType'],
                ['entityName', 'entityName'],
              ],
            },
          ],
        },
      ],
    },
  ],
  [
    ApiKey.AlterUserScramCredentials,
    {
      arrays: [
        { from: 'deletions', to: 'results', copy: [['name', 'user']] },
        { from: 'upsertions', to: 'results', copy: [['name', 'user']] },
      ],
    },
  ],
  [
    ApiKey.UpdateFeatures,
    { arrays: [{ from: 'featureUpdates', to: 'results', versions: [0, 1], copy: [['feature', 'feature']] }] },
  ],
  [
    ApiKey.DescribeProducers,
    { arrays: [topicPartitions('name', 'partitionIndexes', 'partitions', [SELF, 'partitionIndex'])] },
  ],
  [
    ApiKey.DescribeTransactions,
    { arrays: [{ from: 'transactionalIds', to: 'transactionStates', copy: [[SELF, 'transactionalId']] }] },
  ],
  ...([ApiKey.ConsumerGroupDescribe, ApiKey.ShareGroupDescribe] as const).map((k): [number, Shape] => [
    k,
    { arrays: [{ from: 'groupIds', to: 'groups', copy: [[SELF, 'groupId']] }] },
  ]),
  [ApiKey.DescribeTopicPartitions, { arrays: [{ from: 'topics', to: 'topics', copy: [['name', 'name']] }] }],
  [
    ApiKey.ShareFetch,
    {
      arrays: [
        topicPartitions(
          'topicId',
          'partitions',
          'partitions',
          ['partitionIndex', 'partitionIndex'],
          { records: EMPTY_RECORDS },
          'responses',
        ),
      ],
    },
  ],
  [
    ApiKey.ShareAcknowledge,
    {
      arrays: [
        topicPartitions(
          'topicId',
          'partitions',
          'partitions',
          ['partitionIndex', 'partitionIndex'],
          undefined,
          'responses',
        ),
      ],
    },
  ],
  ...(
    [
      ApiKey.InitializeShareGroupState,
      ApiKey.ReadShareGroupState,
      ApiKey.WriteShareGroupState,
      ApiKey.DeleteShareGroupState,
      ApiKey.ReadShareGroupStateSummary,
    ] as const
  ).map((k): [number, Shape] => [
    k,
    {
      arrays: [
        topicPartitions('topicId', 'partitions', 'partitions', ['partition', 'partition'], undefined, 'results'),
      ],
    },
  ]),
]);

/** Fields that carry a request's or an element's error, set on failure. */
export function isErrorCodeField(f: FieldSchema): boolean {
  return f.type === 'int16' && (f.name === 'errorCode' || f.name === 'partitionErrorCode');
}

type Obj = Record<string, unknown>;

const isStruct = (t: FieldType): t is StructSchema => typeof t === 'object' && 'fields' in t;

/** The struct schema of an array-of-structs field, if it is one. */
export function elementStruct(f: FieldSchema): StructSchema | undefined {
  const t = f.type;
  return typeof t === 'object' && 'array' in t && isStruct(t.array) ? t.array : undefined;
}

export function fieldOf(s: StructSchema, name: string): FieldSchema | undefined {
  return s.fields.find((f) => f.name === name);
}

function build(
  schema: StructSchema,
  request: unknown,
  shape: Shape,
  version: number,
  code: number,
  message: string,
): Obj {
  const out = defaultStruct(schema);
  const present = (name: string): FieldSchema | undefined => {
    const f = fieldOf(schema, name);
    return f !== undefined && inRange(version, f.versions) ? f : undefined;
  };
  for (const f of schema.fields) {
    if (!inRange(version, f.versions)) continue;
    if (isErrorCodeField(f)) out[f.name] = code;
    else if (f.name === 'errorMessage' && f.type === 'string') out[f.name] = message;
  }
  const source = (request ?? {}) as Obj;
  for (const [from, to] of shape.copy ?? []) {
    const f = present(to);
    const value = from === SELF ? request : source[from];
    if (f === undefined || value === undefined) continue;
    if (value === null && !inRange(version, f.nullable)) continue;
    out[to] = value;
  }
  for (const [name, value] of Object.entries(shape.set ?? {})) {
    if (present(name) !== undefined) out[name] = value;
  }
  for (const mirror of shape.arrays ?? []) {
    if (mirror.versions !== undefined && !inRange(version, mirror.versions)) continue;
    const f = present(mirror.to);
    const element = f && elementStruct(f);
    const from = source[mirror.from];
    if (element === undefined || !Array.isArray(from)) continue;
    const built = from.map((e: unknown) => build(element, e, mirror, version, code, message));
    const existing = out[mirror.to];
    out[mirror.to] = Array.isArray(existing) ? [...existing, ...built] : built;
  }
  return out;
}

/**
 * The error response frame (header and body, as chunks) for a failed request,
 * or undefined when there is none to give and the connection must close: a
 * version the codec does not know, or a body that does not decode (Kafka
 * closes the connection on both).
 */
export function errorResponse(
  header: RequestHeaderFields,
  frame: Uint8Array,
  bodyOffset: number,
  code: number,
  message: string,
): Uint8Array[] | undefined {
  const api = apis.get(header.apiKey as ApiKey);
  if (api === undefined) return undefined;
  if (header.apiKey === API_VERSIONS_KEY) {
    // A client that sent a version we do not know reads a v0 body, as Kafka answers it.
    const version = inRange(header.apiVersion, api.validVersions) ? header.apiVersion : 0;
    return encodeResponseChunks(ApiKey.ApiVersions, version, header.correlationId, { errorCode: code });
  }
  if (!inRange(header.apiVersion, api.validVersions)) return undefined;
  let request: unknown;
  try {
    request = api.request.decode(frame.subarray(bodyOffset), header.apiVersion);
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
  const shape = MIRRORS.get(header.apiKey) ?? {};
  const body = build(api.response.schema, request, shape, header.apiVersion, code, message);
  return encodeResponseChunks(api.key, header.apiVersion, header.correlationId, body as never);
}
