/**
 * vitest global setup: one local stack for the whole run. Tests read it with
 * `inject('kafkalessLocalStack')`, or from the `KAFKALESS_TEST_*` environment
 * variables (set before the test workers start, so they inherit them).
 *
 * When all those variables are already set, the stack they describe is used
 * and nothing is started: point the tests at servers you run yourself.
 */

import type { TestProject } from 'vitest/node';
import { connectionFromEnv, connectionToEnv, type LocalStackConnection } from './connection.js';
import { type LocalStack, startLocalStack } from './stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkalessLocalStack: LocalStackConnection;
  }
}

/** Bucket the test stack creates. */
export const TEST_BUCKET = 'kafkaless-test';

let stack: LocalStack | undefined;
let envSet: string[] = [];

export async function setup(project: TestProject): Promise<void> {
  const external = connectionFromEnv();
  if (external !== undefined) {
    project.provide('kafkalessLocalStack', external);
    return;
  }
  stack = await startLocalStack({ bucket: TEST_BUCKET, redisCluster: true });
  const connection: LocalStackConnection = {
    redisUrl: stack.redisUrl,
    s3: { ...stack.s3 },
    ...(stack.redisClusterUrl === undefined ? {} : { redisClusterUrl: stack.redisClusterUrl }),
  };
  project.provide('kafkalessLocalStack', connection);
  const env = connectionToEnv(connection);
  Object.assign(process.env, env);
  envSet = Object.keys(env);
}

export async function teardown(): Promise<void> {
  for (const name of envSet) delete process.env[name];
  envSet = [];
  await stack?.stop();
  stack = undefined;
}
