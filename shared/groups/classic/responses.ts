/**
 * Responses derived from the stored state, so that any instance can answer a
 * parked JoinGroup or SyncGroup once the group moved on, and serve
 * DescribeGroups, ListGroups and OffsetCommit's member checks.
 */

import type { DescribeGroupsResponseDescribedGroup } from '../../protocol/generated/describe-groups.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.js';
import type { ListGroupsResponseListedGroup } from '../../protocol/generated/list-groups.js';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import type { ClassicGroup, ClassicMember, GenerationMember } from './state.js';

/** DescribeGroups' authorizedOperations when the client did not ask for them. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** protocolName is nullable only from v7; older versions carry an empty string. */
function protocolNameFor(name: string | null, requestVersion: number): string | null {
  return name === null && requestVersion < 7 ? '' : name;
}

export function joinErrorResponse(errorCode: number, memberId: string, requestVersion: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: protocolNameFor(null, requestVersion),
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function joinSuccessResponse(
  group: ClassicGroup,
  memberId: string,
  requestVersion: number,
  options: { withMembers: boolean; skipAssignment?: boolean; leader?: string },
): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: protocolNameFor(group.protocolName, requestVersion),
    leader: options.leader ?? group.leaderId ?? '',
    skipAssignment: options.skipAssignment ?? false,
    memberId,
    members: options.withMembers ? memberList(group) : [],
  };
}

/** Members (all by default) as a leader's JoinGroup response lists them: each with its metadata for the chosen protocol. */
export function memberList(group: ClassicGroup, members = group.members): GenerationMember[] {
  return members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    metadata: metadataFor(m, group.protocolName),
  }));
}

function metadataFor(m: ClassicMember, protocolName: string | null): Uint8Array {
  return m.protocols.find((p) => p.name === protocolName)?.metadata ?? new Uint8Array(0);
}

export function syncErrorResponse(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
}

export function syncSuccessResponse(group: ClassicGroup, m: ClassicMember): SyncGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    assignment: m.assignment,
  };
}

/** Error for a parked request whose member is gone: fenced by a newer static member, or unknown. */
function goneError(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const current = group.staticMembers[groupInstanceId];
    if (current !== undefined && current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  return ErrorCode.UNKNOWN_MEMBER_ID;
}

/**
 * The JoinGroup response for a member that `join` told to wait, or 'pending'
 * while its rebalance is still collecting members. The leader alone gets the
 * member list. Pass the request's group.instance.id so a member replaced by a
 * newer instance gets FENCED_INSTANCE_ID.
 */
export function joinResult(
  group: ClassicGroup | null,
  memberId: string,
  requestVersion: number,
  groupInstanceId: string | null = null,
): JoinGroupResponse | 'pending' {
  if (group === null) return joinErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID, '', requestVersion);
  if (group.state === 'Dead') return joinErrorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId, requestVersion);
  const m = group.members.find((each) => each.memberId === memberId);
  if (m === undefined) {
    const error = goneError(group, memberId, groupInstanceId);
    return joinErrorResponse(error, error === ErrorCode.FENCED_INSTANCE_ID ? memberId : '', requestVersion);
  }
  if (m.awaitingJoin) return 'pending';
  switch (group.state) {
    case 'CompletingRebalance':
    case 'Stable':
      return joinSuccessResponse(group, memberId, requestVersion, { withMembers: group.leaderId === memberId });
    case 'PreparingRebalance': {
      // Its rebalance completed and a newer one began before the answer was read. Kafka answered the
      // parked request when that generation (still the group's) completed, so answer as it did: its
      // SyncGroup then gets REBALANCE_IN_PROGRESS and it rejoins with this id. An error here would cost
      // a client that got the id from MEMBER_ID_REQUIRED its id (kafkajs rejoins without one), and the
      // rebalance would wait out the abandoned member's session.
      // Its leader too: the one that generation's other members were told, even if it left since.
      const leads = group.generationLeaderId === memberId;
      const response = joinSuccessResponse(group, memberId, requestVersion, {
        withMembers: false,
        leader: group.generationLeaderId ?? '',
      });
      if (!leads) return response;
      // The leader gets that generation's members as it completed, with those that left since.
      if (group.generationMembers !== null) return { ...response, members: group.generationMembers };
      // A group stored before the list was kept: those still in the generation (the ones added since are new).
      const stillIn = group.members.filter((each) => !each.isNew);
      return { ...response, members: memberList(group, stillIn) };
    }
    default:
      return joinErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID, memberId, requestVersion);
  }
}

/**
 * The SyncGroup response for a follower that `sync` told to wait: its
 * assignment once the leader synced, REBALANCE_IN_PROGRESS if a new rebalance
 * began first, or 'pending'.
 */
export function syncResult(
  group: ClassicGroup | null,
  memberId: string,
  generationId: number,
  groupInstanceId: string | null = null,
): SyncGroupResponse | 'pending' {
  if (group === null || group.state === 'Empty') return syncErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID);
  if (group.state === 'Dead') return syncErrorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const m = group.members.find((each) => each.memberId === memberId);
  if (m === undefined) return syncErrorResponse(goneError(group, memberId, groupInstanceId));
  if (group.generationId !== generationId || group.state === 'PreparingRebalance') {
    return syncErrorResponse(ErrorCode.REBALANCE_IN_PROGRESS);
  }
  if (group.state === 'CompletingRebalance') return 'pending';
  return syncSuccessResponse(group, m);
}

/** DescribeGroups: metadata and protocol only when Stable; an unknown group is reported Dead, as Kafka does. */
export function describe(group: ClassicGroup | null, groupId: string): DescribeGroupsResponseDescribedGroup {
  if (group === null) {
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
      authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  }
  const stable = group.state === 'Stable';
  return {
    errorCode: ErrorCode.NONE,
    groupId: group.groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members: group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? metadataFor(m, group.protocolName) : new Uint8Array(0),
      memberAssignment: m.assignment,
    })),
    authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/**
 * ListGroups: the group's entry, or null when the filters exclude it. States
 * match case-insensitively; the group's type is 'classic'.
 */
export function listing(
  group: ClassicGroup,
  filters: { readonly statesFilter?: readonly string[]; readonly typesFilter?: readonly string[] } = {},
): ListGroupsResponseListedGroup | null {
  const states = (filters.statesFilter ?? []).map((s) => s.trim().toLowerCase());
  const types = (filters.typesFilter ?? []).map((s) => s.trim().toLowerCase());
  if (states.length > 0 && !states.includes(group.state.toLowerCase())) return null;
  if (types.length > 0 && !types.includes('classic')) return null;
  return {
    groupId: group.groupId,
    protocolType: group.protocolType ?? '',
    groupState: group.state,
    groupType: 'classic',
  };
}

/**
 * The error OffsetCommit returns for this member before storing anything
 * (ClassicGroup.validateOffsetCommit, non-transactional). Generation -1 with
 * no member is a simple consumer: allowed only for an Empty or unknown group.
 */
export function offsetCommitCheck(
  group: ClassicGroup | null,
  memberId: string,
  generationId: number,
  groupInstanceId: string | null,
  requestVersion = 9,
): number {
  if (group === null) {
    if (generationId < 0) return ErrorCode.NONE;
    return requestVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
  }
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
  if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
    if (groupInstanceId !== null) {
      const existing = group.staticMembers[groupInstanceId];
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (!group.members.some((m) => m.memberId === memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (group.state !== 'Empty') {
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  // Valid member and generation, but the assignment is not out yet.
  if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}
