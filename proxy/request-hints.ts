/**
 * The little the proxy reads from a request body, without decoding it: a
 * Produce request's acks (acks=0 gets no response) and how long a request may
 * legitimately take (its own timeout, or the wait a long-polling request asks
 * for). Each is a field at or near the start of the body, so reading it costs
 * a few bytes however large the request is.
 */

import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { Reader } from '../shared/protocol/primitives.js';

export interface RequestHints {
  /** Produce only: the acks the producer asked for. */
  readonly acks?: number;
  /** Produce only: how long the producer lets the broker wait for acknowledgements. */
  readonly timeoutMs?: number;
  /** How long the request may wait by design before any work starts to count: Fetch and ShareFetch `maxWaitMs`, JoinGroup's rebalance timeout. */
  readonly waitMs?: number;
}

const NONE: RequestHints = {};

/** Skips a string (nullable or not) in the classic or compact encoding. */
function skipString(r: Reader, compact: boolean): void {
  const n = compact ? r.uvarint() - 1 : r.int16();
  if (n > 0) r.skip(n);
}

/**
 * Reads the hints of a request whose body starts at `bodyOffset`. Throws a
 * `DecodeError` when the body is too short to hold them.
 */
export function readHints(apiKey: number, apiVersion: number, frame: Uint8Array, bodyOffset: number): RequestHints {
  switch (apiKey) {
    case ApiKey.Produce: {
      const r = new Reader(frame, bodyOffset);
      if (apiVersion >= 3) skipString(r, apiVersion >= 9);
      return { acks: r.int16(), timeoutMs: r.int32() };
    }
    case ApiKey.Fetch: {
      const r = new Reader(frame, bodyOffset);
      // replicaId precedes maxWaitMs up to v14; from v15 it moved into a tagged field at the end.
      if (apiVersion <= 14) r.skip(4);
      return { waitMs: r.int32() };
    }
    case ApiKey.JoinGroup: {
      const r = new Reader(frame, bodyOffset);
      skipString(r, apiVersion >= 6);
      const sessionTimeoutMs = r.int32();
      // v0 has no rebalance timeout; the session timeout bounds the rebalance.
      return { waitMs: apiVersion >= 1 ? r.int32() : sessionTimeoutMs };
    }
    case ApiKey.ShareFetch: {
      const r = new Reader(frame, bodyOffset);
      skipString(r, true);
      skipString(r, true);
      r.skip(4);
      return { waitMs: r.int32() };
    }
    default:
      return NONE;
  }
}
