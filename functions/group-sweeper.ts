/**
 * The periodic sweep: no coordinator stays resident, so a group nobody calls
 * would keep members whose session ended and rebalances whose deadline
 * passed. `sweepGroups` fires the due timers of every group (classic and
 * KIP-848) and saves each with compare-and-set; on a conflict another writer
 * moved the group on (and fired its timers on the way), so it is skipped.
 *
 * With `offsets`, it also applies offset retention (`offsets.retention.minutes`)
 * to every group, as Kafka's coordinator does every
 * `offsets.retention.check.interval.ms`.
 *
 * `kafkaless dev` and `kafkaless functions serve` run it every second (with
 * offsets every ten minutes); a FaaS deployment calls `POST /sweep` (signed
 * like an invocation, empty body; `?offsets=true` for retention) on a
 * schedule.
 */

import { expire as expireClassic, nextDeadline } from '../shared/groups/classic/index.js';
import { type ConsumerGroupState, expire as expireConsumer } from '../shared/groups/consumer/index.js';
import { classicGroupConfig } from './classic-group.js';
import type { FunctionEnv } from './define.js';
import { expireGroupOffsets } from './group-offsets.js';
import { encodeStored, type LoadedGroup, loadedFrom, type StoredGroup, saveGroup } from './group-state.js';

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

export interface SweepResult {
  /** Groups with stored state. */
  groups: number;
  /** Groups whose timers the sweep fired. */
  changed: number;
  /** Committed offsets dropped by retention (only when asked for). */
  expiredOffsets?: number;
}

/** Fires every group's due timers, and with `offsets` applies offset retention to every listed group. */
export async function sweepGroups(env: FunctionEnv, options: { offsets?: boolean } = {}): Promise<SweepResult> {
  const config = classicGroupConfig(env);
  const ids = await env.meta.groups.list();
  let groups = 0;
  let changed = 0;
  for (let i = 0; i < ids.length; i += BATCH) {
    const values = await env.meta.groups.getMany(ids.slice(i, i + BATCH));
    for (const [groupId, value] of values) {
      if (value === null) continue;
      groups++;
      let current: LoadedGroup;
      try {
        current = loadedFrom(value);
      } catch (e) {
        env.log.warn('sweep: unreadable group state', { groupId, error: (e as Error).message });
        continue;
      }
      const stored = current.stored!;
      const now = env.now();
      const due = stored.kind === 'classic' ? nextDeadline(stored.group) : consumerNextDeadline(stored.group);
      if (due === null || due > now) continue;
      const next: StoredGroup =
        stored.kind === 'classic'
          ? { kind: 'classic', group: expireClassic(stored.group, now, config).state }
          : { kind: 'consumer', group: expireConsumer(stored.group, now).state };
      if (encodeStored(next) === current.text) continue;
      if ((await saveGroup(env, groupId, current, next)) !== null) changed++;
    }
  }
  if (!options.offsets) return { groups, changed };
  let expiredOffsets = 0;
  for (const groupId of ids) {
    try {
      expiredOffsets += await expireGroupOffsets(env, groupId);
    } catch (e) {
      env.log.warn('sweep: offset retention failed', { groupId, error: (e as Error).message });
    }
  }
  if (expiredOffsets > 0) env.log.info('expired committed offsets', { offsets: expiredOffsets });
  return { groups, changed, expiredOffsets };
}
