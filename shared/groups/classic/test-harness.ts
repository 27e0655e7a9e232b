/** A group driven through the transitions the way handlers would: stored and reloaded (encoded) after every step. */

import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.js';
import type { SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import { joinResult, syncResult } from './responses.js';
import {
  type ClassicGroup,
  type ClassicGroupConfig,
  DEFAULT_CLASSIC_GROUP_CONFIG,
  decodeGroup,
  encodeGroup,
} from './state.js';
import {
  expire,
  type HeartbeatInput,
  heartbeat,
  type JoinInput,
  join,
  type LeaveInput,
  leave,
  type SyncInput,
  sync,
} from './transitions.js';

export const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

export function joinInput(over: Partial<JoinInput> = {}): JoinInput {
  return {
    requestVersion: 9,
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: bytes(1) }],
    reason: null,
    ...over,
  };
}

export function syncInput(memberId: string, generationId: number, over: Partial<SyncInput> = {}): SyncInput {
  return {
    requestVersion: 5,
    memberId,
    groupInstanceId: null,
    generationId,
    protocolType: null,
    protocolName: null,
    assignments: [],
    ...over,
  };
}

export class Harness {
  stored: string | null = null;
  now = 1_000_000;
  private nextId = 0;

  constructor(readonly config: ClassicGroupConfig = { ...DEFAULT_CLASSIC_GROUP_CONFIG, initialRebalanceDelayMs: 1 }) {}

  get group(): ClassicGroup | null {
    return this.stored === null ? null : decodeGroup(this.stored);
  }

  get state(): ClassicGroup {
    return this.group!;
  }

  private save(group: ClassicGroup | null): void {
    this.stored = group === null ? null : encodeGroup(group);
  }

  readonly ids = (): string => `id${++this.nextId}`;

  advance(ms: number): void {
    this.now += ms;
    const group = this.group;
    if (group !== null) this.save(expire(group, this.now, this.config).state);
  }

  join(over: Partial<JoinInput> = {}) {
    const step = join(this.group, joinInput(over), this.now, this.config, this.ids);
    this.save(step.state);
    return step.outcome;
  }

  /** Joins a dynamic member through the MEMBER_ID_REQUIRED handshake; returns its id. */
  joinDynamic(over: Partial<JoinInput> = {}): string {
    const first = this.join(over);
    if (first.kind !== 'reply' || first.response.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) {
      throw new Error('expected MEMBER_ID_REQUIRED');
    }
    const memberId = first.response.memberId;
    const second = this.join({ ...over, memberId });
    if (second.kind !== 'wait') throw new Error('expected to wait');
    return memberId;
  }

  joinResult(memberId: string, version = 9, groupInstanceId: string | null = null): JoinGroupResponse | 'pending' {
    return joinResult(this.group, memberId, version, groupInstanceId);
  }

  joined(memberId: string): JoinGroupResponse {
    const result = this.joinResult(memberId);
    if (result === 'pending') throw new Error(`${memberId} still pending`);
    return result;
  }

  sync(input: SyncInput) {
    const step = sync(this.group, input, this.now, this.config);
    this.save(step.state);
    return step.outcome;
  }

  syncResult(
    memberId: string,
    generationId: number,
    groupInstanceId: string | null = null,
  ): SyncGroupResponse | 'pending' {
    return syncResult(this.group, memberId, generationId, groupInstanceId);
  }

  heartbeat(input: Partial<HeartbeatInput> & { memberId: string }): number {
    const step = heartbeat(
      this.group,
      { groupInstanceId: null, generationId: this.group?.generationId ?? -1, ...input },
      this.now,
      this.config,
    );
    this.save(step.state);
    return step.response.errorCode;
  }

  leave(input: Partial<LeaveInput>) {
    const step = leave(this.group, { requestVersion: 5, memberId: '', members: [], ...input }, this.now, this.config);
    this.save(step.state);
    return step.response;
  }

  /** Brings `memberIds` (the leader first) through a full rebalance to Stable; returns the generation. */
  stabilise(leaderId: string, assignments: Record<string, Uint8Array> = {}): number {
    const generation = this.state.generationId;
    const outcome = this.sync(
      syncInput(leaderId, generation, {
        assignments: Object.entries(assignments).map(([memberId, assignment]) => ({ memberId, assignment })),
      }),
    );
    if (outcome.kind !== 'reply' || outcome.response.errorCode !== ErrorCode.NONE)
      throw new Error('leader sync failed');
    return generation;
  }
}
