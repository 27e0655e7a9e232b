/**
 * The reference broker: Apache Kafka itself (3.9.x, KRaft, one combined
 * broker+controller node) on free loopback ports, for running client
 * scenarios against the real thing. Kafka's jars (the broker and kafka-tools,
 * which carries the perf tools) are resolved from Maven Central with
 * test/reference/pom.xml and copied once into `~/.cache/kafkaless/kafka-<version>/libs`.
 * Storage, logs and configuration live in a temporary directory that `stop()`
 * removes; the JVM dies with this process however it ends.
 *
 * Broker settings differ from Kafka's defaults only where one node needs it
 * (replication factors and min ISR of the internal topics are 1) and in
 * `group.initial.rebalance.delay.ms=0`: a new group rebalances at once rather
 * than waiting 3 s for more members, as test brokers usually run.
 *
 * CLI: `npx tsx test/reference/broker.ts` prints the bootstrap address and
 * runs until interrupted.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheRoot, withFileLock } from '../../infra/local/install.js';
import { freePorts } from '../../infra/local/ports.js';
import {
  logTail,
  onProcessExit,
  runCommand,
  type ServerProcess,
  startServer,
  waitUntilReady,
} from '../../infra/local/processes.js';
import { ApiKey } from '../../shared/protocol/generated/api-keys.js';
import { javaCommand, mavenOfflineFirst } from '../support/maven.js';
import { WireClient } from '../support/proxy/kafka-wire.js';

/** The Kafka release the reference broker runs unless a caller asks for another: the newest 3.9.x on Maven Central. */
export const REFERENCE_KAFKA_VERSION = '3.9.2';

const POM_DIR = fileURLToPath(new URL('.', import.meta.url));
const NODE_ID = 1;
const START_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 20_000;

export interface ReferenceBrokerOptions {
  /** Kafka release (default REFERENCE_KAFKA_VERSION). */
  readonly kafkaVersion?: string;
  /** Broker properties on top of (and overriding) the defaults here, e.g. `num.partitions`. */
  readonly config?: Readonly<Record<string, string>>;
  /** JVM heap limit (default 1g). */
  readonly heap?: string;
}

export interface ReferenceBroker {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  readonly bootstrap: string;
  /** The Kafka release running. */
  readonly version: string;
  /** The temporary directory: `server.properties`, `data/`, `logs/server.log`; removed by `stop()`. */
  readonly dir: string;
  /** SIGTERM (Kafka's controlled shutdown), SIGKILL after a grace period, then removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Where one release's jars are cached. */
function libsLocation(kafkaVersion: string): { root: string; libs: string; manifest: string } {
  if (!/^[0-9][0-9A-Za-z.-]*$/.test(kafkaVersion)) throw new Error(`bad Kafka version ${kafkaVersion}`);
  const root = join(cacheRoot(), `kafka-${kafkaVersion}`);
  return { root, libs: join(root, 'libs'), manifest: join(root, 'libs.complete') };
}

/** True when the manifest written after the last complete copy lists only jars that are present. */
async function libsComplete(libs: string, manifest: string): Promise<boolean> {
  const listed = await readFile(manifest, 'utf8').catch(() => undefined);
  if (listed === undefined) return false;
  const present = new Set(await readdir(libs).catch(() => [] as string[]));
  const jars = listed.split('\n').filter((name) => name.length > 0);
  return jars.length > 0 && jars.every((jar) => present.has(jar));
}

/**
 * The directory holding every jar of Apache Kafka `kafkaVersion` (broker and tools), copying them out of
 * ~/.m2 (resolving from Maven Central when missing) unless a complete copy is cached.
 */
export async function ensureKafkaLibs(kafkaVersion = REFERENCE_KAFKA_VERSION): Promise<string> {
  const { root, libs, manifest } = libsLocation(kafkaVersion);
  if (await libsComplete(libs, manifest)) return libs;
  await mkdir(root, { recursive: true });
  await withFileLock(join(root, 'libs.lock'), async () => {
    if (await libsComplete(libs, manifest)) return;
    const scratch = `${libs}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await mavenOfflineFirst(
        `resolving Apache Kafka ${kafkaVersion}`,
        [`-Dkafka.version=${kafkaVersion}`, 'dependency:copy-dependencies', `-DoutputDirectory=${scratch}`],
        POM_DIR,
      );
      const jars = (await readdir(scratch)).filter((name) => name.endsWith('.jar')).sort();
      if (!jars.includes(`kafka_2.13-${kafkaVersion}.jar`))
        throw new Error(`no kafka_2.13-${kafkaVersion}.jar in ${scratch}`);
      await rm(manifest, { force: true });
      await rm(libs, { recursive: true, force: true });
      await rename(scratch, libs);
      await writeFile(manifest, `${jars.join('\n')}\n`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
  return libs;
}

/** Kafka's textual Uuid: 16 random bytes in URL-safe base64 without padding, never starting with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dir: string, port: number, controllerPort: number, extra: Record<string, string>): string {
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(NODE_ID),
    'controller.quorum.voters': `${NODE_ID}@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dir, 'data'),
    'auto.create.topics.enable': 'true',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    // KIP-848 is a preview in 3.9: enabled so clients with group.protocol=consumer can run too.
    'group.coordinator.rebalance.protocols': 'classic,consumer',
    ...extra,
  };
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

const LOG4J_PROPERTIES = `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
`;

/** True once the broker answers Metadata listing itself, i.e. it registered and is unfenced. */
async function answersMetadata(port: number): Promise<boolean> {
  const client = await WireClient.connect(port);
  try {
    const { body } = await client.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false });
    return body.brokers.some((broker) => broker.nodeId === NODE_ID && broker.port === port);
  } finally {
    client.close();
  }
}

async function startOnce(libs: string, version: string, options: ReferenceBrokerOptions): Promise<ReferenceBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'kafkaless-reference-'));
  const forgetDir = onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
  let server: ServerProcess | undefined;
  const [port, controllerPort] = (await freePorts(2)) as [number, number];
  try {
    const propertiesFile = join(dir, 'server.properties');
    const logsDir = join(dir, 'logs');
    await mkdir(logsDir);
    await writeFile(propertiesFile, serverProperties(dir, port, controllerPort, { ...options.config }));
    await writeFile(join(dir, 'log4j.properties'), LOG4J_PROPERTIES);
    const classpath = join(libs, '*');
    const jvm = [
      `-Xmx${options.heap ?? '1g'}`,
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${logsDir}`,
      `-Dlog4j.configuration=${pathToFileURL(join(dir, 'log4j.properties')).href}`,
      '-cp',
      classpath,
    ];
    const format = await runCommand(
      javaCommand(),
      [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', propertiesFile],
      { cwd: dir, timeoutMs: 60_000 },
    );
    if (format.code !== 0)
      throw new Error(`formatting Kafka's storage failed (exit ${format.code}):\n${format.output}`);
    server = await startServer({
      name: `Kafka ${version}`,
      command: javaCommand(),
      args: [...jvm, 'kafka.Kafka', propertiesFile],
      cwd: dir,
      logFile: join(dir, 'kafka.out'),
      removeWhenOrphaned: [dir],
    });
    await waitUntilReady(server, 'answering Metadata', () => answersMetadata(port), START_TIMEOUT_MS);
  } catch (error) {
    const detail = server === undefined ? '' : `\n--- server.log ---\n${logTail(join(dir, 'logs', 'server.log'))}`;
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    forgetDir();
    throw error instanceof Error && detail !== '' ? new Error(`${error.message}${detail}`) : error;
  }
  const running = server;
  let stopping: Promise<void> | undefined;
  return {
    bootstrap: `127.0.0.1:${port}`,
    version,
    dir,
    stop() {
      stopping ??= (async () => {
        await running.stop(STOP_GRACE_MS);
        await rm(dir, { recursive: true, force: true });
        forgetDir();
      })();
      return stopping;
    },
  };
}

/** Resolves Kafka's jars if needed, formats fresh KRaft storage and starts a single node; see the file comment. */
export async function startReferenceBroker(options: ReferenceBrokerOptions = {}): Promise<ReferenceBroker> {
  const version = options.kafkaVersion ?? REFERENCE_KAFKA_VERSION;
  const libs = await ensureKafkaLibs(version);
  try {
    return await startOnce(libs, version, options);
  } catch (error) {
    // Free ports are released before Kafka binds them; another process may have taken one meanwhile.
    if (!(error instanceof Error) || !/Address already in use/.test(error.message)) throw error;
    return startOnce(libs, version, options);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const broker = await startReferenceBroker();
  process.stdout.write(`${broker.bootstrap}\n`);
  process.stderr.write(
    `Apache Kafka ${broker.version} on ${broker.bootstrap} (files in ${broker.dir}); Ctrl-C stops it\n`,
  );
  const shutdown = (): void => {
    void broker.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
