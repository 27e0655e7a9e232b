import { expect, it, describe as suite } from 'vitest';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { decodeTransaction } from '../../shared/transactions/index.js';
import { harness } from '../test-harness.js';
import { addOffsets, addPartitions, describe, initTransactional, leavePreparing } from '../transaction-test-harness.js';

suite('add-offsets-to-txn', () => {
  it('adds the group to the transaction, starting it', async () => {
    const h = harness();
    const p = await initTransactional(h);
    expect(await addOffsets(h, p, 'g')).toBe(ErrorCode.NONE);
    expect(await describe(h, 'tx')).toMatchObject({ transactionState: 'Ongoing' });
    expect(decodeTransaction((await h.meta.transactions.get('tx'))!.value).groups).toEqual(['g']);
  });

  it('refuses unknown ids, other producers and fenced epochs', async () => {
    const h = harness();
    const p = await initTransactional(h);
    expect(await addOffsets(h, { ...p, transactionalId: 'x' }, 'g')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await addOffsets(h, { ...p, producerId: 77n }, 'g')).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await addOffsets(h, { ...p, producerEpoch: 5 }, 'g')).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await addOffsets(h, { ...p, transactionalId: '' }, 'g')).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('completes a transaction a crashed EndTxn left preparing, markers first, then starts the next', async () => {
    const h = harness();
    const topic = await h.createTopic('t', 1);
    const p = await initTransactional(h);
    await addPartitions(h, p, [{ name: 't', partitions: [0] }]);
    await leavePreparing(h, 'tx', 'PrepareAbort');
    expect(await addOffsets(h, p, 'g')).toBe(ErrorCode.NONE);
    // The abort marker of the first transaction is in the log, and the next one is under way.
    const [offsets] = await h.meta.log.offsets([{ topicId: topic.id, partition: 0 }]);
    expect(offsets!.highWatermark).toBe(1n);
    expect(await describe(h, 'tx')).toMatchObject({ transactionState: 'Ongoing', topics: [] });
  });
});
