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

  it('refuses transactional ids clearly, since transactions are not served', async () => {
    const h = harness();
    const res = await h.call(ApiKey.InitProducerId, 5, { transactionalId: 'tx-1', transactionTimeoutMs: 60_000 });
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      producerId: -1n,
      producerEpoch: -1,
    });
    expect((await h.call(ApiKey.InitProducerId, 5, { transactionalId: '', transactionTimeoutMs: 1 })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
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
  });
});
