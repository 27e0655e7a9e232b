import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../../shared/protocol/generated/error-codes.js';
import { deadlineIn, joinFully, syncGroup } from '../classic-group-clients.js';
import { harness } from '../test-harness.js';

const DELAY = { groupInitialRebalanceDelayMs: 300 };

describe('sync-group', () => {
  it('parks a follower until the leader syncs, then hands it the leader’s assignment', async () => {
    const h = harness(DELAY);
    const [x, y] = await Promise.all([joinFully(h, ''), joinFully(h, '')]);
    const leader = x!.leader === x!.memberId ? x! : y!;
    const follower = leader === x ? y! : x!;
    const parked = syncGroup(h, follower);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const led = await syncGroup(h, leader);
    expect(led.errorCode).toBe(ErrorCode.NONE);
    const followed = await parked;
    expect(followed).toMatchObject({ errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range' });
    expect(new TextDecoder().decode(followed.assignment)).toBe(`for ${follower.memberId}`);
  });

  it('answers a parked follower REBALANCE_IN_PROGRESS when its own deadline comes first', async () => {
    const h = harness(DELAY);
    const [x, y] = await Promise.all([joinFully(h, ''), joinFully(h, '')]);
    const follower = x!.leader === x!.memberId ? y! : x!;
    const res = await h.call(
      ApiKey.SyncGroup,
      5,
      {
        groupId: 'g',
        generationId: follower.generationId,
        memberId: follower.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [],
      },
      deadlineIn(1100),
    );
    expect(res.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('refuses a wrong generation, an unknown member and an inconsistent protocol', async () => {
    const h = harness(DELAY);
    const join = await joinFully(h, '');
    expect((await syncGroup(h, { ...join, generationId: 9 })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await syncGroup(h, { ...join, memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await syncGroup(h, { ...join, protocolName: 'roundrobin' })).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect((await syncGroup(h, join, '')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});
