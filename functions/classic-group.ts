/**
 * What the classic-group functions (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup) share: the group config from the cluster config, and the wait
 * of a parked JoinGroup or follower SyncGroup (shared/groups/classic/index.ts
 * describes the loop).
 *
 * Two clocks meet here. Group timers are in `env.now()` time, like the
 * deadlines stored in the group. The request's own limit, `ctx.deadline`, is
 * the proxy's wall clock, so it is compared with `Date.now()`.
 */

import {
  type ClassicGroup,
  type ClassicGroupConfig,
  DEFAULT_CLASSIC_GROUP_CONFIG,
  expire,
  nextDeadline,
} from '../shared/groups/classic/index.js';
import type { InvocationContext } from '../shared/invocation.js';
import type { FunctionEnv } from './define.js';
import { updateGroup } from './group-state.js';

/** `group.initial.rebalance.delay.ms` when the cluster config leaves it out (Kafka's default). */
export const DEFAULT_GROUP_INITIAL_REBALANCE_DELAY_MS = 3000;

/**
 * How long before the proxy's deadline a parked request gives up waiting, so
 * its answer (and the state write before it) still reaches the proxy in time.
 */
export const WAIT_MARGIN_MS = 1000;

export function classicGroupConfig(env: FunctionEnv): ClassicGroupConfig {
  return {
    ...DEFAULT_CLASSIC_GROUP_CONFIG,
    initialRebalanceDelayMs: env.config.groupInitialRebalanceDelayMs ?? DEFAULT_GROUP_INITIAL_REBALANCE_DELAY_MS,
  };
}

/** Wall-clock time (ms since the epoch) after which a parked request stops waiting. */
export function waitLimit(ctx: InvocationContext): number {
  return ctx.deadline - WAIT_MARGIN_MS;
}

/**
 * Waits until `derive` can answer from the group's state, firing the group's
 * timers (saved with compare-and-set) on every wake-up, and waking for the
 * next timer or any change. Answers `onTimeout` once `until` (wall clock)
 * passed. A consumer (KIP-848) group under the id counts as no classic group.
 */
export async function awaitClassicAnswer<R>(
  env: FunctionEnv,
  groupId: string,
  until: number,
  derive: (group: ClassicGroup | null) => R | 'pending',
  onTimeout: () => R,
): Promise<R> {
  const config = classicGroupConfig(env);
  for (;;) {
    const { version, group } = await updateGroup(env, groupId, (current, now) => {
      const stored = current.stored;
      if (stored?.kind !== 'classic') return { next: stored, result: null };
      return { next: { kind: 'classic', group: expire(stored.group, now, config).state }, result: null };
    });
    const classic = group?.kind === 'classic' ? group.group : null;
    const answer = derive(classic);
    if (answer !== 'pending') return answer;
    const left = until - Date.now();
    if (left <= 0) return onTimeout();
    const timer = nextDeadline(classic);
    const untilTimer = timer === null ? Number.POSITIVE_INFINITY : Math.max(1, timer - env.now());
    await env.meta.groups.waitForChange(groupId, version, Math.min(left, untilTimer));
  }
}
