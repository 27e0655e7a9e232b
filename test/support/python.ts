/**
 * librdkafka clients for integration tests: a Python virtualenv with the
 * confluent-kafka wheel (which bundles librdkafka), cached outside the
 * repository under ~/.cache/kafkaless, and a runner for the scripts in
 * test/clients/python/ that speak newline-delimited JSON on stdout.
 */

import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The confluent-kafka release the tests run; its wheel bundles the librdkafka of the same version. */
export const CONFLUENT_KAFKA_VERSION = '2.12.0';

const SCRIPTS = fileURLToPath(new URL('../clients/python/', import.meta.url));
const CACHE = join(homedir(), '.cache', 'kafkaless');
const VENV = join(CACHE, `python-confluent-kafka-${CONFLUENT_KAFKA_VERSION}`);
const BASE_PYTHON = process.env.KAFKALESS_PYTHON ?? 'python3';

const venvPython = (venv: string): string => join(venv, 'bin', 'python');

/** The confluent-kafka version a venv's interpreter imports, or undefined if it cannot. */
async function installedVersion(venv: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(venvPython(venv), [
      '-c',
      'from importlib.metadata import version; import confluent_kafka; print(version("confluent-kafka"))',
    ]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function step(what: string, file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what} failed (${file} ${args.join(' ')}):\n${(err.stderr ?? err.message).slice(-4000)}`);
  }
}

let ready: Promise<string> | undefined;

/**
 * The path of a Python interpreter that imports confluent-kafka at
 * CONFLUENT_KAFKA_VERSION, creating the cached venv on first use. Built in a
 * scratch directory and renamed into place, so concurrent runs never see a
 * half-installed venv. Needs Python 3 with the venv module (Debian:
 * python3-venv) and the package index pip is configured for.
 */
export function pythonWithConfluentKafka(): Promise<string> {
  ready ??= (async () => {
    if ((await installedVersion(VENV)) === CONFLUENT_KAFKA_VERSION) return venvPython(VENV);
    try {
      await run(BASE_PYTHON, ['-c', 'import sys, venv, ensurepip; assert sys.version_info >= (3, 8)']);
    } catch {
      throw new Error(
        `librdkafka tests need Python 3.8+ with the venv module as \`${BASE_PYTHON}\` ` +
          '(Debian: apt-get install python3 python3-venv; or set KAFKALESS_PYTHON to an interpreter)',
      );
    }
    await mkdir(CACHE, { recursive: true });
    const scratch = `${VENV}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await step('creating a virtualenv', BASE_PYTHON, ['-m', 'venv', scratch]);
      await step(`installing confluent-kafka==${CONFLUENT_KAFKA_VERSION}`, venvPython(scratch), [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--only-binary=:all:',
        `confluent-kafka==${CONFLUENT_KAFKA_VERSION}`,
      ]);
      const got = await installedVersion(scratch);
      if (got !== CONFLUENT_KAFKA_VERSION)
        throw new Error(`confluent-kafka ${got} imports, not ${CONFLUENT_KAFKA_VERSION}`);
      // Another run may have put its own venv in place meanwhile: keep that one.
      if ((await installedVersion(VENV)) !== CONFLUENT_KAFKA_VERSION) {
        await rm(VENV, { recursive: true, force: true });
        await rename(scratch, VENV).catch(async (e) => {
          if ((await installedVersion(VENV)) !== CONFLUENT_KAFKA_VERSION) throw e;
        });
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    if ((await installedVersion(VENV)) !== CONFLUENT_KAFKA_VERSION) {
      throw new Error(`the virtualenv at ${VENV} does not import confluent-kafka ${CONFLUENT_KAFKA_VERSION}`);
    }
    return venvPython(VENV);
  })();
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

/** The librdkafka version the cached confluent-kafka bundles, as `confluent_kafka.libversion()` reports it. */
export async function librdkafkaVersion(): Promise<string> {
  const { stdout } = await run(await pythonWithConfluentKafka(), [
    '-c',
    'import confluent_kafka; v = confluent_kafka.libversion(); print(v[0] if isinstance(v, tuple) else v)',
  ]);
  return stdout.trim();
}

/** A rebalance callback as group_consumer.py reports it. */
export interface RebalanceEvent {
  readonly event: 'assign' | 'revoke' | 'lost';
  /** The partitions the callback was given. */
  readonly partitions: number[];
  /** The member's whole assignment after the callback. */
  readonly assignment: number[];
}

/** The last line of group_consumer.py. */
export interface GroupMemberResult {
  /** Keys of every record the member processed (and committed), in order. */
  readonly keys: string[];
  /** The member's assignment after each rebalance callback. */
  readonly assignments: number[][];
  /** The assignment when the member stopped, just before close(). */
  readonly final: number[];
  /** Consume and commit errors. */
  readonly errors: string[];
  /**
   * Commits the coordinator refused because they raced a rebalance
   * (ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS); their offsets are committed
   * again by the next commit or on revocation.
   */
  readonly conflicts: string[];
  readonly libversion: string;
}

export interface GroupMemberArgs {
  bootstrap: string;
  topic: string;
  group: string;
  /** librdkafka properties on top of the script's (enable.auto.commit=false, auto.offset.reset=earliest). */
  config?: Readonly<Record<string, string | number | boolean>>;
  /** Stop once assigned and idle this long. */
  idle_ms?: number;
  /** Stop after this long regardless. */
  timeout_ms?: number;
  /** Pause after each batch before committing it, to keep the member busy. */
  process_ms?: number;
  /** At most this many records a batch (default 100). */
  max_batch?: number;
}

/** One librdkafka group member in its own process (test/clients/python/group_consumer.py). */
export class GroupMember {
  /** Rebalance callbacks so far, in order. */
  readonly rebalances: RebalanceEvent[] = [];
  /** Keys processed so far. */
  readonly keys: string[] = [];
  /** The member's outcome once it stopped and closed. */
  readonly result: Promise<GroupMemberResult>;
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private failure: Error | undefined;

  private constructor(python: string, args: GroupMemberArgs) {
    this.child = spawn(python, [join(SCRIPTS, 'group_consumer.py'), JSON.stringify(args)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdin.on('error', () => {});
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
    this.result = new Promise((resolve, reject) => {
      let buffer = '';
      let done: GroupMemberResult | undefined;
      this.child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const event = JSON.parse(line) as { event: string } & Record<string, unknown>;
          if (event.event === 'records') this.keys.push(...(event.keys as string[]));
          else if (event.event === 'done') done = event as unknown as GroupMemberResult;
          else if (event.event !== 'error') this.rebalances.push(event as unknown as RebalanceEvent);
        }
      });
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        if (done !== undefined && code === 0) resolve(done);
        else reject(new Error(`group_consumer.py exited with ${code ?? signal}:\n${this.stderr}`));
      });
    });
    this.result.catch((e: Error) => {
      this.failure = e;
    });
  }

  static async start(args: GroupMemberArgs): Promise<GroupMember> {
    return new GroupMember(await pythonWithConfluentKafka(), args);
  }

  /** Why the process ended without a result, once it has. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** The member's current assignment, as of its last rebalance callback. */
  get assignment(): number[] {
    return this.rebalances.at(-1)?.assignment ?? [];
  }

  /** Asks the member to stop consuming and close (revoke, leave the group); resolves with its result. */
  stop(): Promise<GroupMemberResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.stdin.end('stop\n');
    return this.result;
  }

  /** Kills the process at once, for cleanup after a failure. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Runs one member until it stops on its own (idle or timeout). */
export async function consumeInGroup(args: GroupMemberArgs): Promise<GroupMemberResult> {
  return (await GroupMember.start(args)).result;
}
