import { describe, expect, it } from 'vitest';
import { ConfigSourceCode } from '../../shared/config/config-entries.js';
import { AlterConfigOp, ConfigResourceType } from '../../shared/config/config-resources.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { IncrementalAlterConfigsRequestAlterConfigsResource } from '../../shared/protocol/generated/incremental-alter-configs.js';
import type { Init } from '../../shared/protocol/schema.js';
import { type Harness as AdminHarness, adminHarness } from '../test-harness.js';

const OLDEST = 0;
const NEWEST = 1;
const { SET, DELETE, APPEND, SUBTRACT } = AlterConfigOp;
const TOPIC = ConfigResourceType.TOPIC;
const BROKER = ConfigResourceType.BROKER;
const BROKER_LOGGER = ConfigResourceType.BROKER_LOGGER;

type Op = [name: string, op: number, value: string | null];

async function withTopic(configs: Record<string, string> = {}): Promise<AdminHarness> {
  const h = adminHarness();
  await h.call(ApiKey.CreateTopics, 7, {
    topics: [
      {
        name: 't',
        numPartitions: 1,
        replicationFactor: 1,
        configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
      },
    ],
  });
  return h;
}

function resource(
  ops: Op[],
  resourceName = 't',
  resourceType: number = TOPIC,
): Init<IncrementalAlterConfigsRequestAlterConfigsResource> {
  return {
    resourceType,
    resourceName,
    configs: ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
  };
}

async function alter(
  h: AdminHarness,
  version: number,
  resources: Init<IncrementalAlterConfigsRequestAlterConfigsResource>[],
  validateOnly = false,
) {
  return (await h.call(ApiKey.IncrementalAlterConfigs, version, { resources, validateOnly })).responses;
}

async function configs(h: AdminHarness): Promise<Readonly<Record<string, string>>> {
  return (await h.meta.topics.getTopic('t'))!.configs;
}

describe('IncrementalAlterConfigs', () => {
  it('sets and deletes single configs, leaving the others', async () => {
    for (const version of [OLDEST, NEWEST]) {
      const h = await withTopic({ 'retention.ms': '1000', 'segment.ms': '5000', 'max.message.bytes': '2000' });
      const responses = await alter(h, version, [
        resource([
          ['retention.ms', SET, '2000'],
          ['segment.ms', DELETE, null],
          ['flush.ms', DELETE, null],
        ]),
      ]);
      expect(responses).toEqual([
        { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: TOPIC, resourceName: 't' },
      ]);
      expect(await configs(h)).toEqual({ 'retention.ms': '2000', 'max.message.bytes': '2000' });
    }
  });

  it('appends to and subtracts from list configs, starting from the default', async () => {
    const h = await withTopic();
    await alter(h, NEWEST, [resource([['cleanup.policy', APPEND, 'compact']])]);
    expect(await configs(h)).toEqual({ 'cleanup.policy': 'delete,compact' });
    await alter(h, OLDEST, [resource([['cleanup.policy', APPEND, 'delete,compact']])]);
    expect(await configs(h)).toEqual({ 'cleanup.policy': 'delete,compact' });
    await alter(h, OLDEST, [resource([['cleanup.policy', SUBTRACT, 'delete']])]);
    expect(await configs(h)).toEqual({ 'cleanup.policy': 'compact' });
    await alter(h, NEWEST, [resource([['leader.replication.throttled.replicas', APPEND, '0:0,1:0']])]);
    expect((await configs(h))['leader.replication.throttled.replicas']).toBe('0:0,1:0');

    const { results } = await h.call(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: ['cleanup.policy'] }],
    });
    expect(results[0]!.configs[0]).toMatchObject({
      value: 'compact',
      configSource: ConfigSourceCode.DYNAMIC_TOPIC_CONFIG,
    });
  });

  it('refuses APPEND and SUBTRACT on configs that are not lists with INVALID_CONFIG', async () => {
    const h = await withTopic({ 'retention.ms': '1000' });
    for (const version of [OLDEST, NEWEST]) {
      const [append, subtract] = await alter(h, version, [
        resource([['retention.ms', APPEND, '5']]),
        resource([['no.such', SUBTRACT, '5']], 'u'),
      ]);
      expect(append).toMatchObject({
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: "Can't APPEND to key retention.ms because its type is not LIST.",
      });
      expect(subtract).toMatchObject({
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: "Can't SUBTRACT to key no.such because its type is not LIST.",
      });
    }
    expect(await configs(h)).toEqual({ 'retention.ms': '1000' });
  });

  it('validates the resulting set: unknown names and bad values are INVALID_CONFIG', async () => {
    const h = await withTopic({ 'max.compaction.lag.ms': '100' });
    const [unknown, bad, conflict] = await alter(h, NEWEST, [
      resource([['no.such', SET, '1']]),
      resource([['cleanup.policy', APPEND, 'archive']], 'u'),
      resource([['min.compaction.lag.ms', SET, '500']], 't2'),
    ]);
    expect(unknown).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'Unknown topic config name: no.such',
    });
    expect(bad).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'Invalid value archive for configuration cleanup.policy: String must be one of: compact, delete',
    });
    expect(conflict!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const [sameTopic] = await alter(h, OLDEST, [resource([['min.compaction.lag.ms', SET, '500']])]);
    expect(sameTopic).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'conflict topic config setting min.compaction.lag.ms (500) > max.compaction.lag.ms (100)',
    });
    expect(await configs(h)).toEqual({ 'max.compaction.lag.ms': '100' });
  });

  it('refuses duplicate keys, null values and unknown operations with INVALID_REQUEST', async () => {
    const h = await withTopic();
    const responses = await alter(h, OLDEST, [
      resource([
        ['retention.ms', SET, '1'],
        ['retention.ms', DELETE, null],
      ]),
      resource([['retention.ms', SET, null]], 'u'),
      resource([['retention.ms', 7, '1']], 'v'),
    ]);
    expect(responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage])).toEqual([
      ['t', ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys'],
      ['u', ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
      ['v', ErrorCode.INVALID_REQUEST, 'Unknown operations type 7'],
    ]);
    const dup = await alter(h, NEWEST, [resource([]), resource([['retention.ms', SET, '1']])]);
    expect(dup.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    expect(await configs(h)).toEqual({});
  });

  it('changes nothing when validateOnly, and answers UNKNOWN_TOPIC_OR_PARTITION for an unknown topic', async () => {
    const h = await withTopic({ 'retention.ms': '1000' });
    const [ok, unknown] = await alter(
      h,
      NEWEST,
      [resource([['retention.ms', SET, '2']]), resource([['retention.ms', SET, '2']], 'nope')],
      true,
    );
    expect(ok!.errorCode).toBe(ErrorCode.NONE);
    expect(unknown).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: "The topic 'nope' does not exist.",
    });
    expect(await configs(h)).toEqual({ 'retention.ms': '1000' });
  });

  it('refuses setting broker configs but lets DELETE through, and has no loggers', async () => {
    const h = adminHarness();
    for (const version of [OLDEST, NEWEST]) {
      const responses = await alter(h, version, [
        resource([['log.retention.ms', SET, '1']], '0', BROKER),
        resource([['num.partitions', DELETE, null]], '', BROKER),
        resource([['x', SET, '1']], '2', BROKER),
        resource([['root', SET, 'DEBUG']], '0', BROKER_LOGGER),
        resource([['root', APPEND, 'DEBUG']], '1', BROKER_LOGGER),
        resource([], 'x', 99),
      ]);
      expect(responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage])).toEqual([
        ['0', ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(log.retention.ms)'],
        ['', ErrorCode.NONE, null],
        ['2', ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 0, but received 2'],
        ['0', ErrorCode.INVALID_CONFIG, 'Logger root does not exist!'],
        ['1', ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 0, but received 1'],
        ['x', ErrorCode.INVALID_REQUEST, 'Unknown resource type 99'],
      ]);
      const [append] = await alter(h, version, [resource([['root', APPEND, 'DEBUG']], '0', BROKER_LOGGER)]);
      expect(append).toMatchObject({
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'APPEND operation is not allowed for the BROKER_LOGGER resource',
      });
    }
  });

  it('answers REQUEST_TIMED_OUT when storage is unavailable', async () => {
    const h = await withTopic();
    await h.meta.close();
    const responses = await alter(h, OLDEST, [resource([['retention.ms', SET, '1']])]);
    expect(responses[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });
});
