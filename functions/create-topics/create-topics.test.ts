import { describe, expect, it } from 'vitest';
import { ConfigSourceCode } from '../../shared/config/config-entries.js';
import { KAFKA_TOPIC_CONFIGS } from '../../shared/config/topic-configs.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { CreateTopicsRequestCreatableTopic } from '../../shared/protocol/generated/create-topics.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../shared/protocol/primitives.js';
import type { Init } from '../../shared/protocol/schema.js';
import { type Harness as AdminHarness, adminHarness } from '../test-harness.js';

const OLDEST = 0;
const NEWEST = 7;

function topic(
  name: string,
  more: Init<CreateTopicsRequestCreatableTopic> = {},
): Init<CreateTopicsRequestCreatableTopic> {
  return { name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [], ...more };
}

async function create(
  h: AdminHarness,
  version: number,
  topics: Init<CreateTopicsRequestCreatableTopic>[],
  validateOnly = false,
) {
  return (await h.call(ApiKey.CreateTopics, version, { topics, timeoutMs: 1000, validateOnly })).topics;
}

async function createOne(h: AdminHarness, version: number, t: Init<CreateTopicsRequestCreatableTopic>) {
  const [result] = await create(h, version, [t]);
  return result!;
}

describe('CreateTopics', () => {
  it('creates a topic at the oldest version', async () => {
    const h = adminHarness();
    const result = await createOne(h, OLDEST, topic('orders', { numPartitions: 3 }));
    expect(result).toMatchObject({ name: 'orders', errorCode: ErrorCode.NONE });
    const stored = await h.meta.topics.getTopic('orders');
    expect(stored).toMatchObject({ name: 'orders', partitions: 3, configs: {} });
    expect(stored!.id).toHaveLength(22);
  });

  it('reports the topic id, partitions, replication factor and resolved configs at the newest version', async () => {
    const h = adminHarness({ topicDefaults: { 'retention.bytes': '1000' } });
    const result = await createOne(
      h,
      NEWEST,
      topic('events', { numPartitions: 2, configs: [{ name: 'retention.ms', value: ' 60000 ' }] }),
    );
    const stored = await h.meta.topics.getTopic('events');
    expect(result.errorCode).toBe(ErrorCode.NONE);
    expect(result.errorMessage).toBeNull();
    expect(result.topicId).toBe(stored!.id);
    expect(result.topicId).not.toBe(ZERO_UUID);
    expect(result.numPartitions).toBe(2);
    expect(result.replicationFactor).toBe(1);
    expect(result.topicConfigErrorCode).toBe(ErrorCode.NONE);
    const configs = result.configs!;
    expect(configs.map((c) => c.name)).toEqual(KAFKA_TOPIC_CONFIGS.map((c) => c.name).sort());
    const byName = new Map(configs.map((c) => [c.name, c]));
    expect(byName.get('retention.ms')).toEqual({
      name: 'retention.ms',
      value: '60000',
      readOnly: false,
      configSource: ConfigSourceCode.DYNAMIC_TOPIC_CONFIG,
      isSensitive: false,
    });
    expect(byName.get('retention.bytes')).toMatchObject({
      value: '1000',
      configSource: ConfigSourceCode.STATIC_BROKER_CONFIG,
    });
    expect(byName.get('cleanup.policy')).toMatchObject({
      value: 'delete',
      configSource: ConfigSourceCode.DEFAULT_CONFIG,
    });
    // Stored in Kafka's canonical form.
    expect(stored!.configs).toEqual({ 'retention.ms': '60000' });
  });

  it('takes the default partition count for -1', async () => {
    const h = adminHarness({ defaultPartitions: 4 });
    for (const [version, name] of [
      [4, 'v4'],
      [NEWEST, 'v7'],
      [OLDEST, 'v0'],
    ] as const) {
      const result = await createOne(h, version, topic(name, { numPartitions: -1, replicationFactor: -1 }));
      expect(result.errorCode).toBe(ErrorCode.NONE);
      // numPartitions is in results from v5 only; older versions decode its default.
      expect(result.numPartitions).toBe(version >= 5 ? 4 : -1);
      expect((await h.meta.topics.getTopic(name))!.partitions).toBe(4);
    }
  });

  it('refuses non-positive partition counts with INVALID_PARTITIONS', async () => {
    const h = adminHarness();
    for (const numPartitions of [0, -2]) {
      const result = await createOne(h, NEWEST, topic('t', { numPartitions }));
      expect(result.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
      expect(result.errorMessage).toBe('Number of partitions was set to an invalid non-positive value.');
      expect(result.numPartitions).toBe(-1);
      expect((await createOne(h, OLDEST, topic('t', { numPartitions }))).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    }
    expect(await h.meta.topics.getTopic('t')).toBeNull();
  });

  it('accepts any replication factor of at least 1 and reports the single replica', async () => {
    const h = adminHarness();
    const result = await createOne(h, NEWEST, topic('replicated', { replicationFactor: 3 }));
    expect(result.errorCode).toBe(ErrorCode.NONE);
    expect(result.replicationFactor).toBe(1);
    for (const replicationFactor of [0, -2]) {
      for (const version of [OLDEST, NEWEST]) {
        const refused = await createOne(h, version, topic('nope', { replicationFactor }));
        expect(refused.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
        if (version >= 1) {
          expect(refused.errorMessage).toBe(
            'Replication factor must be larger than 0, or -1 to use the default value.',
          );
        }
      }
    }
  });

  it('refuses illegal names with INVALID_TOPIC_EXCEPTION', async () => {
    const h = adminHarness();
    const cases: [string, string][] = [
      ['', 'Topic name is invalid: the empty string is not allowed'],
      ['.', "Topic name is invalid: '.' is not allowed"],
      ['..', "Topic name is invalid: '..' is not allowed"],
      [
        'x'.repeat(250),
        `Topic name is invalid: the length of '${'x'.repeat(250)}' is longer than the max allowed length 249`,
      ],
      [
        'bad name!',
        "Topic name is invalid: 'bad name!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
      ],
    ];
    for (const [name, message] of cases) {
      const result = await createOne(h, NEWEST, topic(name));
      expect(result).toMatchObject({ name, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: message });
      expect((await createOne(h, OLDEST, topic(name))).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    }
    expect(await h.meta.topics.listTopics()).toEqual([]);
    expect((await createOne(h, NEWEST, topic('x'.repeat(249)))).errorCode).toBe(ErrorCode.NONE);
    expect((await createOne(h, NEWEST, topic('Az09._-'))).errorCode).toBe(ErrorCode.NONE);
  });

  it("refuses a name that collides with another once '.' reads as '_'", async () => {
    const h = adminHarness();
    expect((await createOne(h, NEWEST, topic('metrics.cpu'))).errorCode).toBe(ErrorCode.NONE);
    const result = await createOne(h, NEWEST, topic('metrics_cpu'));
    expect(result).toMatchObject({
      errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
      errorMessage: "Topic 'metrics_cpu' collides with existing topic: metrics.cpu",
    });
    // Within one request, the later name is refused.
    const [first, second] = await create(h, OLDEST, [topic('a_b'), topic('a.b')]);
    expect(first!.errorCode).toBe(ErrorCode.NONE);
    expect(second!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    // The same name again is TOPIC_ALREADY_EXISTS, not a collision.
    expect((await createOne(h, NEWEST, topic('metrics.cpu'))).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
  });

  it('answers TOPIC_ALREADY_EXISTS for an existing topic', async () => {
    const h = adminHarness();
    await createOne(h, NEWEST, topic('t', { numPartitions: 2 }));
    const result = await createOne(h, NEWEST, topic('t', { numPartitions: 5 }));
    expect(result).toMatchObject({
      errorCode: ErrorCode.TOPIC_ALREADY_EXISTS,
      errorMessage: "Topic 't' already exists.",
    });
    expect((await createOne(h, OLDEST, topic('t'))).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect((await h.meta.topics.getTopic('t'))!.partitions).toBe(2);
  });

  it('refuses a name given twice in one request with INVALID_REQUEST, once, after the other results', async () => {
    const h = adminHarness();
    for (const version of [OLDEST, NEWEST]) {
      const h2 = adminHarness();
      const results = await create(h2, version, [topic('dup'), topic('fine'), topic('dup', { numPartitions: 2 })]);
      expect(results.map((r) => [r.name, r.errorCode])).toEqual([
        ['fine', ErrorCode.NONE],
        ['dup', ErrorCode.INVALID_REQUEST],
      ]);
      if (version >= 1) expect(results[1]!.errorMessage).toBe('Duplicate topic name.');
      expect(await h2.meta.topics.getTopic('dup')).toBeNull();
    }
    const [meta] = await create(h, NEWEST, [topic('__cluster_metadata')]);
    expect(meta).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
  });

  it('takes the partition count from manual assignments', async () => {
    const h = adminHarness();
    const assignments = [
      { partitionIndex: 1, brokerIds: [0] },
      { partitionIndex: 0, brokerIds: [0] },
      { partitionIndex: 2, brokerIds: [0] },
    ];
    const result = await createOne(
      h,
      NEWEST,
      topic('manual', { numPartitions: -1, replicationFactor: -1, assignments }),
    );
    expect(result).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 3, replicationFactor: 1 });
    expect((await h.meta.topics.getTopic('manual'))!.partitions).toBe(3);
    const old = await createOne(
      h,
      OLDEST,
      topic('manual-old', { numPartitions: -1, replicationFactor: -1, assignments }),
    );
    expect(old.errorCode).toBe(ErrorCode.NONE);
    expect((await h.meta.topics.getTopic('manual-old'))!.partitions).toBe(3);
  });

  it('refuses manual assignments alongside a count or a factor, and malformed ones', async () => {
    const h = adminHarness();
    const one = [{ partitionIndex: 0, brokerIds: [0] }];
    const cases: [Init<CreateTopicsRequestCreatableTopic>, number, string][] = [
      [
        { numPartitions: 1, replicationFactor: -1, assignments: one },
        ErrorCode.INVALID_REQUEST,
        'A manual partition assignment was specified, but numPartitions was not set to -1.',
      ],
      [
        { numPartitions: -1, replicationFactor: 1, assignments: one },
        ErrorCode.INVALID_REQUEST,
        'A manual partition assignment was specified, but replication factor was not set to -1.',
      ],
      [
        { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [0] }] },
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'partitions should be a consecutive 0-based integer sequence',
      ],
      [
        { numPartitions: -1, replicationFactor: -1, assignments: [...one, ...one] },
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'Found multiple manual partition assignments for partition 0',
      ],
      [
        { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [] }] },
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'The manual partition assignment includes an empty replica list.',
      ],
      [
        { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [0, 0] }] },
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'The manual partition assignment includes the broker 0 more than once.',
      ],
      [
        {
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [
            { partitionIndex: 0, brokerIds: [0] },
            { partitionIndex: 1, brokerIds: [0, 1] },
          ],
        },
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'The manual partition assignment includes a partition with 2 replica(s), but this is not consistent with previous partitions, which have 1 replica(s).',
      ],
    ];
    for (const [more, code, message] of cases) {
      const result = await createOne(h, NEWEST, topic('m', more));
      expect(result).toMatchObject({ errorCode: code, errorMessage: message });
      expect((await createOne(h, OLDEST, topic('m', more))).errorCode).toBe(code);
    }
    expect(await h.meta.topics.getTopic('m')).toBeNull();
  });

  it('validates configs against the table with INVALID_CONFIG', async () => {
    const h = adminHarness();
    const cases: [{ name: string; value: string | null }[], string][] = [
      [[{ name: 'no.such.config', value: '1' }], 'Unknown topic config name: no.such.config'],
      [
        [{ name: 'retention.ms', value: 'soon' }],
        'Invalid value soon for configuration retention.ms: Not a number of type LONG',
      ],
      [
        [{ name: 'retention.ms', value: '-2' }],
        'Invalid value -2 for configuration retention.ms: Value must be at least -1',
      ],
      [
        [{ name: 'cleanup.policy', value: 'compact,shred' }],
        'Invalid value shred for configuration cleanup.policy: String must be one of: compact, delete',
      ],
      [
        [{ name: 'compression.type', value: 'brotli' }],
        'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
      ],
      [
        [{ name: 'message.timestamp.type', value: 'Now' }],
        'Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
      ],
      [
        [{ name: 'min.cleanable.dirty.ratio', value: '1.5' }],
        'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1',
      ],
      [
        [{ name: 'preallocate', value: 'yes' }],
        'Invalid value yes for configuration preallocate: Expected value to be either true or false',
      ],
      [
        [
          { name: 'min.compaction.lag.ms', value: '100' },
          { name: 'max.compaction.lag.ms', value: '10' },
        ],
        'conflict topic config setting min.compaction.lag.ms (100) > max.compaction.lag.ms (10)',
      ],
      [
        [{ name: 'remote.storage.enable', value: 'true' }],
        'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.',
      ],
      [
        [
          { name: 'retention.ms', value: null },
          { name: 'segment.ms', value: null },
        ],
        'Null value not supported for topic configs: retention.ms,segment.ms',
      ],
    ];
    for (const [configs, message] of cases) {
      const result = await createOne(h, NEWEST, topic('c', { configs }));
      expect(result).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message });
      expect((await createOne(h, OLDEST, topic('c', { configs }))).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    }
    expect(await h.meta.topics.getTopic('c')).toBeNull();

    const ok = await createOne(
      h,
      NEWEST,
      topic('c', {
        configs: [
          { name: 'cleanup.policy', value: 'compact, delete' },
          { name: 'compression.type', value: 'zstd' },
          { name: 'message.timestamp.type', value: 'LogAppendTime' },
          { name: 'unclean.leader.election.enable', value: 'TRUE' },
        ],
      }),
    );
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    expect((await h.meta.topics.getTopic('c'))!.configs).toEqual({
      'cleanup.policy': 'compact,delete',
      'compression.type': 'zstd',
      'message.timestamp.type': 'LogAppendTime',
      'unclean.leader.election.enable': 'true',
    });
  });

  it('checks but creates nothing when validateOnly', async () => {
    const h = adminHarness();
    const old = await create(h, 1, [topic('dry', { numPartitions: 2 })], true);
    expect(old[0]).toMatchObject({ name: 'dry', errorCode: ErrorCode.NONE, errorMessage: null });
    const results = await create(
      h,
      NEWEST,
      [topic('dry', { numPartitions: 2 }), topic('dry-bad', { numPartitions: 0 })],
      true,
    );
    expect(results[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: 1 });
    expect(results[0]!.configs).toHaveLength(KAFKA_TOPIC_CONFIGS.length);
    expect(results[1]!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(await h.meta.topics.listTopics()).toEqual([]);
  });

  it('refuses a request that would write more than 10,000 records, whole', async () => {
    const h = adminHarness();
    const results = await create(h, NEWEST, [topic('small'), topic('huge', { numPartitions: 10_000 })]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
    expect(await h.meta.topics.listTopics()).toEqual([]);
  });

  it('answers REQUEST_TIMED_OUT when storage is unavailable', async () => {
    const h = adminHarness();
    await h.meta.close();
    for (const version of [OLDEST, NEWEST]) {
      const result = await createOne(h, version, topic('t'));
      expect(result.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    }
  });
});
