/**
 * librdkafka clients for integration tests: a Python virtualenv with the
 * confluent-kafka wheel (which bundles librdkafka), cached outside the
 * repository under ~/.cache/kafkaless, and a runner for the scripts in
 * test/clients/python/ that speak newline-delimited JSON on stdout.
 */

import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheRoot } from '../../infra/local/install.js';

const run = promisify(execFile);

/** The confluent-kafka release the tests run; its wheel bundles the librdkafka of the same version. */
export const CONFLUENT_KAFKA_VERSION = '2.12.0';

const SCRIPTS = fileURLToPath(new URL('../clients/python/', import.meta.url));
const BASE_PYTHON = process.env.KAFKALESS_PYTHON ?? 'python3';

const venvPython = (venv: string): string => join(venv, 'bin', 'python');

/** A virtualenv of pinned packages, cached under ~/.cache/kafkaless. */
export interface VenvSpec {
  /** The venv's folder name under the cache; keep it stable, since a venv whose pins differ is rebuilt in place. */
  readonly name: string;
  /** Pinned distributions, name → exact version; pip installs them from wheels only. */
  readonly packages: Readonly<Record<string, string>>;
  /** Modules that must import, so a venv whose native parts are broken counts as missing. */
  readonly imports: readonly string[];
}

/** Reads `name==version` lines (blank lines and `#` comments skipped) of a requirements file. */
export function pinnedRequirements(file: string): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const pin = /^([A-Za-z0-9._\-[\],]+)==([^\s;]+)$/.exec(line);
    if (pin === null) throw new Error(`${file}: expected name==version, got \`${line}\``);
    packages[pin[1]!.replace(/\[.*\]$/, '')] = pin[2]!;
  }
  return packages;
}

/** Whether a venv's interpreter imports the spec's modules and has every pinned version installed. */
async function venvMatches(venv: string, spec: VenvSpec): Promise<boolean> {
  const probe = [
    'import importlib, json, sys',
    'from importlib.metadata import version',
    'for m in json.loads(sys.argv[1]): importlib.import_module(m)',
    'print(json.dumps({p: version(p) for p in json.loads(sys.argv[2])}))',
  ].join('\n');
  try {
    const { stdout } = await run(venvPython(venv), [
      '-c',
      probe,
      JSON.stringify(spec.imports),
      JSON.stringify(Object.keys(spec.packages)),
    ]);
    const got = JSON.parse(stdout) as Record<string, string>;
    return Object.entries(spec.packages).every(([name, version]) => got[name] === version);
  } catch {
    return false;
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

const venvs = new Map<string, Promise<string>>();

/**
 * The path of a Python interpreter in the cached venv `spec` describes,
 * creating it on first use. Built in a scratch directory and renamed into
 * place, so concurrent runs never see a half-installed venv. Needs Python 3
 * with the venv module (Debian: python3-venv) and the package index pip is
 * configured for.
 */
export function pythonVenv(spec: VenvSpec): Promise<string> {
  const key = JSON.stringify(spec);
  let ready = venvs.get(key);
  if (ready !== undefined) return ready;
  ready = (async () => {
    const cache = cacheRoot();
    const venv = join(cache, spec.name);
    if (await venvMatches(venv, spec)) return venvPython(venv);
    try {
      await run(BASE_PYTHON, ['-c', 'import sys, venv, ensurepip; assert sys.version_info >= (3, 8)']);
    } catch {
      throw new Error(
        `Python client tests need Python 3.8+ with the venv module as \`${BASE_PYTHON}\` ` +
          '(Debian: apt-get install python3 python3-venv; or set KAFKALESS_PYTHON to an interpreter)',
      );
    }
    await mkdir(cache, { recursive: true });
    const pins = Object.entries(spec.packages).map(([name, version]) => `${name}==${version}`);
    const scratch = `${venv}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await step('creating a virtualenv', BASE_PYTHON, ['-m', 'venv', scratch]);
      await step(`installing ${pins.join(' ')}`, venvPython(scratch), [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--only-binary=:all:',
        ...pins,
      ]);
      if (!(await venvMatches(scratch, spec))) throw new Error(`the new virtualenv does not import ${pins.join(' ')}`);
      // Another run may have put its own venv in place meanwhile: keep that one.
      if (!(await venvMatches(venv, spec))) {
        await rm(venv, { recursive: true, force: true });
        await rename(scratch, venv).catch(async (e) => {
          if (!(await venvMatches(venv, spec))) throw e;
        });
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    if (!(await venvMatches(venv, spec)))
      throw new Error(`the virtualenv at ${venv} does not import ${pins.join(' ')}`);
    return venvPython(venv);
  })();
  venvs.set(key, ready);
  ready.catch(() => venvs.delete(key));
  return ready;
}

/**
 * The path of a Python interpreter that imports confluent-kafka at
 * CONFLUENT_KAFKA_VERSION, creating the cached venv on first use.
 */
export function pythonWithConfluentKafka(): Promise<string> {
  return pythonVenv({
    name: `python-confluent-kafka-${CONFLUENT_KAFKA_VERSION}`,
    packages: { 'confluent-kafka': CONFLUENT_KAFKA_VERSION },
    imports: ['confluent_kafka'],
  });
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
