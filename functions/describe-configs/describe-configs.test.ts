import { describe, expect, it } from 'vitest';
import { ConfigSourceCode, ConfigTypeCode } from '../../shared/config/config-entries.js';
import { ConfigResourceType } from '../../shared/config/config-resources.js';
import { BROKER_CONFIGS, KAFKA_TOPIC_CONFIGS } from '../../shared/config/topic-configs.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { DescribeConfigsRequest } from '../../shared/protocol/generated/describe-configs.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import { type Harness as AdminHarness, adminHarness } from '../test-harness.js';

const OLDEST = 0;
const NEWEST = 4;
const TOPIC = ConfigResourceType.TOPIC;
const BROKER = ConfigResourceType.BROKER;

async function withTopic(h: AdminHarness, name: string, configs: Record<string, string> = {}): Promise<void> {
  const { topics } = await h.call(ApiKey.CreateTopics, 7, {
    topics: [
      {
        name,
        numPartitions: 1,
        replicationFactor: 1,
        configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
      },
    ],
  });
  expect(topics[0]!.errorCode).toBe(ErrorCode.NONE);
}

async function describeConfigs(h: AdminHarness, version: number, body: Init<DescribeConfigsRequest>) {
  return (await h.call(ApiKey.DescribeConfigs, version, body)).results;
}

describe('DescribeConfigs', () => {
  it('describes every topic config at the oldest version, with isDefault', async () => {
    const h = adminHarness();
    await withTopic(h, 't', { 'retention.ms': '1000' });
    const [result] = await describeConfigs(h, OLDEST, {
      resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: null }],
    });
    expect(result).toMatchObject({ errorCode: ErrorCode.NONE, resourceType: TOPIC, resourceName: 't' });
    expect(result!.configs.map((c) => c.name)).toEqual(KAFKA_TOPIC_CONFIGS.map((c) => c.name).sort());
    const byName = new Map(result!.configs.map((c) => [c.name, c]));
    expect(byName.get('retention.ms')).toMatchObject({
      value: '1000',
      readOnly: false,
      isDefault: false,
      isSensitive: false,
    });
    expect(byName.get('cleanup.policy')).toMatchObject({ value: 'delete', isDefault: true });
    expect(byName.get('max.message.bytes')).toMatchObject({ value: '1048588', isDefault: true });
  });

  it('reports sources, types, synonyms and documentation at the newest version', async () => {
    const h = adminHarness({ topicDefaults: { 'retention.ms': '86400000', 'cleanup.policy': 'compact' } });
    await withTopic(h, 't', { 'retention.ms': '1000' });
    const [plain] = await describeConfigs(h, NEWEST, {
      resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: null }],
    });
    const first = new Map(plain!.configs.map((c) => [c.name, c]));
    expect(first.get('retention.ms')).toMatchObject({
      configSource: ConfigSourceCode.DYNAMIC_TOPIC_CONFIG,
      configType: ConfigTypeCode.LONG,
      synonyms: [],
      documentation: null,
    });

    const [full] = await describeConfigs(h, NEWEST, {
      resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const byName = new Map(full!.configs.map((c) => [c.name, c]));
    expect(byName.get('retention.ms')!.synonyms).toEqual([
      { name: 'retention.ms', value: '1000', source: ConfigSourceCode.DYNAMIC_TOPIC_CONFIG },
      { name: 'log.retention.ms', value: '86400000', source: ConfigSourceCode.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: ConfigSourceCode.DEFAULT_CONFIG },
    ]);
    expect(byName.get('retention.ms')!.documentation).toEqual(expect.stringContaining('discarded'));
    expect(byName.get('cleanup.policy')).toMatchObject({
      value: 'compact',
      configSource: ConfigSourceCode.STATIC_BROKER_CONFIG,
      configType: ConfigTypeCode.LIST,
      synonyms: [
        { name: 'log.cleanup.policy', value: 'compact', source: ConfigSourceCode.STATIC_BROKER_CONFIG },
        { name: 'log.cleanup.policy', value: 'delete', source: ConfigSourceCode.DEFAULT_CONFIG },
      ],
    });
    expect(byName.get('max.message.bytes')).toMatchObject({
      value: '1048588',
      configSource: ConfigSourceCode.DEFAULT_CONFIG,
      configType: ConfigTypeCode.INT,
      synonyms: [{ name: 'message.max.bytes', value: '1048588', source: ConfigSourceCode.DEFAULT_CONFIG }],
    });
    // A synonym whose first broker name has no default shows none, as Kafka.
    expect(byName.get('segment.ms')).toMatchObject({ value: '604800000', synonyms: [] });
    expect(byName.get('remote.storage.enable')).toMatchObject({ configType: ConfigTypeCode.BOOLEAN, synonyms: [] });
    expect(byName.get('min.cleanable.dirty.ratio')).toMatchObject({ value: '0.5', configType: ConfigTypeCode.DOUBLE });
    expect(byName.get('compression.type')).toMatchObject({ value: 'producer', configType: ConfigTypeCode.STRING });
    for (const c of full!.configs) expect(c.documentation).not.toBeNull();
  });

  it('filters by configurationKeys; null or empty means all', async () => {
    const h = adminHarness();
    await withTopic(h, 't');
    for (const version of [OLDEST, NEWEST]) {
      const [some] = await describeConfigs(h, version, {
        resources: [
          { resourceType: TOPIC, resourceName: 't', configurationKeys: ['segment.ms', 'nonsense', 'retention.ms'] },
        ],
      });
      expect(some!.configs.map((c) => c.name).sort()).toEqual(['retention.ms', 'segment.ms']);
      const [all] = await describeConfigs(h, version, {
        resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: [] }],
      });
      expect(all!.configs).toHaveLength(KAFKA_TOPIC_CONFIGS.length);
    }
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for an unknown topic and INVALID_TOPIC_EXCEPTION for an illegal name', async () => {
    const h = adminHarness();
    for (const version of [OLDEST, NEWEST]) {
      const [unknown, illegal] = await describeConfigs(h, version, {
        resources: [
          { resourceType: TOPIC, resourceName: 'nope', configurationKeys: null },
          { resourceType: TOPIC, resourceName: 'no way', configurationKeys: null },
        ],
      });
      expect(unknown).toMatchObject({
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: null,
        configs: [],
      });
      expect(illegal).toMatchObject({
        errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
        errorMessage: expect.stringContaining('Topic name is invalid'),
        configs: [],
      });
    }
  });

  it('describes the broker by node id, read-only, with the deployment values as static', async () => {
    const h = adminHarness({ nodeId: 3, defaultPartitions: 6, topicDefaults: { 'retention.ms': '1000' } });
    const [result] = await describeConfigs(h, NEWEST, {
      resources: [{ resourceType: BROKER, resourceName: '3', configurationKeys: null }],
      includeSynonyms: true,
    });
    expect(result!.errorCode).toBe(ErrorCode.NONE);
    expect(result!.configs.map((c) => c.name)).toEqual(BROKER_CONFIGS.map((c) => c.name).sort());
    const byName = new Map(result!.configs.map((c) => [c.name, c]));
    for (const c of result!.configs) expect(c.readOnly).toBe(true);
    expect(byName.get('num.partitions')).toMatchObject({
      value: '6',
      configSource: ConfigSourceCode.STATIC_BROKER_CONFIG,
    });
    expect(byName.get('node.id')).toMatchObject({ value: '3', configSource: ConfigSourceCode.STATIC_BROKER_CONFIG });
    expect(byName.get('auto.create.topics.enable')).toMatchObject({
      value: 'true',
      configType: ConfigTypeCode.BOOLEAN,
    });
    expect(byName.get('default.replication.factor')).toMatchObject({
      value: '1',
      configSource: ConfigSourceCode.DEFAULT_CONFIG,
    });
    expect(byName.get('log.retention.ms')).toMatchObject({
      value: '1000',
      configSource: ConfigSourceCode.STATIC_BROKER_CONFIG,
      synonyms: [
        { name: 'log.retention.ms', value: '1000', source: ConfigSourceCode.STATIC_BROKER_CONFIG },
        { name: 'log.retention.hours', value: '168', source: ConfigSourceCode.DEFAULT_CONFIG },
      ],
    });
    expect(byName.get('log.retention.hours')).toMatchObject({
      value: '168',
      configSource: ConfigSourceCode.DEFAULT_CONFIG,
      synonyms: [{ name: 'log.retention.hours', value: '168', source: ConfigSourceCode.DEFAULT_CONFIG }],
    });
    expect(byName.get('log.roll.ms')).toMatchObject({ value: null, configSource: ConfigSourceCode.DEFAULT_CONFIG });
    expect(byName.get('message.max.bytes')).toMatchObject({ value: '1048588' });

    const [old] = await describeConfigs(h, OLDEST, {
      resources: [{ resourceType: BROKER, resourceName: '3', configurationKeys: ['num.partitions'] }],
    });
    expect(old!.configs).toEqual([
      expect.objectContaining({ name: 'num.partitions', value: '6', readOnly: true, isDefault: false }),
    ]);
  });

  it('gives an empty list for the cluster-wide broker resource and refuses another node', async () => {
    const h = adminHarness();
    const results = await describeConfigs(h, NEWEST, {
      resources: [
        { resourceType: BROKER, resourceName: '', configurationKeys: null },
        { resourceType: BROKER, resourceName: '5', configurationKeys: null },
        { resourceType: BROKER, resourceName: 'x', configurationKeys: null },
        { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: '0', configurationKeys: null },
        { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: '', configurationKeys: null },
        { resourceType: 99, resourceName: 'what', configurationKeys: null },
      ],
    });
    expect(results.map((r) => [r.resourceName, r.errorCode, r.configs.length])).toEqual([
      ['', ErrorCode.NONE, 0],
      ['5', ErrorCode.INVALID_REQUEST, 0],
      ['x', ErrorCode.INVALID_REQUEST, 0],
      ['0', ErrorCode.NONE, 0],
      ['', ErrorCode.INVALID_REQUEST, 0],
      ['what', ErrorCode.INVALID_REQUEST, 0],
    ]);
    expect(results[1]!.errorMessage).toBe('Unexpected broker id, expected 0 or empty string, but received 5');
    expect(results[2]!.errorMessage).toBe('Broker id must be an integer, but it is: x');
  });

  it('answers REQUEST_TIMED_OUT for topics when storage is unavailable', async () => {
    const h = adminHarness();
    await h.meta.close();
    for (const version of [OLDEST, NEWEST]) {
      const [topic, broker] = await describeConfigs(h, version, {
        resources: [
          { resourceType: TOPIC, resourceName: 't', configurationKeys: null },
          { resourceType: BROKER, resourceName: '0', configurationKeys: null },
        ],
      });
      expect(topic!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
      expect(broker!.errorCode).toBe(ErrorCode.NONE);
    }
  });
});
