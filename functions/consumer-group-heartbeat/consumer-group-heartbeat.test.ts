import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import type { ConsumerGroupHeartbeatResponse } from '../../shared/protocol/generated/consumer-group-heartbeat.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { clientHostOf } from '../group-state.js';
import { joinHeartbeat, stableClassicGroup, storeClassicGroup } from '../group-test-harness.js';
import { type Harness, harness } from '../test-harness.js';

type Owned = { topicId: string; partitions: number[] }[];

interface Member {
  readonly id: string;
  epoch: number;
  owned: Owned;
}

async function beat(h: Harness, m: Member): Promise<ConsumerGroupHeartbeatResponse> {
  const r =
    m.epoch === 0
      ? await h.call(ApiKey.ConsumerGroupHeartbeat, 1, joinHeartbeat('g', m.id, ['a', 'b']))
      : await h.call(ApiKey.ConsumerGroupHeartbeat, 1, {
          groupId: 'g',
          memberId: m.id,
          memberEpoch: m.epoch,
          topicPartitions: m.owned,
        });
  expect(r.errorCode, r.errorMessage ?? '').toBe(0);
  m.epoch = r.memberEpoch;
  if (r.assignment !== null) m.owned = r.assignment.topicPartitions.map((t) => ({ ...t }));
  return r;
}

describe('consumer-group-heartbeat', () => {
  it('brings three members to a stable assignment covering every partition once, and describes them', async () => {
    const h = harness();
    const a = await h.createTopic('a', 4);
    const b = await h.createTopic('b', 3);
    const members: Member[] = ['m1', 'm2', 'm3'].map((id) => ({ id, epoch: 0, owned: [] }));
    for (let round = 0; round < 10; round++) for (const m of members) await beat(h, m);

    const epochs = new Set(members.map((m) => m.epoch));
    expect(epochs.size).toBe(1);
    const owners = new Map<string, string>();
    for (const m of members) {
      for (const { topicId, partitions } of m.owned) {
        for (const p of partitions) {
          const key = `${topicId}-${p}`;
          expect(owners.has(key), key).toBe(false);
          owners.set(key, m.id);
        }
      }
    }
    expect(owners.size).toBe(7);
    for (let p = 0; p < 4; p++) expect(owners.has(`${a.id}-${p}`)).toBe(true);
    for (let p = 0; p < 3; p++) expect(owners.has(`${b.id}-${p}`)).toBe(true);
    for (const m of members) expect(m.owned.reduce((n, t) => n + t.partitions.length, 0)).toBeGreaterThanOrEqual(2);

    const described = await h.call(ApiKey.ConsumerGroupDescribe, 0, {
      groupIds: ['g', 'nope'],
      includeAuthorizedOperations: false,
    });
    const group = described.groups[0]!;
    expect(group).toMatchObject({
      errorCode: 0,
      groupState: 'Stable',
      assignorName: 'uniform',
      authorizedOperations: -2147483648,
    });
    expect(group.members.map((m) => m.memberId)).toEqual(['m1', 'm2', 'm3']);
    for (const m of group.members) {
      expect(m.memberEpoch).toBe([...epochs][0]);
      expect(m.subscribedTopicNames).toEqual(['a', 'b']);
      expect(m.clientId).toBe('test-client');
      expect(m.assignment).toEqual(m.targetAssignment);
    }
    // As Kafka answers: the error alone, no state.
    expect(described.groups[1]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupState: '' });
  });

  it('generates a base64url member id at v0 and rejects an empty one at v1', async () => {
    const h = harness();
    await h.createTopic('a', 1);
    const v0 = await h.call(ApiKey.ConsumerGroupHeartbeat, 0, joinHeartbeat('g', '', ['a']));
    expect(v0.errorCode).toBe(0);
    expect(v0.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const v1 = await h.call(ApiKey.ConsumerGroupHeartbeat, 1, joinHeartbeat('g', '', ['a']));
    expect(v1.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('refuses a classic group with members under the id and replaces an empty one', async () => {
    const h = harness();
    await h.createTopic('a', 1);
    await storeClassicGroup(h, stableClassicGroup('busy', h.nowMs, [{ memberId: 'x' }]));
    await storeClassicGroup(h, stableClassicGroup('idle', h.nowMs, [], { state: 'Empty' }));
    const busy = await h.call(ApiKey.ConsumerGroupHeartbeat, 1, joinHeartbeat('busy', 'm', ['a']));
    expect(busy.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(JSON.parse((await h.meta.groups.get('busy'))!.value).kind).toBe('classic');
    const idle = await h.call(ApiKey.ConsumerGroupHeartbeat, 1, joinHeartbeat('idle', 'm', ['a']));
    expect(idle.errorCode).toBe(0);
    expect(JSON.parse((await h.meta.groups.get('idle'))!.value).kind).toBe('consumer');
  });

  it('fences a member whose session expired', async () => {
    const h = harness();
    await h.createTopic('a', 2);
    const m: Member = { id: 'm1', epoch: 0, owned: [] };
    await beat(h, m);
    h.nowMs += 46_000;
    const r = await h.call(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: 'g',
      memberId: 'm1',
      memberEpoch: m.epoch,
      topicPartitions: m.owned,
    });
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("reports hosts as Kafka does: '/' and the address", () => {
    expect(clientHostOf('10.0.0.1:5555')).toBe('/10.0.0.1');
    expect(clientHostOf('[::1]:5555')).toBe('/::1');
    expect(clientHostOf('')).toBe('');
  });
});
