/** Consumer-group rules both MetaStores share; the Redis scripts mirror `offsetExpired`. */

import type { CommittedOffset, OffsetExpiry, TopicPartitionRef } from './groups.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A version as callers pass it: 0 (nothing stored) or a stored version. */
export function checkVersion(version: number, what: string): void {
  if (!Number.isSafeInteger(version) || version < 0) throw new TypeError(`${what} ${version} is not a version`);
}

function checkTime(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw new TypeError(`${what} ${value} is not a whole number of milliseconds`);
}

/** Session deadlines for `extendSessions`: whole milliseconds for members with an id. */
export function checkSessions(deadlines: ReadonlyMap<string, number>): void {
  for (const [member, deadline] of deadlines) {
    if (member === '') throw new TypeError('a session needs a member id');
    checkTime(deadline, 'session deadline');
  }
}

export function checkTopicPartition(ref: TopicPartitionRef): void {
  if (!Number.isSafeInteger(ref.partition) || ref.partition < 0) {
    throw new TypeError(`partition ${ref.partition} is not an index`);
  }
}

export function checkCommittedOffset(o: CommittedOffset): void {
  checkTopicPartition(o);
  if (o.offset < INT64_MIN || o.offset > INT64_MAX) throw new TypeError(`offset ${o.offset} is not an int64`);
  if (!Number.isSafeInteger(o.leaderEpoch)) throw new TypeError(`leader epoch ${o.leaderEpoch} is not an integer`);
  checkTime(o.commitTimestamp, 'commit timestamp');
  checkTime(o.expireTimestamp, 'expire timestamp');
}

export function checkExpiry(now: number, expiry: OffsetExpiry): void {
  checkTime(now, 'now');
  if (expiry.retentionMs !== undefined) checkTime(expiry.retentionMs, 'retention');
  if (expiry.since !== undefined) checkTime(expiry.since, 'since');
  if (expiry.ifVersion !== undefined) checkVersion(expiry.ifVersion, 'version');
}

/** Whether `expireOffsets` drops `o`; `keep` holds `expiry.keepTopics`. */
export function offsetExpired(
  o: CommittedOffset,
  now: number,
  expiry: OffsetExpiry,
  keep: ReadonlySet<string>,
): boolean {
  if (keep.has(o.topic)) return false;
  if (o.expireTimestamp >= 0) return now >= o.expireTimestamp;
  if (expiry.retentionMs === undefined) return false;
  return now - (expiry.since ?? o.commitTimestamp) >= expiry.retentionMs;
}

export function copyOffset(o: CommittedOffset): CommittedOffset {
  return {
    topic: o.topic,
    partition: o.partition,
    offset: o.offset,
    leaderEpoch: o.leaderEpoch,
    metadata: o.metadata,
    commitTimestamp: o.commitTimestamp,
    expireTimestamp: o.expireTimestamp,
  };
}

/** Topic, then partition: the order in which every offset of a group is returned. */
export function byTopicPartition(a: TopicPartitionRef, b: TopicPartitionRef): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

export function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
