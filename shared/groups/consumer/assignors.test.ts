import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AssignorMember,
  type AssignorTopics,
  type PartitionAssignor,
  rangeAssignor,
  uniformAssignor,
} from './assignors.js';
import { type Assignment, assignmentSize, toPartitionMap } from './state.js';

const TOPICS = ['t0', 't1', 't2', 't3'];

const topicsArb: fc.Arbitrary<AssignorTopics> = fc
  .tuple(...TOPICS.map(() => fc.integer({ min: 0, max: 12 })))
  .map((counts) => new Map(TOPICS.map((id, i) => [id, counts[i]!] as const).filter(([, n]) => n > 0)));

/** Random members, subscriptions and (possibly stale or overlapping) current targets. */
const membersArb = (homogeneous: boolean): fc.Arbitrary<AssignorMember[]> =>
  fc
    .record({
      count: fc.integer({ min: 1, max: 8 }),
      shared: fc.subarray(TOPICS, { minLength: 1 }),
      own: fc.array(fc.subarray(TOPICS), { minLength: 8, maxLength: 8 }),
      statics: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      current: fc.array(
        fc.array(fc.record({ topicId: fc.constantFrom(...TOPICS, 'gone'), partitions: fc.uniqueArray(fc.nat(14)) }), {
          maxLength: 3,
        }),
        { minLength: 8, maxLength: 8 },
      ),
    })
    .map(({ count, shared, own, statics, current }) =>
      Array.from({ length: count }, (_, i) => ({
        memberId: `m${(i * 7919) % 101}`,
        instanceId: statics[i] ? `i${i}` : null,
        rackId: null,
        subscribedTopicIds: homogeneous ? shared : own[i]!,
        currentTarget: current[i]!.map((tp) => ({
          topicId: tp.topicId,
          partitions: [...tp.partitions].sort((a, b) => a - b),
        })),
      })),
    );

function checkComplete(
  members: readonly AssignorMember[],
  topics: AssignorTopics,
  result: Map<string, Assignment>,
): void {
  const owners = new Map<string, string>();
  for (const member of members) {
    const assignment = result.get(member.memberId);
    expect(assignment).toBeDefined();
    for (const { topicId, partitions } of assignment!) {
      expect(member.subscribedTopicIds).toContain(topicId);
      for (const p of partitions) {
        expect(p).toBeLessThan(topics.get(topicId)!);
        const key = `${topicId}-${p}`;
        expect(owners.has(key), `${key} assigned twice`).toBe(false);
        owners.set(key, member.memberId);
      }
    }
  }
  for (const [topicId, count] of topics) {
    if (!members.some((m) => m.subscribedTopicIds.includes(topicId))) continue;
    for (let p = 0; p < count; p++) expect(owners.has(`${topicId}-${p}`), `${topicId}-${p} unassigned`).toBe(true);
  }
}

function subscriptionKey(member: AssignorMember, topics: AssignorTopics): string {
  return [...new Set(member.subscribedTopicIds)]
    .filter((id) => topics.has(id))
    .sort()
    .join(',');
}

describe.each([
  ['uniform', uniformAssignor],
  ['range', rangeAssignor],
] as [string, PartitionAssignor][])('%s assignor', (_name, assignor) => {
  it('assigns every subscribed partition exactly once, to a subscriber', () => {
    fc.assert(
      fc.property(
        topicsArb,
        fc.boolean().chain((homogeneous) => membersArb(homogeneous)),
        (topics, members) => {
          checkComplete(members, topics, assignor(members, topics));
        },
      ),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(topicsArb, membersArb(false), (topics, members) => {
        expect(assignor([...members].reverse(), topics)).toEqual(assignor(members, topics));
      }),
    );
  });
});

describe('uniform assignor', () => {
  it('balances members with the same subscription within one partition', () => {
    fc.assert(
      fc.property(topicsArb, fc.boolean().chain(membersArb), (topics, members) => {
        const result = uniformAssignor(members, topics);
        const bySubscription = new Map<string, number[]>();
        for (const m of members) {
          const key = subscriptionKey(m, topics);
          bySubscription.set(key, [...(bySubscription.get(key) ?? []), assignmentSize(result.get(m.memberId)!)]);
        }
        for (const counts of bySubscription.values())
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('moves only what balance requires when members join or leave', () => {
    fc.assert(
      fc.property(
        topicsArb,
        membersArb(true),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        (topics, initial, added, removed) => {
          const before = uniformAssignor(initial, topics);
          const remaining = initial.slice(0, Math.max(1, initial.length - removed));
          const subscription = initial[0]!.subscribedTopicIds;
          const newcomers = Array.from({ length: added }, (_, i) => ({
            memberId: `new${i}`,
            instanceId: null,
            rackId: null,
            subscribedTopicIds: subscription,
            currentTarget: [],
          }));
          const next = [...remaining.map((m) => ({ ...m, currentTarget: before.get(m.memberId)! })), ...newcomers];
          const after = uniformAssignor(next, topics);
          checkComplete(next, topics, after);
          for (const m of remaining) {
            const previous = toPartitionMap(before.get(m.memberId)!);
            const now = after.get(m.memberId)!;
            let kept = 0;
            for (const { topicId, partitions } of now)
              for (const p of partitions) if (previous.get(topicId)?.has(p)) kept++;
            // A member keeps as much of its old assignment as its new share allows.
            expect(kept).toBe(Math.min(assignmentSize(before.get(m.memberId)!), assignmentSize(now)));
          }
        },
      ),
    );
  });

  it('spreads six partitions over three members two each', () => {
    const topics = new Map([['t0', 6]]);
    const members = ['a', 'b', 'c'].map((memberId) => ({
      memberId,
      instanceId: null,
      rackId: null,
      subscribedTopicIds: ['t0'],
      currentTarget: [],
    }));
    const result = uniformAssignor(members, topics);
    expect([...result.values()].map(assignmentSize)).toEqual([2, 2, 2]);
  });
});

describe('range assignor', () => {
  it('gives contiguous ranges per topic in member order, extras first', () => {
    const topics = new Map([
      ['t0', 7],
      ['t1', 2],
    ]);
    const member = (memberId: string, instanceId: string | null, subscribedTopicIds: string[]): AssignorMember => ({
      memberId,
      instanceId,
      rackId: null,
      subscribedTopicIds,
      currentTarget: [],
    });
    const result = rangeAssignor(
      [member('b', null, ['t0', 't1']), member('a', null, ['t0']), member('z', 'i0', ['t0', 't1'])],
      topics,
    );
    // Static members first (by instance id), then by member id: z, a, b.
    expect(result.get('z')).toEqual([
      { topicId: 't0', partitions: [0, 1, 2] },
      { topicId: 't1', partitions: [0] },
    ]);
    expect(result.get('a')).toEqual([{ topicId: 't0', partitions: [3, 4] }]);
    expect(result.get('b')).toEqual([
      { topicId: 't0', partitions: [5, 6] },
      { topicId: 't1', partitions: [1] },
    ]);
  });

  it('gives each subscriber of a topic its floor or ceiling share', () => {
    fc.assert(
      fc.property(topicsArb, membersArb(false), (topics, members) => {
        const result = rangeAssignor(members, topics);
        for (const [topicId, count] of topics) {
          const subscribers = members.filter((m) => m.subscribedTopicIds.includes(topicId));
          for (const m of subscribers) {
            const n = result.get(m.memberId)!.find((tp) => tp.topicId === topicId)?.partitions.length ?? 0;
            expect(n).toBeGreaterThanOrEqual(Math.floor(count / subscribers.length));
            expect(n).toBeLessThanOrEqual(Math.ceil(count / subscribers.length));
          }
        }
      }),
    );
  });
});
