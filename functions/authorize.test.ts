/**
 * Enforcement in every class of function (data path, groups, admin,
 * transactions), with principals injected as the proxy sends them: what a
 * principal without rights is refused with, Kafka's error codes, that an
 * ACL created through CreateAcls holds from the next request on, and that
 * the ACLs are read beside an invocation's nonce claim.
 */

import { describe, expect, it } from 'vitest';
import { AclPermission, AclOperation as Op, PatternType, ResourceType } from '../shared/acls/acl.js';
import { Header, INVOKE_PATH, signInvocation, writeContext } from '../shared/invocation.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { newTopicId } from '../shared/topic-ids.js';
import { allInOneApp } from './app.js';
import { batchOf, type Harness, harness, memoryEnv } from './test-harness.js';

const as = (principal: string, host = '10.1.1.1'): Record<string, string> => ({
  [Header.principal]: principal,
  [Header.clientAddress]: `${host}:5000`,
});
const admin = as('User:admin');
const alice = as('User:alice');

function secured(options: { allowEveryoneIfNoAclFound?: boolean } = {}): Harness {
  return harness({
    authorizer: { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: options.allowEveryoneIfNoAclFound ?? false },
  });
}

async function grant(
  h: Harness,
  resourceType: number,
  resourceName: string,
  operation: number,
  options: { principal?: string; deny?: boolean; prefixed?: boolean; host?: string } = {},
): Promise<void> {
  const res = await h.call(
    ApiKey.CreateAcls,
    3,
    {
      creations: [
        {
          resourceType,
          resourceName,
          resourcePatternType: options.prefixed === true ? PatternType.PREFIXED : PatternType.LITERAL,
          principal: options.principal ?? 'User:alice',
          host: options.host ?? '*',
          operation,
          permissionType: options.deny === true ? AclPermission.DENY : AclPermission.ALLOW,
        },
      ],
    },
    admin,
  );
  expect(res.results[0]!.errorCode).toBe(ErrorCode.NONE);
}

const produce = (h: Harness, topic: string, headers: Record<string, string>, transactionalId: string | null = null) =>
  h
    .call(
      ApiKey.Produce,
      9,
      {
        transactionalId,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf(['v']) }] }],
      },
      headers,
    )
    .then((r) => r.responses[0]!.partitionResponses[0]!.errorCode);

const fetch = (h: Harness, topic: string, headers: Record<string, string>) =>
  h
    .call(
      ApiKey.Fetch,
      12,
      {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
      },
      headers,
    )
    .then((r) => r.responses[0]!.partitions[0]!.errorCode);

describe('authorization: data path', () => {
  it('leaves every request allowed when no authorizer is configured', async () => {
    const h = harness();
    await h.createTopic('t');
    expect(await produce(h, 't', alice)).toBe(ErrorCode.NONE);
    expect(await fetch(h, 't', alice)).toBe(ErrorCode.NONE);
  });

  it('needs WRITE to produce and READ to fetch, and takes a new ACL at once', async () => {
    const h = secured();
    await h.createTopic('t');
    expect(await produce(h, 't', alice)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await fetch(h, 't', alice)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    // Refused before existence, as Kafka does: no hint whether the topic exists.
    expect(await produce(h, 'missing', alice)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await produce(h, 't', admin)).toBe(ErrorCode.NONE);
    await grant(h, ResourceType.TOPIC, 't', Op.WRITE);
    expect(await produce(h, 't', alice)).toBe(ErrorCode.NONE);
    expect(await fetch(h, 't', alice)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant(h, ResourceType.TOPIC, 't', Op.READ, { prefixed: true });
    expect(await fetch(h, 't', alice)).toBe(ErrorCode.NONE);
    // A DENY wins, from another host only where it applies.
    await grant(h, ResourceType.TOPIC, '*', Op.READ, { deny: true, host: '10.9.9.9' });
    expect(await fetch(h, 't', alice)).toBe(ErrorCode.NONE);
    expect(await fetch(h, 't', as('User:alice', '10.9.9.9'))).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('refuses a transactional produce without WRITE on its transactional id', async () => {
    const h = secured();
    await h.createTopic('t');
    await grant(h, ResourceType.TOPIC, 't', Op.WRITE);
    expect(await produce(h, 't', alice, 'tx')).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  it('follows allow.everyone.if.no.acl.found for resources without ACLs', async () => {
    const h = secured({ allowEveryoneIfNoAclFound: true });
    await h.createTopic('open');
    await h.createTopic('owned');
    await grant(h, ResourceType.TOPIC, 'owned', Op.WRITE, { principal: 'User:bob' });
    expect(await produce(h, 'open', alice)).toBe(ErrorCode.NONE);
    expect(await produce(h, 'owned', alice)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('lists only DESCRIBE-able topics, fails named ones, and needs CREATE to auto-create', async () => {
    const h = secured();
    await h.createTopic('seen');
    await h.createTopic('hidden');
    await grant(h, ResourceType.TOPIC, 'seen', Op.READ);
    const all = await h.call(ApiKey.Metadata, 12, { topics: null, includeTopicAuthorizedOperations: true }, alice);
    expect(all.topics.map((t) => t.name)).toEqual(['seen']);
    expect(all.topics[0]!.topicAuthorizedOperations).toBe((1 << Op.READ) | (1 << Op.DESCRIBE));
    const named = await h.call(
      ApiKey.Metadata,
      12,
      { topics: [{ name: 'hidden' }, { name: 'new' }], allowAutoTopicCreation: true },
      alice,
    );
    expect(named.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['hidden', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ['new', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    await grant(h, ResourceType.TOPIC, 'new', Op.DESCRIBE);
    const stillNo = await h.call(
      ApiKey.Metadata,
      12,
      { topics: [{ name: 'new' }], allowAutoTopicCreation: true },
      alice,
    );
    expect(stillNo.topics[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant(h, ResourceType.CLUSTER, 'kafka-cluster', Op.CREATE);
    const created = await h.call(
      ApiKey.Metadata,
      12,
      { topics: [{ name: 'new' }], allowAutoTopicCreation: true },
      alice,
    );
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    const cluster = await h.call(ApiKey.Metadata, 10, { topics: [], includeClusterAuthorizedOperations: true }, alice);
    expect(cluster.clusterAuthorizedOperations).toBe(0);
  });

  it('needs DESCRIBE for ListOffsets and DELETE for DeleteRecords', async () => {
    const h = secured();
    await h.createTopic('t');
    const list = await h.call(
      ApiKey.ListOffsets,
      7,
      { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] },
      alice,
    );
    expect(list.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const del = await h.call(
      ApiKey.DeleteRecords,
      2,
      { timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 0n }] }] },
      alice,
    );
    expect(del.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const epochs = await h.call(
      ApiKey.OffsetForLeaderEpoch,
      4,
      {
        replicaId: -1,
        topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
      },
      alice,
    );
    expect(epochs.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const producers = await h.call(
      ApiKey.DescribeProducers,
      0,
      { topics: [{ name: 't', partitionIndexes: [0] }] },
      alice,
    );
    expect(producers.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const partitions = await h.call(
      ApiKey.DescribeTopicPartitions,
      0,
      { topics: [{ name: 't' }], responsePartitionLimit: 10 },
      alice,
    );
    expect(partitions.topics[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const everything = await h.call(
      ApiKey.DescribeTopicPartitions,
      0,
      { topics: [], responsePartitionLimit: 10 },
      alice,
    );
    expect(everything.topics).toEqual([]);
    // DESCRIBE (implied by READ) opens ListOffsets and OffsetForLeaderEpoch; DescribeProducers needs READ itself.
    await grant(h, ResourceType.TOPIC, 't', Op.READ);
    const listed = await h.call(
      ApiKey.ListOffsets,
      7,
      { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] },
      alice,
    );
    expect(listed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });
});

describe('authorization: groups', () => {
  const commit = (h: Harness, group: string, topic: string, headers: Record<string, string>) =>
    h.call(
      ApiKey.OffsetCommit,
      8,
      {
        groupId: group,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1n }] }],
      },
      headers,
    );

  it('needs DESCRIBE on the group to find its coordinator, READ to join, and READ on group and topic to commit', async () => {
    const h = secured();
    await h.createTopic('t');
    const find = await h.call(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['g'] }, alice);
    expect(find.coordinators[0]).toMatchObject({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, nodeId: -1 });
    const join = await h.call(
      ApiKey.JoinGroup,
      9,
      {
        groupId: 'g',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: new Uint8Array() }],
      },
      alice,
    );
    expect(join.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await commit(h, 'g', 't', alice)).topics[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.GROUP_AUTHORIZATION_FAILED,
    );
    await grant(h, ResourceType.GROUP, 'g', Op.READ);
    expect((await commit(h, 'g', 't', alice)).topics[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    );
    await grant(h, ResourceType.TOPIC, 't', Op.READ);
    expect((await commit(h, 'g', 't', alice)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const found = await h.call(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['g'] }, alice);
    expect(found.coordinators[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('filters listed groups and refuses describing, fetching and deleting without rights', async () => {
    const h = secured();
    await h.createTopic('t');
    for (const g of ['mine', 'theirs']) await commit(h, g, 't', admin);
    await grant(h, ResourceType.GROUP, 'mine', Op.DESCRIBE);
    const listed = await h.call(ApiKey.ListGroups, 4, { statesFilter: [] }, alice);
    expect(listed.groups.map((g) => g.groupId)).toEqual(['mine']);
    expect((await h.call(ApiKey.ListGroups, 4, { statesFilter: [] }, admin)).groups).toHaveLength(2);
    const described = await h.call(
      ApiKey.DescribeGroups,
      5,
      { groups: ['mine', 'theirs'], includeAuthorizedOperations: true },
      alice,
    );
    expect(described.groups.map((g) => [g.groupId, g.errorCode, g.authorizedOperations])).toEqual([
      ['mine', ErrorCode.NONE, 1 << Op.DESCRIBE],
      ['theirs', ErrorCode.GROUP_AUTHORIZATION_FAILED, -2147483648],
    ]);
    const fetched = await h.call(
      ApiKey.OffsetFetch,
      8,
      {
        groups: [
          { groupId: 'mine', topics: null },
          { groupId: 'theirs', topics: null },
        ],
      },
      alice,
    );
    expect(fetched.groups.map((g) => [g.errorCode, g.topics.length])).toEqual([
      [ErrorCode.NONE, 0],
      [ErrorCode.GROUP_AUTHORIZATION_FAILED, 0],
    ]);
    const named = await h.call(
      ApiKey.OffsetFetch,
      8,
      { groups: [{ groupId: 'mine', topics: [{ name: 't', partitionIndexes: [0] }] }] },
      alice,
    );
    expect(named.groups[0]!.topics[0]!.partitions[0]).toMatchObject({
      errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      committedOffset: -1n,
    });
    const deleted = await h.call(ApiKey.DeleteGroups, 2, { groupsNames: ['mine'] }, alice);
    expect(deleted.results[0]!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  });
});

describe('authorization: admin', () => {
  it('needs CREATE, DELETE, ALTER and config rights on topics, cluster rights for brokers', async () => {
    const h = secured();
    await h.createTopic('t');
    const create = await h.call(
      ApiKey.CreateTopics,
      7,
      { topics: [{ name: 'n', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 1000 },
      alice,
    );
    expect(create.topics[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant(h, ResourceType.TOPIC, 'n', Op.CREATE);
    const created = await h.call(
      ApiKey.CreateTopics,
      7,
      { topics: [{ name: 'n', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 1000 },
      alice,
    );
    expect(created.topics[0]).toMatchObject({
      errorCode: ErrorCode.NONE,
      topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    });
    const del = await h.call(ApiKey.DeleteTopics, 6, { topics: [{ name: 't' }], timeoutMs: 1000 }, alice);
    expect(del.responses[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const grow = await h.call(
      ApiKey.CreatePartitions,
      3,
      { topics: [{ name: 't', count: 2, assignments: null }], timeoutMs: 1000 },
      alice,
    );
    expect(grow.results[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const configs = await h.call(
      ApiKey.DescribeConfigs,
      4,
      {
        resources: [
          { resourceType: 2, resourceName: 't', configurationKeys: null },
          { resourceType: 4, resourceName: '', configurationKeys: null },
        ],
      },
      alice,
    );
    expect(configs.results.map((r) => r.errorCode)).toEqual([
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    ]);
    const alter = await h.call(
      ApiKey.IncrementalAlterConfigs,
      1,
      {
        resources: [
          { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }] },
        ],
      },
      alice,
    );
    expect(alter.responses[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await grant(h, ResourceType.TOPIC, 't', Op.ALTER_CONFIGS);
    const described = await h.call(
      ApiKey.DescribeConfigs,
      4,
      { resources: [{ resourceType: 2, resourceName: 't', configurationKeys: null }] },
      alice,
    );
    expect(described.results[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('reports cluster authorized operations only with DESCRIBE on the cluster', async () => {
    const h = secured();
    const none = await h.call(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: true }, alice);
    expect(none.clusterAuthorizedOperations).toBe(0);
    await grant(h, ResourceType.CLUSTER, 'kafka-cluster', Op.ALTER);
    const some = await h.call(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: true }, alice);
    expect(some.clusterAuthorizedOperations).toBe((1 << Op.ALTER) | (1 << Op.DESCRIBE));
  });
});

describe('authorization: transactions', () => {
  it('needs IDEMPOTENT_WRITE on the cluster, or WRITE on some topic, for an idempotent producer id', async () => {
    const h = secured();
    const init = () => h.call(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000 }, alice);
    expect((await init()).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    await grant(h, ResourceType.TOPIC, 'orders-', Op.WRITE, { prefixed: true });
    expect((await init()).errorCode).toBe(ErrorCode.NONE);
  });

  it('needs WRITE on the transactional id for each transactional step', async () => {
    const h = secured();
    await h.createTopic('t');
    const init = await h.call(ApiKey.InitProducerId, 4, { transactionalId: 'tx', transactionTimeoutMs: 60_000 }, alice);
    expect(init.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const find = await h.call(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx'] }, alice);
    expect(find.coordinators[0]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const add = await h.call(
      ApiKey.AddPartitionsToTxn,
      3,
      {
        v3AndBelowTransactionalId: 'tx',
        v3AndBelowProducerId: 0n,
        v3AndBelowProducerEpoch: 0,
        v3AndBelowTopics: [{ name: 't', partitions: [0] }],
      },
      alice,
    );
    expect(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    );
    const offsets = await h.call(
      ApiKey.AddOffsetsToTxn,
      3,
      { transactionalId: 'tx', producerId: 0n, producerEpoch: 0, groupId: 'g' },
      alice,
    );
    expect(offsets.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const end = await h.call(
      ApiKey.EndTxn,
      3,
      { transactionalId: 'tx', producerId: 0n, producerEpoch: 0, committed: true },
      alice,
    );
    expect(end.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

    await grant(h, ResourceType.TRANSACTIONAL_ID, 'tx', Op.WRITE);
    const p = await h.call(ApiKey.InitProducerId, 4, { transactionalId: 'tx', transactionTimeoutMs: 60_000 }, alice);
    expect(p.errorCode).toBe(ErrorCode.NONE);
    const addAgain = await h.call(
      ApiKey.AddPartitionsToTxn,
      3,
      {
        v3AndBelowTransactionalId: 'tx',
        v3AndBelowProducerId: p.producerId,
        v3AndBelowProducerEpoch: p.producerEpoch,
        v3AndBelowTopics: [{ name: 't', partitions: [0] }],
      },
      alice,
    );
    expect(addAgain.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    );
    const offsetsAgain = await h.call(
      ApiKey.AddOffsetsToTxn,
      3,
      { transactionalId: 'tx', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: 'g' },
      alice,
    );
    expect(offsetsAgain.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const txnCommit = await h.call(
      ApiKey.TxnOffsetCommit,
      3,
      {
        transactionalId: 'tx',
        groupId: 'g',
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }],
      },
      alice,
    );
    expect(txnCommit.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // Brokers' batched form (v4+) needs CLUSTER_ACTION.
    const batched = await h.call(ApiKey.AddPartitionsToTxn, 5, { transactions: [] }, alice);
    expect(batched.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it('lists and describes only transactional ids the requester may DESCRIBE', async () => {
    const h = secured();
    for (const id of ['a', 'b']) {
      expect(
        (await h.call(ApiKey.InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000 }, admin))
          .errorCode,
      ).toBe(0);
    }
    await grant(h, ResourceType.TRANSACTIONAL_ID, 'a', Op.WRITE);
    const listed = await h.call(ApiKey.ListTransactions, 1, { stateFilters: [], producerIdFilters: [] }, alice);
    expect(listed.transactionStates.map((t) => t.transactionalId)).toEqual(['a']);
    const described = await h.call(ApiKey.DescribeTransactions, 0, { transactionalIds: ['a', 'b'] }, alice);
    expect(described.transactionStates.map((t) => t.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    ]);
  });
});

describe('authorization: reading the ACLs', () => {
  it('starts the read as a signed invocation arrives, beside its nonce claim, not after it', async () => {
    const env = memoryEnv({ authorizer: { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false } });
    const { meta } = env;
    await meta.topics.createTopic({ name: 't', id: newTopicId(), partitions: 1, configs: {}, createdAt: Date.now() });
    // The claim settles only once the ACL version has been read, so an app that read the ACLs after the claim
    // (as Produce's handler, which waits for the claim, would) never answers.
    let versionRead = (): void => undefined;
    const read = new Promise<void>((resolve) => {
      versionRead = resolve;
    });
    const version = meta.acls.version.bind(meta.acls);
    meta.acls.version = () => {
      versionRead();
      return version();
    };
    const claim = meta.nonces.claim.bind(meta.nonces);
    meta.nonces.claim = async (nonce, lifetimeMs) => {
      await read;
      return claim(nonce, lifetimeMs);
    };
    const app = allInOneApp(env, { secrets: ['s1'], requireSignature: true });
    const frame = encodeRequest(ApiKey.Produce, 9, 1, 'test', {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batchOf(['x']) }] }],
    });
    const headers = new Headers();
    const ctx = { connectionId: 'c', clientAddress: '10.1.1.1:5000', principal: 'User:admin' };
    writeContext(
      headers,
      { ...ctx, listener: { host: 'h', port: 9092 }, deadline: Date.now() + 30_000 },
      ApiKey.Produce,
    );
    await signInvocation(headers, frame, 's1');
    const answered = app.fetch(new Request(`http://f${INVOKE_PATH}`, { method: 'POST', body: frame, headers }));
    const outcome = await Promise.race([
      answered,
      new Promise((resolve) => setTimeout(() => resolve('no answer'), 2000)),
    ]);
    expect(outcome).toBeInstanceOf(Response);
    const res = decodeResponse(ApiKey.Produce, 9, new Uint8Array(await (outcome as Response).arrayBuffer()));
    expect(res.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
  });
});
