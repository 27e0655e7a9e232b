/**
 * What the offset and group-admin functions share: a group's state with its
 * timers applied (and saved, so offset writes can be conditional on the
 * version read), the topics a group subscribes to (OffsetDelete, offset
 * retention), and offset retention itself.
 */

import { type ClassicGroup, expire as expireClassic } from '../shared/groups/classic/index.js';
import { type ConsumerGroupState, expire as expireConsumer } from '../shared/groups/consumer/index.js';
import { ConsumerProtocolSubscription } from '../shared/protocol/generated/consumer-protocol.js';
import { classicGroupConfig } from './classic-group.js';
import type { FunctionEnv } from './define.js';
import { type StoredGroup, updateGroup } from './group-state.js';

/** Kafka's `offset.metadata.max.bytes` default; like Kafka, counted in UTF-16 code units. */
export const OFFSET_METADATA_MAX_LENGTH = 4096;

/** Kafka's `offsets.retention.minutes` default (7 days). */
export const DEFAULT_OFFSETS_RETENTION_MINUTES = 10080;

/** Every operation Kafka supports on a group (AclEntry.supportedOperations): READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const GROUP_AUTHORIZED_OPERATIONS = [3, 6, 8, 10, 11].reduce((field, op) => field | (1 << op), 0);

/** Applies a group's timers (expired sessions, rebalance deadlines); the input is left untouched. */
export function expireStored(env: FunctionEnv, stored: StoredGroup, now: number): StoredGroup {
  return stored.kind === 'classic'
    ? { kind: 'classic', group: expireClassic(stored.group, now, classicGroupConfig(env)).state }
    : { kind: 'consumer', group: expireConsumer(stored.group, now).state };
}

/**
 * The group's state after its timers fired, saved when they changed it, and
 * the version now stored (0: no state) for writes conditional on it.
 */
export async function currentGroup(
  env: FunctionEnv,
  groupId: string,
): Promise<{ version: number; group: StoredGroup | null }> {
  const { version, group } = await updateGroup(env, groupId, (current, now) => {
    const next = current.stored === null ? null : expireStored(env, current.stored, now);
    return { next, result: null };
  });
  return { version, group };
}

/**
 * Topics a classic group's members subscribe to, from their consumer
 * protocol metadata; null when the group does not use the consumer protocol
 * or a subscription cannot be read (Kafka then knows no subscribed topics).
 */
export function classicSubscribedTopics(group: ClassicGroup): Set<string> | null {
  if (group.protocolType !== 'consumer' || group.protocolName === null) return null;
  const topics = new Set<string>();
  for (const m of group.members) {
    const metadata = m.protocols.find((p) => p.name === group.protocolName)?.metadata;
    if (metadata === undefined || metadata.length < 2) return null;
    const version = (metadata[0]! << 8) | metadata[1]!;
    try {
      // Newer versions only add fields: read them as the newest this code knows (Kafka does the same).
      const sub = ConsumerProtocolSubscription.decode(metadata.subarray(2), Math.min(version, 3));
      for (const t of sub.topics) topics.add(t);
    } catch {
      return null;
    }
  }
  return topics;
}

/** Topics a consumer group's members subscribe to, by name or by regex among `topicNames`. */
export function consumerSubscribedTopics(group: ConsumerGroupState, topicNames: Iterable<string>): Set<string> {
  const topics = new Set<string>();
  const names = [...topicNames];
  for (const m of group.members) {
    for (const t of m.subscribedTopicNames) topics.add(t);
    if (m.subscribedTopicRegex !== null) {
      let regex: RegExp | null = null;
      try {
        regex = new RegExp(`^(?:${m.subscribedTopicRegex})$`);
      } catch {
        regex = null;
      }
      if (regex !== null) for (const n of names) if (regex.test(n)) topics.add(n);
    }
  }
  return topics;
}

export function offsetsRetentionMs(env: FunctionEnv): number {
  return (env.config.offsetsRetentionMinutes ?? DEFAULT_OFFSETS_RETENTION_MINUTES) * 60_000;
}

/**
 * Offset retention for one group (Kafka's OffsetMetadataManager
 * cleanupExpiredOffsets with the group's offsetExpirationCondition), for the
 * group sweeper to call periodically on every listed group:
 * - offsets committed with their own expiry (OffsetCommit v2-4 retention) go when it passes;
 * - a group without state (simple consumers): `offsets.retention.minutes` after each commit;
 * - an Empty classic group that used a protocol: that long after it became Empty;
 * - a Stable classic consumer-protocol group whose subscriptions are readable,
 *   and any KIP-848 group: that long after each commit, for topics no member subscribes to;
 * - any other classic group keeps its offsets.
 * An Empty group left with no offsets is deleted, as Kafka does. Returns how
 * many offsets were dropped.
 */
export async function expireGroupOffsets(env: FunctionEnv, groupId: string): Promise<number> {
  const retentionMs = offsetsRetentionMs(env);
  for (let attempt = 0; attempt < 10; attempt++) {
    const { version, group } = await currentGroup(env, groupId);
    const now = env.now();
    let dropped: number;
    let empty: boolean;
    if (group === null) {
      dropped = await env.meta.groups.expireOffsets(groupId, now, { retentionMs, ifVersion: 0 });
      empty = false;
    } else if (group.kind === 'classic') {
      const g = group.group;
      if (g.protocolType === null) {
        dropped = await env.meta.groups.expireOffsets(groupId, now, { retentionMs, ifVersion: version });
      } else if (g.state === 'Empty') {
        dropped = await env.meta.groups.expireOffsets(groupId, now, {
          retentionMs,
          since: g.stateTimestamp,
          ifVersion: version,
        });
      } else {
        const subscribed = g.state === 'Stable' ? classicSubscribedTopics(g) : null;
        if (subscribed === null) return 0;
        dropped = await env.meta.groups.expireOffsets(groupId, now, {
          retentionMs,
          keepTopics: [...subscribed],
          ifVersion: version,
        });
      }
      empty = g.state === 'Empty';
    } else {
      const topics = (await env.meta.topics.listTopics()).map((t) => t.name);
      dropped = await env.meta.groups.expireOffsets(groupId, now, {
        retentionMs,
        keepTopics: [...consumerSubscribedTopics(group.group, topics)],
        ifVersion: version,
      });
      empty = group.group.state === 'EMPTY';
    }
    // expireOffsets answers 0 when the version moved; check whether it did before trusting that.
    const after = await env.meta.groups.get(groupId);
    if ((after?.version ?? 0) !== version) continue;
    if (empty && (await env.meta.groups.fetchOffsets(groupId)).length === 0) {
      await env.meta.groups.deleteGroup(groupId, version);
    }
    return dropped;
  }
  return 0;
}
