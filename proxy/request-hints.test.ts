import { describe, expect, it } from 'vitest';
import { encodeRequest, readRequestHeader } from '../shared/protocol/frame.js';
import { ApiKey, apis } from '../shared/protocol/generated/api-keys.js';
import type { Message } from '../shared/protocol/schema.js';
import { MODES, randomMessage } from '../test/support/messages.js';
import { readHints } from './request-hints.js';

type Body = Record<string, unknown>;

/** What readHints should find, from the codec's full decode. */
type Expect = (body: Body, version: number) => Record<string, number>;

const EXPECTED: ReadonlyMap<number, Expect> = new Map<number, Expect>([
  [ApiKey.Produce, (b: Body) => ({ acks: b.acks as number, timeoutMs: b.timeoutMs as number })],
  [ApiKey.Fetch, (b: Body) => ({ waitMs: b.maxWaitMs as number })],
  [
    ApiKey.JoinGroup,
    (b: Body, v: number) => ({ waitMs: (v >= 1 ? b.rebalanceTimeoutMs : b.sessionTimeoutMs) as number }),
  ],
  [ApiKey.ShareFetch, (b: Body) => ({ waitMs: b.maxWaitMs as number })],
]);

describe('readHints', () => {
  for (const [apiKey, expected] of EXPECTED) {
    const api = apis.get(apiKey as ApiKey)!;
    it(`reads what the codec decodes, for ${api.name} at every version`, () => {
      const request = api.request as Message<unknown>;
      for (let version = api.validVersions[0]; version <= api.validVersions[1]; version++) {
        for (const mode of MODES) {
          for (let seed = 1; seed <= 5; seed++) {
            const body = randomMessage(request.schema, version, mode, seed);
            const frame = encodeRequest(api.key, version, 7, 'hints', body as never);
            const { bodyOffset } = readRequestHeader(frame);
            const decoded = request.decode(frame.subarray(bodyOffset), version) as Body;
            expect(readHints(apiKey, version, frame, bodyOffset), `${api.name} v${version} ${mode}`).toEqual(
              expected(decoded, version),
            );
          }
        }
      }
    });
  }

  it('reads nothing for other APIs', () => {
    const frame = encodeRequest(ApiKey.Heartbeat, 4, 1, null, { groupId: 'g', generationId: 1, memberId: 'm' });
    expect(readHints(ApiKey.Heartbeat, 4, frame, readRequestHeader(frame).bodyOffset)).toEqual({});
  });

  it('throws on a body too short to hold the hints', () => {
    const frame = encodeRequest(ApiKey.Produce, 9, 1, null, { acks: 1, timeoutMs: 100, topicData: [] });
    const { bodyOffset } = readRequestHeader(frame);
    expect(() => readHints(ApiKey.Produce, 9, frame.subarray(0, bodyOffset + 2), bodyOffset)).toThrow();
  });
});
