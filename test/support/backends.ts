/**
 * Real Redis and SeaweedFS for integration tests, as the local stack's global
 * setup (infra/local/vitest-setup.ts) publishes them. A missing backend fails
 * the test: it is never skipped. With `KAFKALESS_TEST_METASTORE=redis-cluster`
 * (the `integration-cluster` project) the MetaStore is the stack's
 * three-master Redis Cluster instead of its single Redis.
 */

import type { Backends } from './cluster.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration tests run under the local stack's global setup`);
  return value;
}

/** The Redis URL (single or cluster, see above) the tests' MetaStore uses. */
export function testRedisUrl(): string {
  return process.env.KAFKALESS_TEST_METASTORE === 'redis-cluster'
    ? required('KAFKALESS_TEST_REDIS_CLUSTER_URL')
    : required('KAFKALESS_TEST_REDIS_URL');
}

export function backendsFromEnv(): Backends {
  const endpoint = required('KAFKALESS_TEST_S3_ENDPOINT').replace(/\/$/, '');
  return {
    redisUrl: testRedisUrl(),
    s3Url: `${endpoint}/${required('KAFKALESS_TEST_S3_BUCKET')}`,
    s3AccessKeyId: required('KAFKALESS_TEST_S3_ACCESS_KEY_ID'),
    s3SecretAccessKey: required('KAFKALESS_TEST_S3_SECRET_ACCESS_KEY'),
  };
}
