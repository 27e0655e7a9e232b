import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../shared/protocol/primitives.js';
import { CLUSTER_AUTHORIZED_OPERATIONS, TOPIC_AUTHORIZED_OPERATIONS } from '../cluster.js';
import { harness, listenerHeader } from '../test-harness.js';

const topicsOf = (names: (string | null)[]) => names.map((name) => ({ name }));

describe('metadata', () => {
  it('advertises one broker at the listener the client used, as controller, with the cluster id', async () => {
    const h = harness();
    const res = await h.call(ApiKey.Metadata, 12, { topics: [] }, listenerHeader('kafka.example.com:19092'));
    expect(res.brokers).toEqual([{ nodeId: 7, host: 'kafka.example.com', port: 19092, rack: null }]);
    expect(res).toMatchObject({ clusterId: 'test-cluster', controllerId: 7, topics: [] });
  });

  it('describes every partition as led by this node at epoch 0', async () => {
    const h = harness();
    const topic = await h.createTopic('orders', 2);
    const res = await h.call(ApiKey.Metadata, 12, { topics: topicsOf(['orders']) });
    expect(res.topics).toEqual([
      {
        errorCode: 0,
        name: 'orders',
        topicId: topic.id,
        isInternal: false,
        topicAuthorizedOperations: -2147483648,
        partitions: [0, 1].map((partitionIndex) => ({
          errorCode: 0,
          partitionIndex,
          leaderId: 7,
          leaderEpoch: 0,
          replicaNodes: [7],
          isrNodes: [7],
          offlineReplicas: [],
        })),
      },
    ]);
  });

  it('lists all topics for null (v1+) and for an empty list at v0, none for an empty list at v1+', async () => {
    const h = harness();
    await h.createTopic('b');
    await h.createTopic('a');
    expect((await h.call(ApiKey.Metadata, 1, { topics: null })).topics.map((t) => t.name)).toEqual(['a', 'b']);
    expect((await h.call(ApiKey.Metadata, 0, { topics: [] })).topics.map((t) => t.name)).toEqual(['a', 'b']);
    expect((await h.call(ApiKey.Metadata, 1, { topics: [] })).topics).toEqual([]);
  });

  it('auto-creates a missing topic with the default partition count and answers it at once', async () => {
    const h = harness();
    const res = await h.call(ApiKey.Metadata, 12, { topics: topicsOf(['fresh']), allowAutoTopicCreation: true });
    const [t] = res.topics;
    expect(t).toMatchObject({ errorCode: 0, name: 'fresh' });
    expect(t!.partitions).toHaveLength(3);
    const stored = await h.meta.topics.getTopic('fresh');
    expect(stored).toMatchObject({ name: 'fresh', partitions: 3, id: t!.topicId });
    // v0-3 always allow auto-creation.
    expect((await h.call(ApiKey.Metadata, 2, { topics: topicsOf(['old-client']) })).topics[0]!.errorCode).toBe(0);
  });

  it('does not auto-create when the request or the cluster forbids it', async () => {
    const h = harness();
    const res = await h.call(ApiKey.Metadata, 12, { topics: topicsOf(['nope']), allowAutoTopicCreation: false });
    expect(res.topics[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topicId: ZERO_UUID });
    const off = harness({ autoCreateTopics: false });
    const res2 = await off.call(ApiKey.Metadata, 12, { topics: topicsOf(['nope']), allowAutoTopicCreation: true });
    expect(res2.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await off.meta.topics.getTopic('nope')).toBeNull();
  });

  it('answers INVALID_TOPIC_EXCEPTION for invalid names and for names colliding with a topic', async () => {
    const h = harness();
    await h.createTopic('a.b');
    const names = ['bad name', '', '.', '..', 'x'.repeat(250), 'a_b'];
    const res = await h.call(ApiKey.Metadata, 12, { topics: topicsOf(names), allowAutoTopicCreation: true });
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual(
      names.map((n) => [n, ErrorCode.INVALID_TOPIC_EXCEPTION]),
    );
    expect((await h.meta.topics.listTopics()).map((t) => t.name)).toEqual(['a.b']);
    const ok = await h.call(ApiKey.Metadata, 12, { topics: topicsOf(['x'.repeat(249)]), allowAutoTopicCreation: true });
    expect(ok.topics[0]!.errorCode).toBe(0);
  });

  it('looks topics up by id from v12 and answers UNKNOWN_TOPIC_ID for an unknown one', async () => {
    const h = harness();
    const topic = await h.createTopic('by-id');
    const res = await h.call(ApiKey.Metadata, 12, {
      topics: [
        { topicId: topic.id, name: null },
        { topicId: 'AAAAAAAAAAAAAAAAAAAABQ', name: null },
      ],
    });
    expect(res.topics.map((t) => [t.name, t.topicId, t.errorCode])).toEqual([
      ['by-id', topic.id, 0],
      [null, 'AAAAAAAAAAAAAAAAAAAABQ', ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
  });

  it('refuses null names and topic ids at v10-11 with INVALID_REQUEST, as Kafka does', async () => {
    const h = harness();
    const topic = await h.createTopic('t');
    const res = await h.call(ApiKey.Metadata, 11, { topics: [{ topicId: topic.id, name: 't' }] });
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([['t', ErrorCode.INVALID_REQUEST]]);
  });

  it('reports authorized operations only when asked', async () => {
    const h = harness();
    await h.createTopic('t');
    const asked = await h.call(ApiKey.Metadata, 10, {
      topics: topicsOf(['t']),
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    });
    expect(asked.clusterAuthorizedOperations).toBe(CLUSTER_AUTHORIZED_OPERATIONS);
    expect(asked.topics[0]!.topicAuthorizedOperations).toBe(TOPIC_AUTHORIZED_OPERATIONS);
    const notAsked = await h.call(ApiKey.Metadata, 10, { topics: topicsOf(['t']) });
    expect(notAsked.clusterAuthorizedOperations).toBe(-2147483648);
    expect(notAsked.topics[0]!.topicAuthorizedOperations).toBe(-2147483648);
  });

  it('computes the operation bit fields Kafka uses', () => {
    // READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11.
    expect(TOPIC_AUTHORIZED_OPERATIONS).toBe(0b1101_1111_1000);
    // CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
    expect(CLUSTER_AUTHORIZED_OPERATIONS).toBe(0b1_1111_1010_0000);
  });

  it('answers duplicates once', async () => {
    const h = harness();
    await h.createTopic('t');
    const res = await h.call(ApiKey.Metadata, 9, { topics: topicsOf(['t', 't']) });
    expect(res.topics).toHaveLength(1);
  });

  it('answers a named topic at every version', async () => {
    const h = harness();
    await h.createTopic('t', 2);
    for (let version = 0; version <= 12; version++) {
      const res = await h.call(ApiKey.Metadata, version, {
        topics: topicsOf(['t']),
        includeClusterAuthorizedOperations: version >= 8 && version <= 10,
        includeTopicAuthorizedOperations: version >= 8,
      });
      expect(
        res.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
        `v${version}`,
      ).toEqual([['t', 0, 2]]);
      expect(res.brokers[0]!.nodeId, `v${version}`).toBe(7);
    }
  });
});
