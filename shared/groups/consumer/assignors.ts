/**
 * Server-side assignors for KIP-848 consumer groups: pure functions from the
 * members' subscriptions, the subscribed topics and the current target
 * assignment to a new target assignment.
 *
 * - `uniform` (Kafka's default): sticky and balanced. Members keep the
 *   partitions of their current target that are still valid; the rest go to
 *   the least loaded subscribed member; then partitions move one at a time
 *   from a member to a subscribed member holding at least two fewer, until no
 *   such move exists. Members with the same subscription therefore end within
 *   one partition of each other, and a member only loses partitions that
 *   balance requires.
 * - `range`: per topic, the subscribed members sorted (static members by
 *   instance id first, then the others by member id) receive contiguous
 *   ranges; the first `partitions % members` receive one extra. Like Kafka's
 *   server-side range assignor it is not sticky.
 */

import { type Assignment, compareStrings, fromPartitionMap, type PartitionMap } from './state.js';

export interface AssignorMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  /** Ids of the topics the member subscribes to; ids missing from `topics` are ignored. */
  readonly subscribedTopicIds: readonly string[];
  /** The member's current target assignment. */
  readonly currentTarget: Assignment;
}

/** Topic id → number of partitions. */
export type AssignorTopics = ReadonlyMap<string, number>;

export type PartitionAssignor = (members: readonly AssignorMember[], topics: AssignorTopics) => Map<string, Assignment>;

export const UNIFORM_ASSIGNOR = 'uniform';
export const RANGE_ASSIGNOR = 'range';

export const uniformAssignor: PartitionAssignor = (members, topics) => {
  const ordered = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
  const subscriptions = ordered.map((m) => new Set(m.subscribedTopicIds.filter((id) => (topics.get(id) ?? 0) > 0)));
  const held: PartitionMap[] = ordered.map(() => new Map());
  const previous: PartitionMap[] = ordered.map(() => new Map());
  const counts = ordered.map(() => 0);
  const owner = new Map<string, Set<number>>(); // topic id → partitions already placed

  const place = (index: number, topicId: string, partition: number): void => {
    let set = held[index]!.get(topicId);
    if (!set) {
      set = new Set();
      held[index]!.set(topicId, set);
    }
    set.add(partition);
    counts[index]!++;
    let taken = owner.get(topicId);
    if (!taken) {
      taken = new Set();
      owner.set(topicId, taken);
    }
    taken.add(partition);
  };

  // Stickiness: keep what is still valid and not claimed by an earlier member.
  const claimed = new Map<string, Set<number>>();
  const retainable: [string, number][][] = ordered.map((member, index) => {
    const kept: [string, number][] = [];
    for (const { topicId, partitions } of member.currentTarget) {
      if (!subscriptions[index]!.has(topicId)) continue;
      const count = topics.get(topicId) ?? 0;
      let taken = claimed.get(topicId);
      if (!taken) {
        taken = new Set();
        claimed.set(topicId, taken);
      }
      for (const p of partitions) {
        if (p < count && !taken.has(p)) {
          taken.add(p);
          kept.push([topicId, p]);
        }
      }
    }
    return kept;
  });

  // When everyone subscribes to the same topics the final shares are known:
  // members keep at most their share, so the balancing below has little to do.
  const caps = ordered.map(() => Number.POSITIVE_INFINITY);
  const first = subscriptions[0];
  if (first && subscriptions.every((s) => s.size === first.size && [...s].every((id) => first.has(id)))) {
    let total = 0;
    for (const id of first) total += topics.get(id)!;
    const quota = Math.floor(total / ordered.length);
    let extra = total % ordered.length;
    retainable.forEach((kept, index) => {
      caps[index] = quota;
      if (kept.length > quota && extra > 0) {
        caps[index] = quota + 1;
        extra--;
      }
    });
  }
  retainable.forEach((kept, index) => {
    for (const [topicId, p] of kept.slice(0, caps[index])) {
      place(index, topicId, p);
      let set = previous[index]!.get(topicId);
      if (!set) {
        set = new Set();
        previous[index]!.set(topicId, set);
      }
      set.add(p);
    }
  });

  // Everything else to the least loaded subscribed member.
  const topicIds = [...topics.keys()].sort(compareStrings);
  for (const topicId of topicIds) {
    const eligible = ordered.map((_, i) => i).filter((i) => subscriptions[i]!.has(topicId));
    if (eligible.length === 0) continue;
    const count = topics.get(topicId)!;
    for (let p = 0; p < count; p++) {
      if (owner.get(topicId)?.has(p)) continue;
      let best = eligible[0]!;
      for (const i of eligible) if (counts[i]! < counts[best]!) best = i;
      place(best, topicId, p);
    }
  }

  // Balance: move single partitions from a member to a subscribed member with at least two fewer.
  for (;;) {
    const byCount = ordered.map((_, i) => i).sort((a, b) => counts[a]! - counts[b]! || a - b);
    let moved = false;
    for (let d = byCount.length - 1; d >= 0 && !moved; d--) {
      const donor = byCount[d]!;
      for (const receiver of byCount) {
        if (counts[donor]! - counts[receiver]! < 2) break;
        const pick = pickMovable(held[donor]!, previous[donor]!, subscriptions[receiver]!);
        if (!pick) continue;
        const [topicId, partition] = pick;
        held[donor]!.get(topicId)!.delete(partition);
        counts[donor]!--;
        owner.get(topicId)!.delete(partition);
        place(receiver, topicId, partition);
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }

  const result = new Map<string, Assignment>();
  ordered.forEach((member, index) => {
    result.set(member.memberId, fromPartitionMap(held[index]!));
  });
  return result;
};

/** A partition of `from` in a topic `to` subscribes to, preferring ones `from` did not hold before. */
function pickMovable(
  from: PartitionMap,
  previous: PartitionMap,
  receiverTopics: ReadonlySet<string>,
): [string, number] | null {
  let fallback: [string, number] | null = null;
  const topicIds = [...from.keys()].sort(compareStrings);
  for (const topicId of topicIds) {
    if (!receiverTopics.has(topicId)) continue;
    const partitions = [...from.get(topicId)!].sort((a, b) => b - a);
    for (const p of partitions) {
      if (!previous.get(topicId)?.has(p)) return [topicId, p];
      fallback ??= [topicId, p];
    }
  }
  return fallback;
}

export const rangeAssignor: PartitionAssignor = (members, topics) => {
  const ordered = [...members].sort((a, b) => {
    if (a.instanceId !== null && b.instanceId !== null) return compareStrings(a.instanceId, b.instanceId);
    if (a.instanceId !== null) return -1;
    if (b.instanceId !== null) return 1;
    return compareStrings(a.memberId, b.memberId);
  });
  const subscriptions = ordered.map((m) => [...new Set(m.subscribedTopicIds.filter((id) => topics.has(id)))]);

  const subscribers = new Map<string, number>();
  for (const topicIds of subscriptions) for (const id of topicIds) subscribers.set(id, (subscribers.get(id) ?? 0) + 1);

  const next = new Map<string, { start: number; extra: number }>();
  const result = new Map<string, Assignment>();
  ordered.forEach((member, index) => {
    const map: PartitionMap = new Map();
    for (const topicId of subscriptions[index]!) {
      const count = topics.get(topicId)!;
      const n = subscribers.get(topicId)!;
      let cursor = next.get(topicId);
      if (!cursor) {
        cursor = { start: 0, extra: count % n };
        next.set(topicId, cursor);
      }
      let quota = Math.floor(count / n);
      if (cursor.extra > 0) {
        quota++;
        cursor.extra--;
      }
      const end = Math.min(cursor.start + quota, count);
      if (cursor.start < end) {
        const set = new Set<number>();
        for (let p = cursor.start; p < end; p++) set.add(p);
        map.set(topicId, set);
      }
      cursor.start = end;
    }
    result.set(member.memberId, fromPartitionMap(map));
  });
  return result;
};

export const ASSIGNORS: ReadonlyMap<string, PartitionAssignor> = new Map([
  [UNIFORM_ASSIGNOR, uniformAssignor],
  [RANGE_ASSIGNOR, rangeAssignor],
]);
