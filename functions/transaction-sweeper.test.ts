import { expect, it, describe as suite } from 'vitest';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import { decodeTransaction, encodeTransaction } from '../shared/transactions/index.js';
import { harness } from './test-harness.js';
import { sweepTransactions } from './transaction-sweeper.js';
import { addPartitions, describe, endTxn, initTransactional } from './transaction-test-harness.js';

suite('transaction sweep', () => {
  it('aborts a transaction past its timeout with an epoch bump, fencing its producer', async () => {
    const h = harness();
    const topic = await h.createTopic('t', 1);
    const p = await initTransactional(h, 'tx', 10_000);
    await addPartitions(h, p, [{ name: 't', partitions: [0] }]);
    expect(await sweepTransactions(h.env)).toEqual({ transactions: 1, aborted: 0, completed: 0, expired: 0 });
    h.nowMs += 11_000;
    expect(await sweepTransactions(h.env)).toEqual({ transactions: 1, aborted: 1, completed: 0, expired: 0 });
    expect(await describe(h, 'tx')).toMatchObject({
      transactionState: 'CompleteAbort',
      producerEpoch: p.producerEpoch + 1,
    });
    const [offsets] = await h.meta.log.offsets([{ topicId: topic.id, partition: 0 }]);
    expect(offsets!.highWatermark).toBe(1n);
    expect((await endTxn(h, p, true)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('completes a Prepare state a crashed function left', async () => {
    const h = harness();
    await h.createTopic('t', 1);
    const p = await initTransactional(h);
    await addPartitions(h, p, [{ name: 't', partitions: [0] }]);
    const stored = (await h.meta.transactions.get('tx'))!;
    const prepared = { ...decodeTransaction(stored.value), state: 'PrepareAbort' as const };
    await h.meta.transactions.compareAndSet('tx', stored.version, encodeTransaction(prepared));
    expect(await sweepTransactions(h.env)).toMatchObject({ completed: 1 });
    expect(await describe(h, 'tx')).toMatchObject({ transactionState: 'CompleteAbort' });
  });

  it('expires transactional ids idle for transactional.id.expiration.ms', async () => {
    const h = harness({ transactionalIdExpirationMs: 60_000 });
    await initTransactional(h);
    h.nowMs += 59_000;
    expect(await sweepTransactions(h.env)).toMatchObject({ expired: 0 });
    h.nowMs += 2_000;
    expect(await sweepTransactions(h.env)).toMatchObject({ expired: 1 });
    expect(await h.meta.transactions.list()).toEqual([]);
  });
});
