/**
 * The classic consumer-group protocol (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, and the group side of DescribeGroups, ListGroups, OffsetCommit)
 * as a pure state machine. No coordinator stays resident: every request may
 * land on another function instance, so the group's whole state is one
 * versioned value in the GroupStore (`encodeGroup` / `decodeGroup`), timers
 * are deadlines inside it, and they fire lazily (`expire`).
 *
 * A handler runs this loop (`cfg` is a ClassicGroupConfig):
 *
 * ```ts
 * // 1. Apply the request, retrying on compare-and-set conflicts.
 * for (;;) {
 *   const stored = await store.get(groupId);                 // null: no group
 *   const before = stored === null ? null : decodeGroup(stored.value);
 *   const step = join(before, input, Date.now(), cfg);       // or sync / heartbeat / leave
 *   const text = step.state === null ? null : encodeGroup(step.state);
 *   if (text !== null && text !== stored?.value) {
 *     if ((await store.compareAndSet(groupId, stored?.version ?? 0, text)) === null) continue;
 *   }
 *   if (step.outcome.kind === 'reply') return step.outcome.response;
 *   break;                                                    // 'wait': the response comes later
 * }
 * // 2. Wait (JoinGroup and follower SyncGroup only) until the answer can be derived.
 * for (;;) {
 *   const stored = await store.get(groupId);
 *   let group = stored === null ? null : decodeGroup(stored.value);
 *   let seen = stored?.version ?? 0;
 *   if (group !== null) {
 *     const swept = expire(group, Date.now(), cfg).state;     // timers progress without a resident process
 *     const text = encodeGroup(swept);
 *     if (text !== stored!.value) {
 *       const version = await store.compareAndSet(groupId, seen, text);
 *       if (version === null) continue;
 *       seen = version;
 *     }
 *     group = swept;
 *   }
 *   const answer = joinResult(group, memberId, version, instanceId);  // or syncResult(group, memberId, generation, instanceId)
 *   if (answer !== 'pending') return answer;
 *   if (Date.now() >= requestDeadline) return timeoutAnswer;   // the handler's own limit (FaaS run time, client timeout)
 *   const wakeAt = Math.min(nextDeadline(group) ?? Infinity, requestDeadline); // the next timer, or any change
 *   await store.waitForChange(groupId, seen, Math.max(0, wakeAt - Date.now()), signal);
 * }
 * ```
 *
 * The transitions never await and never read the clock (member id suffixes
 * come from an `IdSource`, `randomUUID` unless a test injects one), so a CAS
 * retry just re-applies them to the fresher state. Timers fire at their
 * own deadline, not at the sweep's `now`, so a late sweep replays what a
 * resident coordinator would have done.
 *
 * Heartbeat and LeaveGroup answer at once. DescribeGroups, ListGroups and
 * OffsetCommit read the state (after `expire`) through `describe`, `listing`
 * and `offsetCommitCheck`; OffsetCommit stores offsets with `ifVersion` set
 * to the version it checked. A periodic sweep calls `expire` on groups whose
 * `nextDeadline` passed, so sessions end even when no client calls in.
 */

export { describe, joinResult, listing, offsetCommitCheck, syncResult } from './responses.js';
export {
  type ClassicGroup,
  type ClassicGroupConfig,
  type ClassicGroupStateName,
  type ClassicMember,
  DEFAULT_CLASSIC_GROUP_CONFIG,
  decodeGroup,
  encodeGroup,
  type InitialDelay,
  isClassicGroupValue,
  type MemberProtocol,
  newClassicGroup,
  type PendingMember,
} from './state.js';
export {
  expire,
  type HeartbeatInput,
  type HeartbeatStep,
  heartbeat,
  type IdSource,
  type JoinInput,
  type JoinOutcome,
  type JoinStep,
  join,
  type LeaveInput,
  type LeaveStep,
  leave,
  nextDeadline,
  type SyncInput,
  type SyncOutcome,
  type SyncStep,
  selectProtocol,
  sync,
} from './transitions.js';
