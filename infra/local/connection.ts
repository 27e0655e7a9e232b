/**
 * How to reach a local stack, and its form as environment variables
 * (`KAFKALESS_TEST_*`) for tests and child processes that read no vitest context.
 */

import type { S3Connection } from './seaweedfs.js';

export interface LocalStackConnection {
  redisUrl: string;
  s3: S3Connection;
  /** A 3-master Redis Cluster (`redis-cluster://…`), when the stack runs one. */
  redisClusterUrl?: string;
}

export const STACK_ENV = {
  redisUrl: 'KAFKALESS_TEST_REDIS_URL',
  redisClusterUrl: 'KAFKALESS_TEST_REDIS_CLUSTER_URL',
  s3Endpoint: 'KAFKALESS_TEST_S3_ENDPOINT',
  s3Bucket: 'KAFKALESS_TEST_S3_BUCKET',
  s3Region: 'KAFKALESS_TEST_S3_REGION',
  s3AccessKeyId: 'KAFKALESS_TEST_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'KAFKALESS_TEST_S3_SECRET_ACCESS_KEY',
} as const;

export function connectionToEnv(connection: LocalStackConnection): Record<string, string> {
  return {
    [STACK_ENV.redisUrl]: connection.redisUrl,
    [STACK_ENV.s3Endpoint]: connection.s3.endpoint,
    [STACK_ENV.s3Bucket]: connection.s3.bucket,
    [STACK_ENV.s3Region]: connection.s3.region,
    [STACK_ENV.s3AccessKeyId]: connection.s3.accessKeyId,
    [STACK_ENV.s3SecretAccessKey]: connection.s3.secretAccessKey,
    ...(connection.redisClusterUrl === undefined ? {} : { [STACK_ENV.redisClusterUrl]: connection.redisClusterUrl }),
  };
}

/** The connection the variables describe, or undefined unless every one is set (region defaults to us-east-1). */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): LocalStackConnection | undefined {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const redisUrl = get(STACK_ENV.redisUrl);
  const endpoint = get(STACK_ENV.s3Endpoint);
  const bucket = get(STACK_ENV.s3Bucket);
  const accessKeyId = get(STACK_ENV.s3AccessKeyId);
  const secretAccessKey = get(STACK_ENV.s3SecretAccessKey);
  if (!redisUrl || !endpoint || !bucket || !accessKeyId || !secretAccessKey) return undefined;
  const redisClusterUrl = get(STACK_ENV.redisClusterUrl);
  return {
    redisUrl,
    ...(redisClusterUrl === undefined ? {} : { redisClusterUrl }),
    s3: {
      endpoint,
      bucket,
      region: get(STACK_ENV.s3Region) ?? 'us-east-1',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: true,
    },
  };
}
