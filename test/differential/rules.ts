/**
 * Every way a Kafkaless response may legitimately differ from Apache Kafka's
 * in the differential replay, each with its reason. Nothing else is
 * normalised: a difference not covered here is a mismatch.
 *
 * Three kinds of rule:
 * - identifiers each server generates for itself are compared through a
 *   mapping learned from the first pair of responses (reference value ↔
 *   Kafkaless value, one-to-one), and later requests carry the mapped value;
 * - fields that describe the deployment rather than behaviour are not
 *   compared;
 * - per-API differences, described in {@link API_DIFFERENCES} and applied in
 *   normalise.ts.
 */

/** Kinds of server-generated identifier compared through a learned one-to-one mapping. */
export type IdKind = 'topic id' | 'member id' | 'producer id' | 'node id';

/** Fields (by name, in any message) holding a server-generated identifier, with the kind mapped. */
export const MAPPED_FIELDS: Readonly<Record<string, IdKind>> = {
  topicId: 'topic id',
  memberId: 'member id',
  // JoinGroup's leader: the leader's member id.
  leader: 'member id',
  producerId: 'producer id',
  nodeId: 'node id',
  brokerId: 'node id',
  controllerId: 'node id',
  leaderId: 'node id',
  replicaNodes: 'node id',
  isrNodes: 'node id',
  offlineReplicas: 'node id',
  eligibleLeaderReplicas: 'node id',
  lastKnownElr: 'node id',
};

/** Reasons the identifiers differ. */
export const MAPPED_REASONS: Readonly<Record<IdKind, string>> = {
  'topic id': 'each cluster draws random topic ids at creation',
  'member id': 'coordinators generate member ids (client id plus a random UUID)',
  'producer id': "producer ids come from each cluster's own counter",
  'node id': 'the reference broker is node 1; Kafkaless advertises its proxy as node 0',
};

/** Values that mean "none" and are compared literally rather than mapped. */
export function isUnsetId(value: unknown): boolean {
  return value === '' || value === null || value === -1 || value === -1n || value === 'AAAAAAAAAAAAAAAAAAAAAA';
}

/** Fields (by name, in any message) not compared, with the reason. */
export const IGNORED_FIELDS: Readonly<Record<string, string>> = {
  throttleTimeMs: 'quotas and throttling are per deployment; Kafkaless does not throttle',
  clusterId: 'each cluster has its own id',
  host: 'broker addresses differ by construction',
  port: 'broker addresses differ by construction',
  clientHost: "the address the server saw the client connect from (Kafka's `/127.0.0.1` vs the proxy's view)",
  errorMessage:
    'free text; error codes are compared. Kafka leaves many messages null where Kafkaless explains the error',
};

/** Per-API differences applied in normalise.ts, listed here so every exception is in one place. */
export const API_DIFFERENCES: readonly {
  readonly api: string;
  readonly difference: string;
  readonly reason: string;
}[] = [
  {
    api: 'ApiVersions',
    difference:
      'the advertised API ranges are compared only for the API versions the recorded clients used (each must be served); feature levels and finalized features are not compared',
    reason:
      'Kafka serves APIs Kafkaless does not implement (transactions, ACLs, KRaft internals) and reports KRaft feature levels (metadata.version, kraft.version) that have no Kafkaless counterpart',
  },
  {
    api: 'Metadata',
    difference: 'internal topics (isInternal, e.g. `__consumer_offsets`) are dropped from the reference response',
    reason:
      'Kafka keeps group offsets in an internal topic; Kafkaless keeps them in Redis and lists no internal topics',
  },
  {
    api: 'Metadata',
    difference:
      'a topic the request asked to auto-create that Kafka reports as UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE while Kafkaless reports it created is dropped from both responses',
    reason:
      "Kafka's auto-creation is asynchronous (forwarded to the controller), so its first answers report the topic missing; Kafkaless creates the topic within the request. The client's next Metadata request compares normally",
  },
  {
    api: 'every API',
    difference: "fields the message does not have at the exchange's version are not compared",
    reason: 'they are not on the wire; the decoder fills in defaults on both sides',
  },
  {
    api: 'Fetch',
    difference:
      'fetch sessions: the replay turns incremental fetches into the equivalent full fetch, `sessionId` is not compared, and partitions the reference left out of an incremental response are dropped from the Kafkaless response when they carry no records and no error',
    reason:
      'Kafkaless creates no fetch sessions (every answer has session id 0, so clients keep sending full fetches); an incremental response lists only changed partitions',
  },
  {
    api: 'Fetch',
    difference:
      'records are compared decoded (offsets, timestamps, attributes, producer fields, keys, values, headers); the batch CRC and partitionLeaderEpoch are not compared',
    reason:
      'the broker stamps its leader epoch into each stored batch (outside the CRC); Kafkaless has no leader epochs. Everything the producer wrote must come back unchanged',
  },
  {
    api: 'Produce',
    difference:
      'producer ids inside the recorded record batches are rewritten to the mapped id (and the CRC recomputed)',
    reason: 'the batches carry the producer id the reference broker assigned',
  },
];
