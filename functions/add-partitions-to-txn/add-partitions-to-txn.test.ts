import { expect, it, describe as suite } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { harness } from '../test-harness.js';
import { addPartitions, describe, initTransactional, leavePreparing } from '../transaction-test-harness.js';

suite('add-partitions-to-txn', () => {
  it('adds partitions, starting the transaction (v0-3)', async () => {
    const h = harness();
    await h.createTopic('a', 2);
    const p = await initTransactional(h);
    expect(await addPartitions(h, p, [{ name: 'a', partitions: [1, 0, 1] }])).toEqual([0, 0]);
    expect(await describe(h, 'tx')).toMatchObject({
      transactionState: 'Ongoing',
      topics: [{ topic: 'a', partitions: [0, 1] }],
    });
  });

  it('refuses unknown partitions without adding the others', async () => {
    const h = harness();
    await h.createTopic('a', 1);
    const p = await initTransactional(h);
    expect(
      await addPartitions(h, p, [
        { name: 'a', partitions: [0, 5] },
        { name: 'zz', partitions: [0] },
      ]),
    ).toEqual([
      ErrorCode.OPERATION_NOT_ATTEMPTED,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(await describe(h, 'tx')).toMatchObject({ transactionState: 'Empty' });
  });

  it('refuses other producer ids and fenced epochs, per version', async () => {
    const h = harness();
    await h.createTopic('a', 1);
    const p = await initTransactional(h);
    const t = [{ name: 'a', partitions: [0] }];
    expect(await addPartitions(h, { ...p, producerId: 999n }, t)).toEqual([ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    expect(await addPartitions(h, { ...p, transactionalId: 'none' }, t)).toEqual([
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    ]);
    expect(await addPartitions(h, { ...p, producerEpoch: 7 }, t, 2)).toEqual([ErrorCode.PRODUCER_FENCED]);
    expect(await addPartitions(h, { ...p, producerEpoch: 7 }, t, 1)).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await addPartitions(h, { ...p, transactionalId: '' }, t)).toEqual([ErrorCode.INVALID_REQUEST]);
  });

  it('serves batches of transactions and verifyOnly (v4+)', async () => {
    const h = harness();
    await h.createTopic('a', 2);
    const p = await initTransactional(h);
    const q = await initTransactional(h, 'other');
    const res = await h.call(ApiKey.AddPartitionsToTxn, 5, {
      transactions: [
        {
          transactionalId: 'tx',
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          verifyOnly: false,
          topics: [{ name: 'a', partitions: [0] }],
        },
        {
          transactionalId: 'other',
          producerId: q.producerId,
          producerEpoch: 9,
          verifyOnly: false,
          topics: [{ name: 'a', partitions: [1] }],
        },
      ],
    });
    expect(res.errorCode).toBe(0);
    expect(res.resultsByTransaction).toEqual([
      {
        transactionalId: 'tx',
        topicResults: [{ name: 'a', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }],
      },
      {
        transactionalId: 'other',
        topicResults: [
          { name: 'a', resultsByPartition: [{ partitionIndex: 1, partitionErrorCode: ErrorCode.PRODUCER_FENCED }] },
        ],
      },
    ]);
    const verify = await h.call(ApiKey.AddPartitionsToTxn, 4, {
      transactions: [
        {
          transactionalId: 'tx',
          producerId: p.producerId,
          producerEpoch: p.producerEpoch,
          verifyOnly: true,
          topics: [{ name: 'a', partitions: [0, 1] }],
        },
      ],
    });
    expect(verify.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition).toEqual([
      { partitionIndex: 0, partitionErrorCode: 0 },
      { partitionIndex: 1, partitionErrorCode: ErrorCode.TRANSACTION_ABORTABLE },
    ]);
    expect(await describe(h, 'tx')).toMatchObject({ topics: [{ topic: 'a', partitions: [0] }] });
  });

  it('completes a transaction a crashed EndTxn left preparing, markers first, then starts the next', async () => {
    const h = harness();
    const topic = await h.createTopic('t', 1);
    const p = await initTransactional(h);
    await addPartitions(h, p, [{ name: 't', partitions: [0] }]);
    await leavePreparing(h, 'tx', 'PrepareCommit');
    expect(await addPartitions(h, p, [{ name: 't', partitions: [0] }])).toEqual([ErrorCode.NONE]);
    // The commit marker of the first transaction is in the log, and the next one is under way.
    const [offsets] = await h.meta.log.offsets([{ topicId: topic.id, partition: 0 }]);
    expect(offsets!.highWatermark).toBe(1n);
    expect(await describe(h, 'tx')).toMatchObject({
      transactionState: 'Ongoing',
      topics: [{ topic: 't', partitions: [0] }],
    });
  });
});
