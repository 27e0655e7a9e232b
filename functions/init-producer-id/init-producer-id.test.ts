import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { harness } from '../test-harness.js';

describe('init-producer-id', () => {
  it('gives each idempotent producer a new id with epoch 0', async () => {
    const h = harness();
    const a = await h.call(ApiKey.InitProducerId, 5, { transactionalId: null, transactionTimeoutMs: 60_000 });
    const b = await h.call(ApiKey.InitProducerId, 2, { transactionalId: null, transactionTimeoutMs: 60_000 });
    expect(a).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(b).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(a.producerId).toBeGreaterThanOrEqual(0n);
    expect(b.producerId).not.toBe(a.producerId);
    // A producer re-initializing with its old id still gets a fresh one (TransactionCoordinator, no transactional id).
    const c = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: a.producerId,
      producerEpoch: 0,
    });
    expect(c.errorCode).toBe(0);
    expect([a.producerId, b.producerId]).not.toContain(c.producerId);
  });

  it('gives a new transactional id a producer id at epoch 0, and bumps the epoch on every call', async () => {
    const h = harness();
    const a = await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx-1', transactionTimeoutMs: 60_000 });
    expect(a).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const b = await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx-1', transactionTimeoutMs: 60_000 });
    expect(b).toMatchObject({ errorCode: 0, producerId: a.producerId, producerEpoch: 1 });
    // KIP-360: the producer names its current epoch; a retry naming the previous one is answered again.
    const c = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: 'tx-1',
      transactionTimeoutMs: 60_000,
      producerId: a.producerId,
      producerEpoch: 1,
    });
    expect(c).toMatchObject({ errorCode: 0, producerEpoch: 2 });
    const retry = await h.call(ApiKey.InitProducerId, 4, {
      transactionalId: 'tx-1',
      transactionTimeoutMs: 60_000,
      producerId: a.producerId,
      producerEpoch: 1,
    });
    expect(retry).toMatchObject({ errorCode: 0, producerEpoch: 2 });
    const zombie = {
      transactionalId: 'tx-1',
      transactionTimeoutMs: 60_000,
      producerId: a.producerId,
      producerEpoch: 0,
    };
    expect((await h.call(ApiKey.InitProducerId, 4, zombie)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await h.call(ApiKey.InitProducerId, 3, zombie)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await h.call(ApiKey.InitProducerId, 5, { transactionalId: '', transactionTimeoutMs: 1 })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
  });

  it('refuses a transaction timeout outside (0, transaction.max.timeout.ms]', async () => {
    const h = harness({ transactionMaxTimeoutMs: 1000 });
    for (const timeout of [0, -1, 1001]) {
      const res = await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx', transactionTimeoutMs: timeout });
      expect(res).toEqual({
        throttleTimeMs: 0,
        errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT,
        producerId: -1n,
        producerEpoch: -1,
      });
    }
    expect(
      (await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx', transactionTimeoutMs: 1000 })).errorCode,
    ).toBe(0);
  });

  it('aborts an ongoing transaction of the id, fencing its producer, before bumping the epoch', async () => {
    const h = harness();
    const topic = await h.createTopic('t', 1);
    const a = await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    await h.call(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: 'tx',
      v3AndBelowProducerId: a.producerId,
      v3AndBelowProducerEpoch: a.producerEpoch,
      v3AndBelowTopics: [{ name: 't', partitions: [0] }],
    });
    const b = await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    // One bump to fence (the abort marker carries it), one for the new session.
    expect(b).toMatchObject({ errorCode: 0, producerId: a.producerId, producerEpoch: 2 });
    const [offsets] = await h.meta.log.offsets([{ topicId: topic.id, partition: 0 }]);
    expect(offsets!.highWatermark).toBe(1n);
    const states = await h.call(ApiKey.DescribeTransactions, 0, { transactionalIds: ['tx'] });
    expect(states.transactionStates[0]).toMatchObject({ transactionState: 'Empty', producerEpoch: 2 });
  });

  it('refuses a producer id without an epoch, or the reverse (v3+)', async () => {
    const h = harness();
    const res = await h.call(ApiKey.InitProducerId, 3, {
      transactionalId: null,
      transactionTimeoutMs: 1,
      producerId: 4n,
      producerEpoch: -1,
    });
    expect(res.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('answers a retriable error when the store is down', async () => {
    const h = harness();
    await h.meta.close();
    const res = await h.call(ApiKey.InitProducerId, 5, { transactionalId: null, transactionTimeoutMs: 1 });
    expect(res.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const txn = await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx', transactionTimeoutMs: 1 });
    expect(txn.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
