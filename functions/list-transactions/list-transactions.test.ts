import { expect, it, describe as suite } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { harness } from '../test-harness.js';
import { addOffsets, describe, initTransactional } from '../transaction-test-harness.js';

suite('list-transactions and describe-transactions', () => {
  it('list by state, producer id and duration, echoing unknown states', async () => {
    const h = harness();
    const a = await initTransactional(h, 'a');
    const b = await initTransactional(h, 'b');
    await addOffsets(h, b, 'g');
    const list = (body: Record<string, unknown>, version = 1) =>
      h.call(ApiKey.ListTransactions, version, { stateFilters: [], producerIdFilters: [], ...body });
    expect((await list({})).transactionStates.map((t) => t.transactionalId)).toEqual(['a', 'b']);
    const ongoing = await list({ stateFilters: ['Ongoing', 'Bogus'] });
    expect(ongoing.unknownStateFilters).toEqual(['Bogus']);
    expect(ongoing.transactionStates).toEqual([
      { transactionalId: 'b', producerId: b.producerId, transactionState: 'Ongoing' },
    ]);
    expect((await list({ producerIdFilters: [a.producerId] })).transactionStates.map((t) => t.transactionalId)).toEqual(
      ['a'],
    );
    // As in Kafka, an id with no transaction (start time -1) passes any duration filter.
    const running = async () =>
      (await list({ durationFilter: 60_000n })).transactionStates.map((t) => t.transactionalId);
    expect(await running()).toEqual(['a']);
    h.nowMs += 120_000;
    expect(await running()).toEqual(['a', 'b']);
    // v0 has no duration filter.
    expect((await list({}, 0)).transactionStates).toHaveLength(2);
  });

  it('describe answers unknown and empty ids with errors', async () => {
    const h = harness();
    await initTransactional(h, 'a');
    const res = await h.call(ApiKey.DescribeTransactions, 0, { transactionalIds: ['a', 'nope', ''] });
    expect(res.transactionStates.map((t) => t.errorCode)).toEqual([
      0,
      ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(await describe(h, 'a')).toMatchObject({
      transactionState: 'Empty',
      producerEpoch: 0,
      transactionStartTimeMs: -1n,
    });
  });
});
