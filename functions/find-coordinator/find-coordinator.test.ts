import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { harness, listenerHeader } from '../test-harness.js';

describe('find-coordinator', () => {
  it('names this node at the listener the client used (v0, a group)', async () => {
    const h = harness();
    const res = await h.call(ApiKey.FindCoordinator, 0, { key: 'g' }, listenerHeader('kafka.example.com:19092'));
    expect(res).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 7, host: 'kafka.example.com', port: 19092 });
  });

  it('serves transactional ids and refuses unknown key types (v1-3)', async () => {
    const h = harness();
    const txn = await h.call(ApiKey.FindCoordinator, 3, { key: 'tx', keyType: 1 }, listenerHeader('h:9092'));
    expect(txn).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, nodeId: 7, host: 'h', port: 9092 });
    const share = await h.call(ApiKey.FindCoordinator, 3, { key: 'g', keyType: 2 });
    expect(share).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1, host: '', port: -1 });
  });

  it('answers each batched key (v4+), empty ones too', async () => {
    const h = harness();
    const res = await h.call(
      ApiKey.FindCoordinator,
      6,
      { keyType: 0, coordinatorKeys: ['a', 'b', ''] },
      listenerHeader('[::1]:9093'),
    );
    expect(res.coordinators).toEqual(
      ['a', 'b', ''].map((key) => ({
        key,
        nodeId: 7,
        host: '::1',
        port: 9093,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
      })),
    );
    const bad = await h.call(ApiKey.FindCoordinator, 4, { keyType: 5, coordinatorKeys: ['a'] });
    expect(bad.coordinators.map((c) => c.errorCode)).toEqual([ErrorCode.INVALID_REQUEST]);
  });
});
