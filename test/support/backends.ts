/**
 * Real Redis and SeaweedFS for integration tests, as the local stack's global
 * setup (infra/local/vitest-setup.ts) publishes them. A missing backend fails
 * the test: it is never skipped.
 */

import type { Backends } from './cluster.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration tests run under the local stack's global setup`);
  return value;
}

export function backendsFromEnv(): Backends {
  const endpoint = required('KAFKALESS_TEST_S3_ENDPOINT').replace(/\/$/, '');
  return {
    redisUrl: required('KAFKALESS_TEST_REDIS_URL'),
    s3Url: `${endpoint}/${required('KAFKALESS_TEST_S3_BUCKET')}`,
    s3AccessKeyId: required('KAFKALESS_TEST_S3_ACCESS_KEY_ID'),
    s3SecretAccessKey: required('KAFKALESS_TEST_S3_SECRET_ACCESS_KEY'),
  };
}
