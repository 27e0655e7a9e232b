/**
 * Every function, by API. ApiVersions advertises exactly this list, so an API
 * is advertised if and only if a function here serves it.
 */

import { apis } from '../shared/protocol/generated/api-keys.js';
import addOffsetsToTxn from './add-offsets-to-txn/index.js';
import addPartitionsToTxn from './add-partitions-to-txn/index.js';
import alterConfigs from './alter-configs/index.js';
import alterUserScramCredentials from './alter-user-scram-credentials/index.js';
import { apiVersionsFunction } from './api-versions/index.js';
import consumerGroupDescribe from './consumer-group-describe/index.js';
import consumerGroupHeartbeat from './consumer-group-heartbeat/index.js';
import createAcls from './create-acls/index.js';
import createPartitions from './create-partitions/index.js';
import createTopics from './create-topics/index.js';
import type { KafkaFunction } from './define.js';
import deleteAcls from './delete-acls/index.js';
import deleteGroups from './delete-groups/index.js';
import deleteRecords from './delete-records/index.js';
import deleteTopics from './delete-topics/index.js';
import describeAcls from './describe-acls/index.js';
import describeCluster from './describe-cluster/index.js';
import describeConfigs from './describe-configs/index.js';
import describeGroups from './describe-groups/index.js';
import describeProducers from './describe-producers/index.js';
import describeTopicPartitions from './describe-topic-partitions/index.js';
import describeTransactions from './describe-transactions/index.js';
import describeUserScramCredentials from './describe-user-scram-credentials/index.js';
import endTxn from './end-txn/index.js';
import fetch from './fetch/index.js';
import findCoordinator from './find-coordinator/index.js';
import heartbeat from './heartbeat/index.js';
import incrementalAlterConfigs from './incremental-alter-configs/index.js';
import initProducerId from './init-producer-id/index.js';
import joinGroup from './join-group/index.js';
import leaveGroup from './leave-group/index.js';
import listGroups from './list-groups/index.js';
import listOffsets from './list-offsets/index.js';
import listTransactions from './list-transactions/index.js';
import metadata from './metadata/index.js';
import offsetCommit from './offset-commit/index.js';
import offsetDelete from './offset-delete/index.js';
import offsetFetch from './offset-fetch/index.js';
import offsetForLeaderEpoch from './offset-for-leader-epoch/index.js';
import produce from './produce/index.js';
import saslAuthenticate from './sasl-authenticate/index.js';
import saslHandshake from './sasl-handshake/index.js';
import syncGroup from './sync-group/index.js';
import txnOffsetCommit from './txn-offset-commit/index.js';

/** Each function under the name of its folder, `functions/<name>/`. */
export const functionsByName: ReadonlyMap<string, KafkaFunction> = new Map<string, KafkaFunction>([
  ['produce', produce as KafkaFunction],
  ['fetch', fetch as KafkaFunction],
  ['list-offsets', listOffsets as KafkaFunction],
  ['metadata', metadata as KafkaFunction],
  ['api-versions', apiVersionsFunction(() => allFunctions) as KafkaFunction],
  ['create-topics', createTopics as KafkaFunction],
  ['delete-topics', deleteTopics as KafkaFunction],
  ['delete-records', deleteRecords as KafkaFunction],
  ['init-producer-id', initProducerId as KafkaFunction],
  ['add-partitions-to-txn', addPartitionsToTxn as KafkaFunction],
  ['add-offsets-to-txn', addOffsetsToTxn as KafkaFunction],
  ['end-txn', endTxn as KafkaFunction],
  ['txn-offset-commit', txnOffsetCommit as KafkaFunction],
  ['describe-transactions', describeTransactions as KafkaFunction],
  ['list-transactions', listTransactions as KafkaFunction],
  ['offset-for-leader-epoch', offsetForLeaderEpoch as KafkaFunction],
  ['describe-configs', describeConfigs as KafkaFunction],
  ['alter-configs', alterConfigs as KafkaFunction],
  ['create-partitions', createPartitions as KafkaFunction],
  ['incremental-alter-configs', incrementalAlterConfigs as KafkaFunction],
  ['describe-cluster', describeCluster as KafkaFunction],
  ['describe-topic-partitions', describeTopicPartitions as KafkaFunction],
  ['describe-producers', describeProducers as KafkaFunction],
  ['offset-commit', offsetCommit as KafkaFunction],
  ['offset-fetch', offsetFetch as KafkaFunction],
  ['describe-groups', describeGroups as KafkaFunction],
  ['list-groups', listGroups as KafkaFunction],
  ['delete-groups', deleteGroups as KafkaFunction],
  ['offset-delete', offsetDelete as KafkaFunction],
  ['consumer-group-heartbeat', consumerGroupHeartbeat as KafkaFunction],
  ['consumer-group-describe', consumerGroupDescribe as KafkaFunction],
  ['find-coordinator', findCoordinator as KafkaFunction],
  ['join-group', joinGroup as KafkaFunction],
  ['sync-group', syncGroup as KafkaFunction],
  ['heartbeat', heartbeat as KafkaFunction],
  ['leave-group', leaveGroup as KafkaFunction],
  ['sasl-handshake', saslHandshake as KafkaFunction],
  ['sasl-authenticate', saslAuthenticate as KafkaFunction],
  ['describe-user-scram-credentials', describeUserScramCredentials as KafkaFunction],
  ['alter-user-scram-credentials', alterUserScramCredentials as KafkaFunction],
  ['describe-acls', describeAcls as KafkaFunction],
  ['create-acls', createAcls as KafkaFunction],
  ['delete-acls', deleteAcls as KafkaFunction],
]);

/** Every function, in API key order. */
export const allFunctions: readonly KafkaFunction[] = [...functionsByName.values()].sort((a, b) => a.apiKey - b.apiKey);

const normalize = (name: string): string => name.toLowerCase().replace(/[-_\s]/g, '');

const byNormalizedName = new Map<string, KafkaFunction>();
for (const [folder, fn] of functionsByName) {
  byNormalizedName.set(normalize(folder), fn);
  const api = apis.get(fn.apiKey);
  if (api !== undefined) byNormalizedName.set(normalize(api.name), fn);
}

/**
 * The function serving an API, by its folder name (`list-offsets`) or Kafka's
 * name (`ListOffsets`), in any case; throws for a name no function serves.
 */
export function functionNamed(name: string): KafkaFunction {
  const fn = byNormalizedName.get(normalize(name));
  if (fn === undefined) {
    throw new Error(`no function serves ${JSON.stringify(name)}; known: ${[...functionsByName.keys()].join(', ')}`);
  }
  return fn;
}
