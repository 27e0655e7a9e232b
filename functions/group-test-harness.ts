/** Group states and requests for the group functions' tests. */

import { type ClassicGroup, type ClassicMember, encodeGroup, newClassicGroup } from '../shared/groups/classic/index.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import type { ConsumerGroupHeartbeatRequest } from '../shared/protocol/generated/consumer-group-heartbeat.js';
import { ConsumerProtocolSubscription } from '../shared/protocol/generated/consumer-protocol.js';
import type { Init } from '../shared/protocol/schema.js';
import type { Harness } from './test-harness.js';

/** A consumer-protocol subscription as clients send it in JoinGroup: version, then the struct. */
export function subscription(topics: string[], version = 1): Uint8Array {
  const body = ConsumerProtocolSubscription.encode({ topics, userData: null }, version);
  const out = new Uint8Array(body.length + 2);
  new DataView(out.buffer).setInt16(0, version);
  out.set(body, 2);
  return out;
}

export interface MemberSpec {
  readonly memberId: string;
  readonly topics?: string[];
  readonly groupInstanceId?: string;
}

/** A Stable classic group at `generationId` whose members subscribe to the given topics, sessions far from expiring. */
export function stableClassicGroup(
  groupId: string,
  now: number,
  members: readonly MemberSpec[],
  options: { generationId?: number; protocolType?: string; state?: ClassicGroup['state'] } = {},
): ClassicGroup {
  const group = newClassicGroup(groupId, now);
  const protocolType = options.protocolType ?? 'consumer';
  group.state = options.state ?? 'Stable';
  group.generationId = options.generationId ?? 1;
  group.protocolType = protocolType;
  group.protocolName = 'range';
  group.leaderId = members[0]?.memberId ?? null;
  group.members = members.map(
    (m): ClassicMember => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId ?? null,
      clientId: 'client',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 30_000,
      sessionTimeoutMs: 45_000,
      protocolType,
      protocols: [{ name: 'range', metadata: subscription(m.topics ?? []) }],
      assignment: new Uint8Array(0),
      awaitingJoin: false,
      awaitingSync: false,
      isNew: false,
      heartbeatDeadline: now + 24 * 3600_000,
      lastJoinReason: null,
    }),
  );
  for (const m of members) if (m.groupInstanceId !== undefined) group.staticMembers[m.groupInstanceId] = m.memberId;
  return group;
}

/** Stores a classic group's state where none is stored. */
export async function storeClassicGroup(h: Harness, group: ClassicGroup): Promise<void> {
  const version = await h.meta.groups.compareAndSet(group.groupId, 0, encodeGroup(group));
  if (version === null) throw new Error(`group ${group.groupId} already stored`);
}

/** A first ConsumerGroupHeartbeat (v1: the client names itself). */
export function joinHeartbeat(
  groupId: string,
  memberId: string,
  topics: string[],
): Init<ConsumerGroupHeartbeatRequest> {
  return {
    groupId,
    memberId,
    memberEpoch: 0,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: topics,
    topicPartitions: [],
  };
}

/** Joins a KIP-848 member through the function; returns its epoch. */
export async function joinConsumerGroup(
  h: Harness,
  groupId: string,
  memberId: string,
  topics: string[],
): Promise<number> {
  const r = await h.call(ApiKey.ConsumerGroupHeartbeat, 1, joinHeartbeat(groupId, memberId, topics));
  if (r.errorCode !== 0) throw new Error(`join failed: ${r.errorCode} ${r.errorMessage}`);
  return r.memberEpoch;
}
