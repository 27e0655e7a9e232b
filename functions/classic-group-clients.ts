/**
 * Test support for the classic-group functions: members that join, sync and
 * heartbeat the way a Java consumer does, through the harness (or another
 * function instance over the same MetaStore).
 */

import { Header } from '../shared/invocation.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey, type ApiMessages } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { JoinGroupResponse } from '../shared/protocol/generated/join-group.js';
import type { Init } from '../shared/protocol/schema.js';
import { MemoryMetaStore } from '../shared/storage/memory/meta.js';
import { allInOneApp } from './app.js';
import type { Harness } from './test-harness.js';

/** Anything that sends a request and decodes its answer: the harness, or another instance. */
export type Caller = Pick<Harness, 'call'>;

/** A second function instance: its own app and MetaStore connection over the harness's stored data. */
export function otherInstance(h: Harness): Caller {
  const app = allInOneApp(
    { ...h.env, meta: new MemoryMetaStore(h.meta.backend) },
    { secrets: [], requireSignature: false },
  );
  return {
    async call<K extends ApiKey>(
      apiKey: K,
      version: number,
      body: Init<ApiMessages[K]['request']>,
      headers: Record<string, string> = {},
    ): Promise<ApiMessages[K]['response']> {
      const frame = encodeRequest(apiKey, version, 1, 'other-client', body);
      const res = await app.fetch(new Request('http://f/kafka', { method: 'POST', body: frame, headers }));
      if (res.status !== 200) throw new Error(`function answered ${res.status}: ${await res.text()}`);
      return decodeResponse(apiKey, version, new Uint8Array(await res.arrayBuffer())).body;
    },
  };
}

/** Headers setting the invocation's deadline `ms` from now (wall clock, as the proxy sets it). */
export const deadlineIn = (ms: number): Record<string, string> => ({ [Header.deadline]: String(Date.now() + ms) });

const text = new TextEncoder();
const words = new TextDecoder();

export interface JoinOptions {
  readonly groupId?: string;
  readonly version?: number;
  readonly groupInstanceId?: string | null;
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly metadata?: string;
  readonly headers?: Record<string, string>;
}

export function joinGroup(c: Caller, memberId: string, o: JoinOptions = {}): Promise<JoinGroupResponse> {
  return c.call(
    ApiKey.JoinGroup,
    o.version ?? 9,
    {
      groupId: o.groupId ?? 'g',
      sessionTimeoutMs: o.sessionTimeoutMs ?? 6000,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 2000,
      memberId,
      groupInstanceId: o.groupInstanceId ?? null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: text.encode(o.metadata ?? 'sub') }],
      reason: null,
    },
    o.headers,
  );
}

/** Joins as a client does at v4+: a member without an id takes the one MEMBER_ID_REQUIRED hands out and joins again. */
export async function joinFully(c: Caller, memberId: string, o: JoinOptions = {}): Promise<JoinGroupResponse> {
  const first = await joinGroup(c, memberId, o);
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) return first;
  return joinGroup(c, first.memberId, o);
}

/** The assignment a leader hands each member in these tests: its own id, as bytes. */
export const assignmentFor = (memberId: string): Uint8Array => text.encode(`for ${memberId}`);
export const readAssignment = (bytes: Uint8Array): string => words.decode(bytes);

/** SyncGroup for the member `join` answered; the leader assigns every member listed. */
export function syncGroup(c: Caller, join: JoinGroupResponse, groupId = 'g', groupInstanceId: string | null = null) {
  return c.call(ApiKey.SyncGroup, 5, {
    groupId,
    generationId: join.generationId,
    memberId: join.memberId,
    groupInstanceId,
    protocolType: join.protocolType,
    protocolName: join.protocolName,
    assignments: join.members.map((m) => ({ memberId: m.memberId, assignment: assignmentFor(m.memberId) })),
  });
}

export async function heartbeatOf(c: Caller, memberId: string, generationId: number, groupId = 'g'): Promise<number> {
  const res = await c.call(ApiKey.Heartbeat, 4, { groupId, generationId, memberId, groupInstanceId: null });
  return res.errorCode;
}

/** A member's view after a full round: join, then sync. */
export interface Joined {
  readonly memberId: string;
  readonly generationId: number;
  readonly leader: string;
  readonly assignment: string;
}

export async function joinAndSync(c: Caller, memberId = '', o: JoinOptions = {}): Promise<Joined> {
  const join = await joinFully(c, memberId, o);
  if (join.errorCode !== ErrorCode.NONE) throw new Error(`JoinGroup failed with ${join.errorCode}`);
  const sync = await syncGroup(c, join, o.groupId, o.groupInstanceId ?? null);
  if (sync.errorCode !== ErrorCode.NONE) throw new Error(`SyncGroup failed with ${sync.errorCode}`);
  return {
    memberId: join.memberId,
    generationId: join.generationId,
    leader: join.leader,
    assignment: readAssignment(sync.assignment),
  };
}
