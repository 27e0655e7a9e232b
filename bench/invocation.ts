/**
 * What a function invocation costs, and how much of it is the security
 * layer: Produce (one 10-record batch, acks=all), Fetch (one stored batch,
 * no wait), OffsetCommit (one partition, a group of simple consumers) and
 * Metadata (one topic), each sent to the all-in-one
 * app in this process on real Redis and SeaweedFS, as the proxy sends them,
 * under three settings:
 *   - open: unsigned invocations, no authorizer;
 *   - signed: HMAC-verified invocations with their nonce claimed in Redis;
 *   - signed + ACLs: the same with the StandardAuthorizer on and the
 *     principal granted what it uses by a PREFIXED ACL.
 * One caller (latency) and 16 callers (throughput) for each. HTTP itself is
 * left out (bench/proxy.ts measures the hop). Prints a table.
 * `npm run bench:invocation`, against a local stack or the servers the
 * `KAFKALESS_TEST_*` variables name.
 */

import { randomBytes } from 'node:crypto';
import { allInOneApp } from '../functions/app.js';
import type { ClusterConfig, FunctionEnv } from '../functions/define.js';
import { connectionFromEnv, type LocalStackConnection, startLocalStack } from '../infra/local/stack.js';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../shared/acls/acl.js';
import { INVOKE_PATH, type InvocationContext, signInvocation, writeContext } from '../shared/invocation.js';
import { createLogger } from '../shared/log.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey, type ApiMessages, apis } from '../shared/protocol/generated/api-keys.js';
import { ErrorCode } from '../shared/protocol/generated/error-codes.js';
import type { Init } from '../shared/protocol/schema.js';
import { encodeBatch } from '../shared/records/records.js';
import { RedisMetaStore } from '../shared/storage/redis/meta.js';
import { S3BlobStore } from '../shared/storage/s3/blobs.js';
import { newTopicId } from '../shared/topic-ids.js';
import { Measurements } from './measure.js';

const SECRET = 'bench-invocation-secret';
const PRINCIPAL = 'User:bench';
const SEQUENTIAL_CALLS = 2000;
const CONCURRENT_CALLS = 8000;
const CALLERS = 16;

interface Setting {
  readonly name: string;
  readonly signed: boolean;
  readonly authorizer: boolean;
}

const SETTINGS: readonly Setting[] = [
  { name: 'open', signed: false, authorizer: false },
  { name: 'signed', signed: true, authorizer: false },
  { name: 'signed + ACLs', signed: true, authorizer: true },
];

const text = new TextEncoder();

function batch(): Uint8Array {
  const timestamp = BigInt(Date.now());
  return encodeBatch({
    records: Array.from({ length: 10 }, (_, i) => ({
      key: text.encode(`key-${i}`),
      value: randomBytes(100),
      timestamp,
    })),
  });
}

/** Sends one request to the app as the proxy would and decodes the answer; throws unless the function answered 200. */
type Invoke = <K extends ApiKey>(
  apiKey: K,
  version: number,
  body: Init<ApiMessages[K]['request']>,
) => Promise<ApiMessages[K]['response']>;

function invoker(env: FunctionEnv, setting: Setting): Invoke {
  const app = allInOneApp(env, { secrets: [SECRET], requireSignature: setting.signed });
  const ctx: InvocationContext = {
    connectionId: 'bench',
    clientAddress: '127.0.0.1:50000',
    principal: PRINCIPAL,
    listener: { host: '127.0.0.1', port: 9092 },
    deadline: 0,
  };
  return async (apiKey, version, body) => {
    const frame = encodeRequest(apiKey, version, 1, 'bench', body);
    const headers = new Headers({ 'content-type': 'application/octet-stream' });
    writeContext(headers, { ...ctx, deadline: Date.now() + 30_000 }, apiKey);
    if (setting.signed) await signInvocation(headers, frame, SECRET);
    const res = await app.fetch(
      new Request(`http://functions${INVOKE_PATH}`, { method: 'POST', headers, body: frame }),
    );
    if (res.status !== 200) throw new Error(`${apis.get(apiKey)?.name} answered ${res.status}: ${await res.text()}`);
    return decodeResponse(apiKey, version, new Uint8Array(await res.arrayBuffer())).body;
  };
}

async function benchSetting(bench: Measurements, base: FunctionEnv, setting: Setting, topic: string): Promise<void> {
  const config: ClusterConfig = {
    ...base.config,
    ...(setting.authorizer ? { authorizer: { superUsers: [], allowEveryoneIfNoAclFound: false } } : {}),
  };
  const invoke = invoker({ ...base, config }, setting);
  const records = batch();
  const produce = async () => {
    const res = await invoke(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    const code = res.responses[0]!.partitionResponses[0]!.errorCode;
    if (code !== ErrorCode.NONE) throw new Error(`Produce failed with error ${code}`);
  };
  const fetch = async () => {
    const res = await invoke(ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            // One batch: the first is answered whole however small the limit.
            { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1024 },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const partition = res.responses[0]!.partitions[0]!;
    if (res.errorCode !== ErrorCode.NONE || partition.errorCode !== ErrorCode.NONE || partition.records === null) {
      throw new Error(`Fetch failed with error ${res.errorCode}/${partition.errorCode}`);
    }
  };
  const commit = async (i: number) => {
    const res = await invoke(ApiKey.OffsetCommit, 9, {
      groupId: 'bench-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: [
            { partitionIndex: 0, committedOffset: BigInt(i), committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    const code = res.topics[0]!.partitions[0]!.errorCode;
    if (code !== ErrorCode.NONE) throw new Error(`OffsetCommit failed with error ${code}`);
  };
  const metadata = async () => {
    const res = await invoke(ApiKey.Metadata, 12, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    if (res.topics[0]!.errorCode !== ErrorCode.NONE)
      throw new Error(`Metadata failed with ${res.topics[0]!.errorCode}`);
  };
  for (const [api, call] of [
    ['Produce', produce],
    ['Fetch', fetch],
    ['OffsetCommit', commit],
    ['Metadata', metadata],
  ] as const) {
    await call(0); // warm the connections and caches
    await bench.measure(`${setting.name}: ${api}, 1 caller`, SEQUENTIAL_CALLS, 1, 1, 'calls', call);
    await bench.measure(`${setting.name}: ${api}, ${CALLERS} callers`, CONCURRENT_CALLS, CALLERS, 1, 'calls', call);
  }
}

async function main(): Promise<void> {
  let connection: LocalStackConnection | undefined = connectionFromEnv();
  let stop = async (): Promise<void> => undefined;
  if (connection === undefined) {
    const stack = await startLocalStack({ bucket: 'kafkaless-bench' });
    connection = { redisUrl: stack.redisUrl, s3: stack.s3 };
    stop = () => stack.stop();
  }
  const meta = new RedisMetaStore(connection.redisUrl, { prefix: `bench-${randomBytes(4).toString('hex')}:` });
  const blobs = new S3BlobStore(connection.s3);
  const env: FunctionEnv = {
    meta,
    blobs,
    config: { clusterId: 'bench', nodeId: 0, autoCreateTopics: false, defaultPartitions: 1, topicDefaults: {} },
    log: createLogger('bench', () => {}),
    now: () => Date.now(),
  };
  const bench = new Measurements();
  try {
    const topic = `bench-${randomBytes(4).toString('hex')}`;
    await meta.topics.createTopic({ name: topic, id: newTopicId(), partitions: 1, configs: {}, createdAt: Date.now() });
    const grant = (resourceType: number, operation: number) => ({
      resourceType,
      resourceName: 'bench-',
      patternType: PatternType.PREFIXED,
      principal: PRINCIPAL,
      host: '*',
      operation,
      permissionType: AclPermission.ALLOW,
    });
    await meta.acls.add([
      grant(ResourceType.TOPIC, AclOperation.WRITE),
      grant(ResourceType.TOPIC, AclOperation.READ),
      grant(ResourceType.GROUP, AclOperation.READ),
    ]);
    for (const setting of SETTINGS) await benchSetting(bench, env, setting, topic);
    bench.print();
  } finally {
    await Promise.all([meta.close(), blobs.close()]);
    await stop();
  }
}

await main();
