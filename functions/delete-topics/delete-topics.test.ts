import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../shared/protocol/primitives.js';
import { newTopicId } from '../../shared/topic-ids.js';
import { type Harness as AdminHarness, adminHarness } from '../test-harness.js';

async function createTopics(h: AdminHarness, ...names: string[]): Promise<Map<string, string>> {
  await h.call(ApiKey.CreateTopics, 7, {
    topics: names.map((name) => ({ name, numPartitions: 2, replicationFactor: 1 })),
  });
  const ids = new Map<string, string>();
  for (const name of names) ids.set(name, (await h.meta.topics.getTopic(name))!.id);
  return ids;
}

describe('DeleteTopics', () => {
  it('deletes by name at the oldest version', async () => {
    const h = adminHarness();
    await createTopics(h, 'a', 'b');
    const { responses } = await h.call(ApiKey.DeleteTopics, 0, { topicNames: ['a', 'missing'], timeoutMs: 1000 });
    expect(responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['a', ErrorCode.NONE],
    ]);
    expect(await h.meta.topics.getTopic('a')).toBeNull();
    expect(await h.meta.topics.getTopic('b')).not.toBeNull();
  });

  it('carries error messages from v5', async () => {
    const h = adminHarness();
    const { responses } = await h.call(ApiKey.DeleteTopics, 5, { topicNames: ['missing'] });
    expect(responses).toEqual([
      {
        name: 'missing',
        topicId: ZERO_UUID,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: 'This server does not host this topic-partition.',
      },
    ]);
  });

  it('deletes by name or by id at the newest version, reporting the id', async () => {
    const h = adminHarness();
    const ids = await createTopics(h, 'by-name', 'by-id');
    const { responses } = await h.call(ApiKey.DeleteTopics, 6, {
      topics: [{ name: 'by-name' }, { name: null, topicId: ids.get('by-id')! }],
    });
    expect(responses).toEqual(
      expect.arrayContaining([
        { name: 'by-name', topicId: ids.get('by-name'), errorCode: ErrorCode.NONE, errorMessage: null },
        { name: 'by-id', topicId: ids.get('by-id'), errorCode: ErrorCode.NONE, errorMessage: null },
      ]),
    );
    expect(responses).toHaveLength(2);
    expect(await h.meta.topics.listTopics()).toEqual([]);
  });

  it('answers UNKNOWN_TOPIC_ID for an unknown id and UNKNOWN_TOPIC_OR_PARTITION for an unknown name', async () => {
    const h = adminHarness();
    const id = newTopicId();
    const { responses } = await h.call(ApiKey.DeleteTopics, 6, {
      topics: [{ name: null, topicId: id }, { name: 'nope' }],
    });
    expect(responses).toEqual([
      { name: null, topicId: id, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: expect.any(String) },
      {
        name: 'nope',
        topicId: ZERO_UUID,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: expect.any(String),
      },
    ]);
  });

  it('refuses a name and an id together, neither, and duplicates with INVALID_REQUEST', async () => {
    const h = adminHarness();
    const ids = await createTopics(h, 'keep', 'twice');
    const { responses } = await h.call(ApiKey.DeleteTopics, 6, {
      topics: [
        { name: 'keep', topicId: ids.get('keep')! },
        { name: null, topicId: ZERO_UUID },
        { name: 'twice' },
        { name: 'twice' },
        { name: null, topicId: ids.get('keep')! },
        { name: null, topicId: ids.get('keep')! },
      ],
    });
    expect(responses).toEqual([
      {
        name: 'keep',
        topicId: ids.get('keep'),
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'You may not specify both topic name and topic id.',
      },
      {
        name: null,
        topicId: ZERO_UUID,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'Neither topic name nor id were specified.',
      },
      {
        name: 'twice',
        topicId: ZERO_UUID,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'Duplicate topic name.',
      },
      {
        name: null,
        topicId: ids.get('keep'),
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'Duplicate topic id.',
      },
    ]);
    expect(await h.meta.topics.listTopics()).toHaveLength(2);

    const old = await h.call(ApiKey.DeleteTopics, 0, { topicNames: ['twice', 'twice'] });
    expect(old.responses.map((r) => [r.name, r.errorCode])).toEqual([['twice', ErrorCode.INVALID_REQUEST]]);
  });

  it('refuses a name that maps to an id also given', async () => {
    const h = adminHarness();
    const ids = await createTopics(h, 't');
    const { responses } = await h.call(ApiKey.DeleteTopics, 6, {
      topics: [{ name: null, topicId: ids.get('t')! }, { name: 't' }],
    });
    expect(responses).toEqual([
      {
        name: 't',
        topicId: ids.get('t'),
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'The provided topic name maps to an ID that was already supplied.',
      },
    ]);
    expect(await h.meta.topics.getTopic('t')).not.toBeNull();
  });

  it('answers REQUEST_TIMED_OUT when storage is unavailable', async () => {
    const h = adminHarness();
    await createTopics(h, 't');
    await h.meta.close();
    const old = await h.call(ApiKey.DeleteTopics, 0, { topicNames: ['t'] });
    expect(old.responses.map((r) => r.errorCode)).toEqual([ErrorCode.REQUEST_TIMED_OUT]);
    const id = newTopicId();
    const { responses } = await h.call(ApiKey.DeleteTopics, 6, {
      topics: [{ name: 't' }, { name: null, topicId: id }],
    });
    expect(responses.map((r) => r.errorCode)).toEqual([ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REQUEST_TIMED_OUT]);
  });
});
