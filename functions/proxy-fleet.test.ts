/**
 * Several proxies in front of one fleet of functions (`--advertised-proxies`):
 * Metadata, DescribeTopicPartitions and DescribeCluster list every proxy as a
 * broker, partition leadership spreads over them by topic id and stays put,
 * FindCoordinator names the proxy the client is connected to, a broker
 * config resource names that proxy's node, and a proxy serves a partition
 * another one leads.
 */

import { describe, expect, it } from 'vitest';
import { ConfigResourceType } from '../shared/config/config-resources.js';
import { Header } from '../shared/invocation.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { brokerNodes, partitionLeader } from './cluster.js';
import type { FunctionEnv } from './define.js';
import { batchOf, harness } from './test-harness.js';

const FLEET = 'p0.example:9092,p1.example:9092,[::1]:9094';

function via(listener: string, fleet = FLEET): Record<string, string> {
  return { [Header.listener]: listener, [Header.brokers]: fleet };
}

const ctx = (listener: { host: string; port: number }, brokers?: { host: string; port: number }[]) => ({
  connectionId: 'c',
  clientAddress: '',
  principal: 'User:ANONYMOUS',
  listener,
  deadline: 0,
  ...(brokers === undefined ? {} : { brokers }),
});

describe('partition leadership over a proxy fleet', () => {
  const env = { config: { nodeId: 10 } } as FunctionEnv;
  const fleet = [
    { host: 'a', port: 1 },
    { host: 'b', port: 2 },
    { host: 'c', port: 3 },
  ];
  const nodes = brokerNodes(env, ctx(fleet[1]!, fleet));

  it('numbers the fleet from the configured node id, in the order given', () => {
    expect(nodes.map((n) => [n.nodeId, n.host, n.port])).toEqual([
      [10, 'a', 1],
      [11, 'b', 2],
      [12, 'c', 3],
    ]);
    expect(brokerNodes(env, ctx({ host: 'solo', port: 9 }))).toEqual([
      { nodeId: 10, host: 'solo', port: 9, rack: null },
    ]);
  });

  it('takes the fleet in turn from a point set by the topic id, the same on every call', () => {
    for (const topicId of ['AAAAAAAAAAAAAAAAAAAAAA', 'x8LxJ1N0TCiCcqSm2mJpAg', 'q']) {
      const leaders = Array.from({ length: 9 }, (_, p) => partitionLeader(nodes, topicId, p).nodeId);
      const first = leaders[0]! - 10;
      expect(leaders).toEqual(Array.from({ length: 9 }, (_, p) => 10 + ((first + p) % 3)));
      expect(Array.from({ length: 9 }, (_, p) => partitionLeader(nodes, topicId, p).nodeId)).toEqual(leaders);
    }
  });

  it('spreads the first partitions of many topics over every proxy', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const id = partitionLeader(nodes, `topic-id-${i}`, 0).nodeId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([10, 11, 12]);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
  });
});

describe('functions behind a proxy fleet', () => {
  it('Metadata lists every proxy, names the one the client uses controller, and spreads leaders', async () => {
    const h = harness({ nodeId: 0 });
    const topic = await h.createTopic('orders', 6);
    const res = await h.call(ApiKey.Metadata, 12, { topics: [{ name: 'orders' }] }, via('p1.example:9092'));
    expect(res.brokers).toEqual([
      { nodeId: 0, host: 'p0.example', port: 9092, rack: null },
      { nodeId: 1, host: 'p1.example', port: 9092, rack: null },
      { nodeId: 2, host: '::1', port: 9094, rack: null },
    ]);
    expect(res.controllerId).toBe(1);
    const leaders = res.topics[0]!.partitions.map((p) => p.leaderId);
    expect(new Set(leaders)).toEqual(new Set([0, 1, 2]));
    for (const p of res.topics[0]!.partitions) {
      expect(p.replicaNodes).toEqual([p.leaderId]);
      expect(p.isrNodes).toEqual([p.leaderId]);
    }
    // The same answer through another proxy: leadership does not depend on who asks.
    const other = await h.call(ApiKey.Metadata, 12, { topics: [{ name: 'orders' }] }, via('p0.example:9092'));
    expect(other.topics[0]!.partitions.map((p) => p.leaderId)).toEqual(leaders);
    expect(other.controllerId).toBe(0);
    const described = await h.call(
      ApiKey.DescribeTopicPartitions,
      0,
      { topics: [{ name: 'orders' }], responsePartitionLimit: 100, cursor: null },
      via('p0.example:9092'),
    );
    expect(described.topics[0]!.partitions.map((p) => p.leaderId)).toEqual(leaders);
    expect(topic.partitions).toBe(6);
  });

  it('DescribeCluster lists every proxy', async () => {
    const h = harness({ nodeId: 0 });
    const res = await h.call(
      ApiKey.DescribeCluster,
      1,
      { includeClusterAuthorizedOperations: false, endpointType: 1 },
      via('[::1]:9094'),
    );
    expect(res.brokers.map((b) => [b.brokerId, b.host, b.port])).toEqual([
      [0, 'p0.example', 9092],
      [1, 'p1.example', 9092],
      [2, '::1', 9094],
    ]);
    expect(res.controllerId).toBe(2);
  });

  it('FindCoordinator names the proxy the client is connected to, a listed broker', async () => {
    const h = harness({ nodeId: 0 });
    const res = await h.call(
      ApiKey.FindCoordinator,
      6,
      { keyType: 0, coordinatorKeys: ['g1', 'g2'] },
      via('p1.example:9092'),
    );
    expect(res.coordinators.map((c) => [c.nodeId, c.host, c.port, c.errorCode])).toEqual([
      [1, 'p1.example', 9092, ErrorCode.NONE],
      [1, 'p1.example', 9092, ErrorCode.NONE],
    ]);
  });

  it("a broker config resource names the node of the proxy the request came through, as a broker's own id", async () => {
    const h = harness({ nodeId: 0 });
    const describe = async (name: string, listener: string) =>
      (
        await h.call(
          ApiKey.DescribeConfigs,
          4,
          {
            resources: [
              { resourceType: ConfigResourceType.BROKER, resourceName: name, configurationKeys: ['node.id'] },
            ],
            includeSynonyms: false,
            includeDocumentation: false,
          },
          via(listener),
        )
      ).results[0]!;
    const own = await describe('1', 'p1.example:9092');
    expect(own.errorCode).toBe(ErrorCode.NONE);
    expect(own.configs.map((c) => [c.name, c.value])).toEqual([['node.id', '1']]);
    expect((await describe('2', '[::1]:9094')).configs.map((c) => c.value)).toEqual(['2']);
    // Another proxy's node id, as Kafka answers a broker resource sent to the wrong broker.
    expect(await describe('2', 'p1.example:9092')).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 2',
    });

    const alter = async (name: string, listener: string) =>
      (
        await h.call(
          ApiKey.IncrementalAlterConfigs,
          1,
          {
            resources: [{ resourceType: ConfigResourceType.BROKER_LOGGER, resourceName: name, configs: [] }],
            validateOnly: true,
          },
          via(listener),
        )
      ).responses[0]!.errorCode;
    expect(await alter('2', '[::1]:9094')).toBe(ErrorCode.NONE);
    expect(await alter('0', '[::1]:9094')).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('serves Produce for a partition another proxy leads', async () => {
    const h = harness({ nodeId: 0 });
    await h.createTopic('orders', 6);
    const meta = await h.call(ApiKey.Metadata, 12, { topics: [{ name: 'orders' }] }, via('p0.example:9092'));
    const foreign = meta.topics[0]!.partitions.find((p) => p.leaderId !== 0)!;
    const res = await h.call(
      ApiKey.Produce,
      9,
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: 'orders', partitionData: [{ index: foreign.partitionIndex, records: batchOf(['x']) }] }],
      },
      via('p0.example:9092'),
    );
    expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
  });
});
