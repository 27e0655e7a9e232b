import { describe, expect, it } from 'vitest';
import { ConfigResourceType } from '../../shared/config/config-resources.js';
import type { AlterConfigsRequestAlterConfigsResource } from '../../shared/protocol/generated/alter-configs.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import type { Init } from '../../shared/protocol/schema.js';
import { type Harness as AdminHarness, adminHarness } from '../test-harness.js';

const OLDEST = 0;
const NEWEST = 2;
const TOPIC = ConfigResourceType.TOPIC;
const BROKER = ConfigResourceType.BROKER;

async function withTopic(configs: Record<string, string>): Promise<AdminHarness> {
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

function topicResource(
  configs: Record<string, string | null>,
  name = 't',
): Init<AlterConfigsRequestAlterConfigsResource> {
  return {
    resourceType: TOPIC,
    resourceName: name,
    configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
  };
}

async function alter(
  h: AdminHarness,
  version: number,
  resources: Init<AlterConfigsRequestAlterConfigsResource>[],
  validateOnly = false,
) {
  return (await h.call(ApiKey.AlterConfigs, version, { resources, validateOnly })).responses;
}

describe('AlterConfigs', () => {
  it("replaces a topic's whole explicit config set", async () => {
    for (const version of [OLDEST, NEWEST]) {
      const h = await withTopic({ 'retention.ms': '1000', 'cleanup.policy': 'compact' });
      const responses = await alter(h, version, [topicResource({ 'segment.ms': '5000', 'cleanup.policy': 'delete' })]);
      expect(responses).toEqual([
        { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: TOPIC, resourceName: 't' },
      ]);
      expect((await h.meta.topics.getTopic('t'))!.configs).toEqual({
        'segment.ms': '5000',
        'cleanup.policy': 'delete',
      });
      await alter(h, version, [topicResource({})]);
      expect((await h.meta.topics.getTopic('t'))!.configs).toEqual({});
    }
  });

  it('changes nothing when validateOnly', async () => {
    const h = await withTopic({ 'retention.ms': '1000' });
    const responses = await alter(h, NEWEST, [topicResource({ 'segment.ms': '5000' })], true);
    expect(responses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await h.meta.topics.getTopic('t'))!.configs).toEqual({ 'retention.ms': '1000' });
  });

  it('refuses unknown names and bad values with INVALID_CONFIG', async () => {
    const h = await withTopic({ 'retention.ms': '1000' });
    for (const version of [OLDEST, NEWEST]) {
      const [unknown, bad] = await alter(h, version, [
        topicResource({ 'retention.ms': '5', 'made.up': 'x' }),
        topicResource({ 'max.message.bytes': '-1' }, 'u'),
      ]);
      expect(unknown).toMatchObject({
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: 'Unknown topic config name: made.up',
      });
      // Validation comes before the existence check, as in Kafka.
      expect(bad).toMatchObject({
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: 'Invalid value -1 for configuration max.message.bytes: Value must be at least 0',
      });
    }
    expect((await h.meta.topics.getTopic('t'))!.configs).toEqual({ 'retention.ms': '1000' });
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for an unknown topic, and checks the name', async () => {
    const h = adminHarness();
    const [unknown, empty, illegal] = await alter(h, NEWEST, [
      topicResource({ 'retention.ms': '5' }, 'nope'),
      topicResource({}, ''),
      topicResource({}, 'a/b'),
    ]);
    expect(unknown).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: "The topic 'nope' does not exist.",
    });
    expect(empty).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Default topic resources are not allowed.',
    });
    expect(illegal!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('refuses duplicate resources, duplicate keys and null values with INVALID_REQUEST', async () => {
    const h = await withTopic({});
    const responses = await alter(h, OLDEST, [
      topicResource({ 'retention.ms': '1' }),
      topicResource({ 'retention.ms': '2' }),
      {
        resourceType: TOPIC,
        resourceName: 'u',
        configs: [
          { name: 'retention.ms', value: '1' },
          { name: 'retention.ms', value: '2' },
        ],
      },
      topicResource({ 'retention.ms': null }, 'v'),
    ]);
    expect(responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage])).toEqual([
      ['t', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      ['t', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      ['u', ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys'],
      ['v', ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
    ]);
    expect((await h.meta.topics.getTopic('t'))!.configs).toEqual({});
  });

  it('refuses changes to broker configs, which are static', async () => {
    const h = adminHarness();
    for (const version of [OLDEST, NEWEST]) {
      const responses = await alter(h, version, [
        { resourceType: BROKER, resourceName: '0', configs: [{ name: 'num.partitions', value: '3' }] },
        { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', value: '3' }] },
        { resourceType: BROKER, resourceName: '1', configs: [] },
        { resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: '0', configs: [] },
      ]);
      expect(responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage])).toEqual([
        ['0', ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(num.partitions)'],
        ['', ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(log.retention.ms)'],
        ['1', ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 0, but received 1'],
        ['0', ErrorCode.INVALID_REQUEST, 'Unknown resource type 8'],
      ]);
      const [empty] = await alter(h, version, [{ resourceType: BROKER, resourceName: '0', configs: [] }]);
      expect(empty).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null });
    }
  });

  it('answers REQUEST_TIMED_OUT when storage is unavailable', async () => {
    const h = await withTopic({});
    await h.meta.close();
    const responses = await alter(h, OLDEST, [topicResource({ 'retention.ms': '1' })]);
    expect(responses[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });
});
