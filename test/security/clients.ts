/**
 * The security tests' real clients: Java kafka-clients 3.9 (a single-file
 * program, test/security/java/SaslClient.java, on the jars Maven copies into
 * the cache) and librdkafka through confluent-kafka-python 2.12
 * (test/security/python/sasl_client.py). Each prints one JSON line, an
 * `Outcome`.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheRoot } from '../../infra/local/install.js';
import { backendsFromEnv } from '../support/backends.js';
import { type Cluster, startCluster } from '../support/cluster.js';
import { javaCommand, mavenOfflineFirst } from '../support/maven.js';
import { pythonWithConfluentKafka } from '../support/python.js';
import { makeTestPki, type TestPki } from '../support/tls.js';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const JAVA_CACHE = join(cacheRoot(), 'security', 'java');

/** What a client run printed: the values it consumed, the credentials it described, or the error it met. */
export type Outcome = { consumed?: string[]; credentials?: unknown[]; error?: string; message?: string };

/** Builds both clients (Maven copies the Java client's jars; the virtualenv gets confluent-kafka). */
async function prepareClients(): Promise<void> {
  const jars = existsSync(join(JAVA_CACHE, 'lib'))
    ? Promise.resolve()
    : mavenOfflineFirst(
        'copying the Java client jars',
        [`-Dsecurity.cache=${JAVA_CACHE}`, 'package'],
        join(HERE, 'java'),
      );
  await Promise.all([jars, pythonWithConfluentKafka()]);
}

/** Runs SaslClient.java with `args` (see its header for the modes). */
export async function java(args: readonly string[]): Promise<Outcome> {
  const { stdout } = await run(
    javaCommand(),
    ['-cp', join(JAVA_CACHE, 'lib', '*'), join(HERE, 'java', 'SaslClient.java'), ...args],
    { timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Outcome;
}

/** Runs sasl_client.py with `args` (see its docstring). */
export async function python(args: Record<string, unknown>): Promise<Outcome> {
  const { stdout } = await run(
    await pythonWithConfluentKafka(),
    [join(HERE, 'python', 'sasl_client.py'), JSON.stringify(args)],
    { timeout: 180_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Outcome;
}

/** A SCRAM user and its password. */
export interface User {
  readonly user: string;
  readonly password: string;
}

/**
 * Makes a CA and the proxy's certificate, builds the clients, and starts the full stack on the local
 * Redis and SeaweedFS with a SASL_SSL listener offering `mechanisms`, `users` as its SCRAM users, and
 * `env` besides.
 */
export async function startSaslStack(
  mechanisms: string,
  users: readonly User[],
  env: Record<string, string> = {},
): Promise<{ pki: TestPki; cluster: Cluster }> {
  const [pki] = await Promise.all([makeTestPki(), prepareClients()]);
  const cluster = await startCluster(backendsFromEnv(), {
    KAFKALESS_TLS_CERT: pki.serverCert,
    KAFKALESS_TLS_KEY: pki.serverKey,
    KAFKALESS_SASL_MECHANISMS: mechanisms,
    KAFKALESS_SCRAM_USERS: users.map((u) => `${u.user}:${u.password}`).join(','),
    ...env,
  });
  return { pki, cluster };
}

/** A topic name of its own for each test. */
export const uniqueTopic = (label: string): string => `sasl-${label}-${Date.now().toString(36)}`;
