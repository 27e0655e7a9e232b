import { expect, it, describe as suite } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { harness } from '../test-harness.js';
import { addOffsets, endTxn, initTransactional } from '../transaction-test-harness.js';

suite('txn-offset-commit', () => {
  const commit = (
    p: { producerId: bigint; producerEpoch: number },
    extra: Record<string, unknown> = {},
    version = 3,
  ) => ({
    version,
    body: {
      transactionalId: 'tx',
      groupId: 'g',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      topics: [
        {
          name: 'in',
          partitions: [
            { partitionIndex: 0, committedOffset: 5n, committedMetadata: 'm' },
            { partitionIndex: 9, committedOffset: 5n, committedMetadata: null },
          ],
        },
      ],
      ...extra,
    },
  });

  it('stages offsets that OffsetFetch with require_stable reports unstable until EndTxn', async () => {
    const h = harness();
    await h.createTopic('in', 1);
    await h.meta.groups.commitOffsets('g', [
      { topic: 'in', partition: 0, offset: 2n, leaderEpoch: -1, metadata: '', commitTimestamp: 1, expireTimestamp: -1 },
    ]);
    const p = await initTransactional(h);
    await addOffsets(h, p, 'g');
    const { version, body } = commit(p);
    const res = await h.call(ApiKey.TxnOffsetCommit, version, body);
    expect(res.topics[0]!.partitions).toEqual([
      { partitionIndex: 0, errorCode: 0 },
      { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
    const fetch = (requireStable: boolean) =>
      h.call(ApiKey.OffsetFetch, 8, {
        groups: [{ groupId: 'g', topics: [{ name: 'in', partitionIndexes: [0] }] }],
        requireStable,
      });
    expect((await fetch(true)).groups[0]!.topics[0]!.partitions[0]).toMatchObject({
      committedOffset: -1n,
      errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
    });
    expect((await fetch(false)).groups[0]!.topics[0]!.partitions[0]).toMatchObject({
      committedOffset: 2n,
      errorCode: 0,
    });
    expect((await endTxn(h, p, true)).errorCode).toBe(0);
    expect((await fetch(true)).groups[0]!.topics[0]!.partitions[0]).toMatchObject({
      committedOffset: 5n,
      errorCode: 0,
    });
  });

  it('refuses a group the transaction did not add, and fenced or unknown producers', async () => {
    const h = harness();
    await h.createTopic('in', 1);
    const p = await initTransactional(h);
    const code = async (producer: { producerId: bigint; producerEpoch: number }, version: number) => {
      const { body } = commit(producer);
      const res = await h.call(ApiKey.TxnOffsetCommit, version, body);
      return res.topics[0]!.partitions[0]!.errorCode;
    };
    expect(await code(p, 4)).toBe(ErrorCode.TRANSACTION_ABORTABLE);
    expect(await code(p, 3)).toBe(ErrorCode.INVALID_TXN_STATE);
    await addOffsets(h, p, 'g');
    expect(await code({ ...p, producerEpoch: 9 }, 3)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await code({ ...p, producerEpoch: 9 }, 2)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await code({ ...p, producerId: 1234n }, 3)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await h.meta.groups.stagedPartitions('g')).toEqual([]);
  });

  it('checks the generation of a group without state (v3+)', async () => {
    const h = harness();
    await h.createTopic('in', 1);
    const p = await initTransactional(h);
    await addOffsets(h, p, 'g');
    const { body } = commit(p, { generationId: 3, memberId: 'm' });
    const res = await h.call(ApiKey.TxnOffsetCommit, 3, body);
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  });
});
