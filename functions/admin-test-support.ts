/**
 * A harness for the admin functions' tests: the memory stores, a minimal
 * environment, and a call that goes through the Hono app exactly as the
 * proxy's in-process invoker does (encoded frame in, decoded response out).
 */

import { createLogger } from '../shared/log.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import type { ApiKey, ApiMessages } from '../shared/protocol/generated/api-keys.js';
import type { Init } from '../shared/protocol/schema.js';
import { MemoryBlobStore } from '../shared/storage/memory/blobs.js';
import { MemoryMetaStore } from '../shared/storage/memory/meta.js';
import alterConfigs from './alter-configs/index.js';
import createPartitions from './create-partitions/index.js';
import createTopics from './create-topics/index.js';
import { type ClusterConfig, type FunctionEnv, functionApp, type KafkaFunction } from './define.js';
import deleteTopics from './delete-topics/index.js';
import describeConfigs from './describe-configs/index.js';
import incrementalAlterConfigs from './incremental-alter-configs/index.js';

export const ADMIN_FUNCTIONS: readonly KafkaFunction[] = [
  createTopics,
  deleteTopics,
  createPartitions,
  describeConfigs,
  alterConfigs,
  incrementalAlterConfigs,
];

export interface AdminHarness {
  readonly env: FunctionEnv;
  readonly meta: MemoryMetaStore;
  call<K extends ApiKey>(
    apiKey: K,
    version: number,
    body: Init<ApiMessages[K]['request']>,
  ): Promise<ApiMessages[K]['response']>;
}

export function adminHarness(config: Partial<ClusterConfig> = {}): AdminHarness {
  const meta = new MemoryMetaStore();
  const env: FunctionEnv = {
    meta,
    blobs: new MemoryBlobStore(),
    config: {
      clusterId: 'test-cluster',
      nodeId: 0,
      autoCreateTopics: true,
      defaultPartitions: 1,
      topicDefaults: {},
      ...config,
    },
    log: createLogger('test', () => {}),
    now: Date.now,
  };
  const app = functionApp(ADMIN_FUNCTIONS, env, { secrets: [], requireSignature: false });
  return {
    env,
    meta,
    async call(apiKey, version, body) {
      const frame = encodeRequest(apiKey, version, 7, 'admin-test', body);
      const res = await app.fetch(new Request('http://f/kafka', { method: 'POST', body: frame }));
      if (res.status !== 200) throw new Error(`function answered ${res.status}: ${await res.text()}`);
      const decoded = decodeResponse(apiKey, version, new Uint8Array(await res.arrayBuffer()));
      if (decoded.correlationId !== 7) throw new Error(`correlation id ${decoded.correlationId}`);
      return decoded.body;
    },
  };
}
