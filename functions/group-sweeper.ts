/**
 * The periodic sweep: no coordinator stays resident, so a group nobody calls
 * would keep members whose session ended and rebalances whose deadline
 * passed. `sweepGroups` fires the due timers of every group (classic and
 * KIP-848) and saves each with compare-and-set; on a conflict another writer
 * moved the group on (and fired its timers on the way), so it is skipped.
 *
 * `kafkaless dev` and `kafkaless functions serve` run it every second; a FaaS
 * deployment calls `POST /sweep` (signed like an invocation, empty body) on a
 * schedule.
 */

import { expire as expireClassic, nextDeadline } from '../shared/groups/classic/index.js';
import { type ConsumerGroupState, expire as expireConsumer } from '../shared/groups/consumer/index.js';
import { classicGroupConfig } from './classic-group.js';
import type { FunctionEnv } from './define.js';
import { decodeStored, encodeStored, type StoredGroup } from './group-state.js';

/** Groups loaded per round trip. */
const BATCH = 100;

/** The earliest session or revocation deadline of a consumer group; null when it has no members. */
function consumerNextDeadline(group: ConsumerGroupState): number | null {
  let next: number | null = null;
  for (const m of group.members) {
    for (const at of [m.sessionDeadline, m.revocationDeadline]) {
      if (at !== null && (next === null || at < next)) next = at;
    }
  }
  return next;
}

/** Every group with stored state: how many, and how many the sweep changed. */
export async function sweepGroups(env: FunctionEnv): Promise<{ groups: number; changed: number }> {
  const config = classicGroupConfig(env);
  const ids = await env.meta.groups.list();
  let groups = 0;
  let changed = 0;
  for (let i = 0; i < ids.length; i += BATCH) {
    const values = await env.meta.groups.getMany(ids.slice(i, i + BATCH));
    for (const [groupId, value] of values) {
      if (value === null) continue;
      groups++;
      let stored: StoredGroup;
      try {
        stored = decodeStored(value.value);
      } catch (e) {
        env.log.warn('sweep: unreadable group state', { groupId, error: (e as Error).message });
        continue;
      }
      const now = env.now();
      const due = stored.kind === 'classic' ? nextDeadline(stored.group) : consumerNextDeadline(stored.group);
      if (due === null || due > now) continue;
      const next: StoredGroup =
        stored.kind === 'classic'
          ? { kind: 'classic', group: expireClassic(stored.group, now, config).state }
          : { kind: 'consumer', group: expireConsumer(stored.group, now).state };
      const text = encodeStored(next);
      if (text === value.value) continue;
      if ((await env.meta.groups.compareAndSet(groupId, value.version, text)) !== null) changed++;
    }
  }
  return { groups, changed };
}
