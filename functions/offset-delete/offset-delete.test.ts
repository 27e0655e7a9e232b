import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { joinConsumerGroup, stableClassicGroup, storeClassicGroup } from '../group-test-harness.js';
import { type Harness, harness } from '../test-harness.js';

async function commit(h: Harness, groupId: string, topic: string, partition: number): Promise<void> {
  await h.meta.groups.commitOffsets(groupId, [
    { topic, partition, offset: 1n, leaderEpoch: -1, metadata: '', commitTimestamp: h.nowMs, expireTimestamp: -1 },
  ]);
}

const remaining = async (h: Harness, groupId: string): Promise<string[]> =>
  (await h.meta.groups.fetchOffsets(groupId)).map((o) => `${o.topic}-${o.partition}`);

const deleteOffsets = (h: Harness, groupId: string, topics: Record<string, number[]>) =>
  h.call(ApiKey.OffsetDelete, 0, {
    groupId,
    topics: Object.entries(topics).map(([name, ps]) => ({
      name,
      partitions: ps.map((partitionIndex) => ({ partitionIndex })),
    })),
  });

describe('offset-delete', () => {
  it('answers GROUP_ID_NOT_FOUND for a group with neither state nor offsets, INVALID_GROUP_ID for an empty id', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    expect((await deleteOffsets(h, 'nobody', { t: [0] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect((await deleteOffsets(h, '', { t: [0] })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it("deletes a simple consumer's offsets, and answers UNKNOWN_TOPIC_OR_PARTITION for missing ones", async () => {
    const h = harness();
    await h.createTopic('t', 2);
    await commit(h, 'g', 't', 0);
    await commit(h, 'g', 't', 1);
    const r = await deleteOffsets(h, 'g', { t: [0, 5], gone: [0] });
    expect(r.errorCode).toBe(0);
    expect(r.topics.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(await remaining(h, 'g')).toEqual(['t-1']);
  });

  it('refuses topics a Stable classic consumer group subscribes to and deletes the others', async () => {
    const h = harness();
    await h.createTopic('sub', 1);
    await h.createTopic('old', 1);
    await commit(h, 'g', 'sub', 0);
    await commit(h, 'g', 'old', 0);
    await storeClassicGroup(
      h,
      stableClassicGroup('g', h.nowMs, [{ memberId: 'a', topics: ['sub'] }, { memberId: 'b' }]),
    );
    const r = await deleteOffsets(h, 'g', { sub: [0], old: [0] });
    expect(r.errorCode).toBe(0);
    expect(r.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([
      ['sub', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ['old', 0],
    ]);
    expect(await remaining(h, 'g')).toEqual(['sub-0']);
  });

  it('refuses a non-empty classic group that does not use the consumer protocol', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    await commit(h, 'g', 't', 0);
    await storeClassicGroup(h, stableClassicGroup('g', h.nowMs, [{ memberId: 'a' }], { protocolType: 'connect' }));
    const r = await deleteOffsets(h, 'g', { t: [0] });
    expect(r.errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect(r.topics).toEqual([]);
    expect(await remaining(h, 'g')).toEqual(['t-0']);
  });

  it('refuses topics a KIP-848 group subscribes to', async () => {
    const h = harness();
    await h.createTopic('sub', 1);
    await h.createTopic('old', 1);
    await joinConsumerGroup(h, 'cg', 'm1', ['sub']);
    await commit(h, 'cg', 'sub', 0);
    await commit(h, 'cg', 'old', 0);
    const r = await deleteOffsets(h, 'cg', { sub: [0], old: [0] });
    expect(r.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 0]);
    expect(await remaining(h, 'cg')).toEqual(['sub-0']);
  });
});
