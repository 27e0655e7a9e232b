import { expect, it, describe as suite } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { decodeControlRecordKey, decodeEndTxnMarkerValue } from '../../shared/records/control.js';
import { decodeBatch } from '../../shared/records/records.js';
import { harness } from '../test-harness.js';
import {
  addOffsets,
  addPartitions,
  describe,
  endTxn,
  initTransactional,
  leavePreparing,
} from '../transaction-test-harness.js';

suite('end-txn', () => {
  it('writes a commit marker into every partition of the transaction and completes it', async () => {
    const h = harness();
    const topic = await h.createTopic('orders', 2);
    const p = await initTransactional(h);
    expect(await addPartitions(h, p, [{ name: 'orders', partitions: [0, 1] }])).toEqual([0, 0]);
    const res = await endTxn(h, p, true);
    expect(res.errorCode).toBe(ErrorCode.NONE);
    for (const partition of [0, 1]) {
      const [offsets] = await h.meta.log.offsets([{ topicId: topic.id, partition }]);
      expect(offsets!.highWatermark).toBe(1n);
      const [entry] = await h.meta.log.read({ topicId: topic.id, partition }, 0n, 1000);
      const bytes = await h.blobs.getRange(entry!.object, entry!.position, entry!.position + entry!.size);
      const batch = decodeBatch(bytes);
      if (!batch.ok) throw new Error('undecodable marker batch');
      expect(batch.value.header.isControl).toBe(true);
      expect(batch.value.header.isTransactional).toBe(true);
      expect(batch.value.header.producerId).toBe(p.producerId);
      expect(batch.value.header.baseSequence).toBe(-1);
      const key = decodeControlRecordKey(batch.value.records[0]!.key);
      const value = decodeEndTxnMarkerValue(batch.value.records[0]!.value);
      expect(key.ok && key.value).toEqual({ version: 0, type: 1 });
      expect(value.ok && value.value).toEqual({ version: 0, coordinatorEpoch: 0 });
    }
    expect(await describe(h, 'tx')).toMatchObject({ transactionState: 'CompleteCommit', topics: [] });
    // A retry of the same outcome is fine; the other outcome is not.
    expect((await endTxn(h, p, true)).errorCode).toBe(ErrorCode.NONE);
    expect((await endTxn(h, p, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('commits the staged offsets of the groups in the transaction, or drops them on abort', async () => {
    const h = harness();
    await h.createTopic('in', 1);
    for (const commit of [true, false]) {
      const p = await initTransactional(h);
      expect(await addOffsets(h, p, 'g')).toBe(ErrorCode.NONE);
      const staged = await h.call(ApiKey.TxnOffsetCommit, 3, {
        transactionalId: 'tx',
        groupId: 'g',
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        topics: [
          {
            name: 'in',
            partitions: [{ partitionIndex: 0, committedOffset: commit ? 10n : 20n, committedMetadata: null }],
          },
        ],
      });
      expect(staged.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      expect((await endTxn(h, p, commit)).errorCode).toBe(ErrorCode.NONE);
      expect((await h.meta.groups.fetchOffsets('g')).map((o) => o.offset)).toEqual([10n]);
      expect(await h.meta.groups.stagedPartitions('g')).toEqual([]);
    }
  });

  it('refuses Empty, unknown ids, other producer ids and fenced epochs (INVALID_PRODUCER_EPOCH before v2)', async () => {
    const h = harness();
    const p = await initTransactional(h);
    expect((await endTxn(h, p, true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await endTxn(h, { ...p, transactionalId: 'nope' }, true)).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
    expect((await endTxn(h, { ...p, producerId: p.producerId + 1n }, true)).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
    expect((await endTxn(h, { ...p, producerEpoch: p.producerEpoch - 1 }, true, 3)).errorCode).toBe(
      ErrorCode.PRODUCER_FENCED,
    );
    expect((await endTxn(h, { ...p, producerEpoch: p.producerEpoch - 1 }, true, 1)).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    expect((await endTxn(h, { ...p, transactionalId: '' }, true)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('bumps the epoch per transaction at v5 and answers the producer id and epoch to use next', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    const p = await initTransactional(h);
    await addPartitions(h, p, [{ name: 't', partitions: [0] }]);
    const res = await endTxn(h, p, false, 5);
    expect(res).toMatchObject({ errorCode: 0, producerId: p.producerId, producerEpoch: p.producerEpoch + 1 });
    expect(await describe(h, 'tx')).toMatchObject({
      transactionState: 'CompleteAbort',
      producerEpoch: p.producerEpoch + 1,
    });
    // The retry names the old epoch and gets the same answer.
    expect(await endTxn(h, p, false, 5)).toMatchObject({ errorCode: 0, producerEpoch: p.producerEpoch + 1 });
  });

  it('completes a PrepareCommit a crashed function left, on the next request for the id', async () => {
    const h = harness();
    const topic = await h.createTopic('t', 1);
    const p = await initTransactional(h);
    await addPartitions(h, p, [{ name: 't', partitions: [0] }]);
    await leavePreparing(h, 'tx', 'PrepareCommit');
    // The client retries its EndTxn: the coordinator finishes the job and answers.
    expect((await endTxn(h, p, true)).errorCode).toBe(ErrorCode.NONE);
    expect(await describe(h, 'tx')).toMatchObject({ transactionState: 'CompleteCommit' });
    const [offsets] = await h.meta.log.offsets([{ topicId: topic.id, partition: 0 }]);
    expect(offsets!.highWatermark).toBe(1n);
  });
});
