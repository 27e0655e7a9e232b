/**
 * The client scenario runner (test/clients/SCENARIO.md): builds every
 * implementation under test/clients/<client>/ (those with a client.json), runs
 * each against the reference broker (Apache Kafka, test/reference/) and
 * against Kafkaless (the full stack: proxy and two function processes on real
 * Redis and SeaweedFS), checks what each reported against the specification,
 * and renders the matrix client × step × broker.
 *
 * Both brokers run with Kafka's default group settings (`group.initial.rebalance.delay.ms` 3000).
 * The two brokers run side by side, one client at a time on each. A run's
 * stdout and stderr are kept in `~/.cache/kafkaless/clients/<client>/logs/`.
 *
 * CLI: `npx tsx test/clients/run.ts [--client name ...] [--broker reference|kafkaless]
 * [--records n] [--timeout-ms n] [--write]` prints the table; a run of the
 * whole matrix (or one with --write) also writes docs/compatibility.md.
 * `npm run test:clients` runs the whole matrix.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cacheRoot } from '../../infra/local/install.js';
import { runCommand } from '../../infra/local/processes.js';
import { connectionFromEnv, startLocalStack } from '../../infra/local/stack.js';
import { Oracle } from '../oracle/oracle.js';
import { startReferenceBroker } from '../reference/broker.js';
import { type Backends, startCluster } from '../support/cluster.js';

const CLIENTS_DIR = fileURLToPath(new URL('.', import.meta.url));
const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const COMPATIBILITY_DOC = join(REPO_DIR, 'docs', 'compatibility.md');

export const BROKERS = ['reference', 'kafkaless'] as const;
export type BrokerName = (typeof BROKERS)[number];
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PARTITIONS = 6;
/** The matrix's columns, in order. */
export const STEPS = [
  'create-topic',
  ...COMPRESSIONS.map((c) => `produce ${c}`),
  'consume',
  'commit',
  'resume',
  'describe',
  'exactly-once',
] as const;
export type StepName = (typeof STEPS)[number];

const BROKER_TITLES: Record<BrokerName, string> = {
  reference: 'Apache Kafka',
  kafkaless: 'Kafkaless',
};

// ---------------------------------------------------------------------------
// Manifests and builds

export interface ClientManifest {
  readonly name: string;
  readonly compressions: readonly string[];
  readonly build: readonly (readonly string[])[];
  readonly run: readonly string[];
  /** `per-run` when the client gives every record of a produce run the same headers (SCENARIO.md "Records"). */
  readonly headers?: 'per-record' | 'per-run';
}

export interface Client {
  readonly manifest: ClientManifest;
  /** The implementation's folder. */
  readonly dir: string;
  /** `~/.cache/kafkaless/clients/<name>`. */
  readonly cache: string;
}

function parseManifest(text: string, file: string): ClientManifest {
  const value = JSON.parse(text) as Partial<ClientManifest>;
  const isArgs = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
  if (
    typeof value.name !== 'string' ||
    !/^[A-Za-z0-9._-]+$/.test(value.name) ||
    !isArgs(value.compressions) ||
    !Array.isArray(value.build) ||
    !value.build.every(isArgs) ||
    !isArgs(value.run) ||
    value.run.length === 0 ||
    (value.headers !== undefined && value.headers !== 'per-record' && value.headers !== 'per-run')
  ) {
    throw new Error(`${file}: expected {name, compressions: string[], build: string[][], run: string[]}`);
  }
  const unknown = value.compressions.filter((c) => !(COMPRESSIONS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`${file}: unknown compressions ${unknown.join(', ')}`);
  return value as ClientManifest;
}

/** Every `test/clients/<folder>/client.json`, sorted by name; only `names` when given. */
export async function discoverClients(names: readonly string[] = []): Promise<Client[]> {
  const clients: Client[] = [];
  for (const entry of await readdir(CLIENTS_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(CLIENTS_DIR, entry.name);
    const file = join(dir, 'client.json');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const manifest = parseManifest(text, file);
    clients.push({ manifest, dir, cache: join(cacheRoot(), 'clients', manifest.name) });
  }
  clients.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  const missing = names.filter((name) => !clients.some((c) => c.manifest.name === name));
  if (missing.length > 0) throw new Error(`no client named ${missing.join(', ')} under ${CLIENTS_DIR}`);
  return names.length === 0 ? clients : clients.filter((c) => names.includes(c.manifest.name));
}

const usesPython = (client: Client): boolean =>
  [...client.manifest.build.flat(), ...client.manifest.run].some((arg) => arg.includes('{python}'));

/**
 * The interpreter of the client's virtualenv (`<cache>/venv`), with the folder's requirements.txt
 * installed; pip runs again only when requirements.txt changed since the last install.
 */
async function clientPython(client: Client): Promise<string> {
  const venv = join(client.cache, 'venv');
  const python = join(venv, 'bin', 'python');
  const requirements = join(client.dir, 'requirements.txt');
  const wanted = await readFile(requirements)
    .then((bytes) => createHash('sha256').update(bytes).digest('hex'))
    .catch(() => 'none');
  const stampFile = join(venv, '.requirements.sha256');
  const installed = await readFile(stampFile, 'utf8').catch(() => undefined);
  if (installed?.trim() === wanted) return python;
  const check = async (what: string, command: string, args: string[]): Promise<void> => {
    const result = await runCommand(command, args, { cwd: client.dir });
    if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output}`);
  };
  await mkdir(client.cache, { recursive: true });
  if ((await runCommand(python, ['-c', 'import sys']).catch(() => undefined))?.code !== 0) {
    await rm(venv, { recursive: true, force: true });
    await check('creating a virtualenv', process.env.KAFKALESS_PYTHON ?? 'python3', ['-m', 'venv', venv]);
  }
  if (wanted !== 'none') {
    await check('pip install -r requirements.txt', python, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '-r',
      requirements,
    ]);
  }
  await writeFile(stampFile, `${wanted}\n`);
  return python;
}

type Substitutions = Readonly<Record<string, string>>;

const substitute = (args: readonly string[], values: Substitutions): string[] =>
  args.map((arg) => arg.replace(/\{(cache|dir|node|python)\}/g, (whole, name: string) => values[name] ?? whole));

export interface BuiltClient extends Client {
  /** The command to append the scenario's JSON to, with substitutions done. */
  readonly command: readonly string[];
  readonly buildSeconds: number;
}

/** Runs the client's build commands (in its folder) and resolves its run command. */
export async function buildClient(client: Client): Promise<BuiltClient> {
  const startedAt = performance.now();
  await mkdir(client.cache, { recursive: true });
  const values: Record<string, string> = { cache: client.cache, dir: client.dir, node: process.execPath };
  if (usesPython(client)) values.python = await clientPython(client);
  for (const step of client.manifest.build) {
    const [command, ...args] = substitute(step, values);
    if (command === undefined) continue;
    const result = await runCommand(command, args, { cwd: client.dir }).catch((error: Error) => ({
      code: -1,
      output: error.message,
    }));
    if (result.code !== 0) {
      throw new Error(`build step \`${[command, ...args].join(' ')}\` failed (exit ${result.code}):\n${result.output}`);
    }
  }
  return {
    ...client,
    command: substitute(client.manifest.run, values),
    buildSeconds: (performance.now() - startedAt) / 1000,
  };
}

// ---------------------------------------------------------------------------
// One run

export interface ScenarioArgs {
  readonly bootstrap: string;
  readonly topic: string;
  readonly group: string;
  readonly records: number;
  readonly more: number;
  readonly compressions: readonly string[];
  readonly timeoutMs: number;
  /** The topic of the exactly-once step, created by the runner before the run. */
  readonly transactionalTopic: string;
  readonly transactionalId: string;
  readonly transactionRecords: number;
  /** False for clients that can only give every record of a produce run the same headers (SCENARIO.md "Records"). */
  readonly indexHeader: boolean;
}

/** One JSON object an implementation wrote, in order. */
export type Line = Readonly<Record<string, unknown>> & { readonly step?: unknown };

export interface RunOutput {
  readonly args: ScenarioArgs;
  readonly lines: readonly Line[];
  /** Lines that were not JSON objects. */
  readonly garbage: readonly string[];
  readonly exit: string;
  readonly seconds: number;
  /** Partitions of the topic after the run, as the Java AdminClient describes it (undefined: not found). */
  readonly partitions: number | undefined;
  /** What went wrong around the run (the runner's own topic creation, the describe), if anything. */
  readonly runnerErrors: readonly string[];
  readonly stdoutFile: string;
  readonly stderrFile: string;
}

export interface RunSettings {
  readonly records: number;
  readonly more: number;
  readonly timeoutMs: number;
  readonly transactionRecords: number;
}

/** The process is killed after this many step timeouts. */
const PROCESS_TIMEOUT_STEPS = 14;

function spawnClient(command: readonly string[], cwd: string, json: string): ChildProcess {
  const [file, ...args] = command;
  return spawn(file!, [...args, json], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the implementation once against `bootstrap`; see SCENARIO.md "Invocation". */
export async function runClient(
  client: BuiltClient,
  broker: BrokerName,
  bootstrap: string,
  oracle: Oracle,
  settings: RunSettings,
): Promise<RunOutput> {
  const id = randomBytes(4).toString('hex');
  const args: ScenarioArgs = {
    bootstrap,
    topic: `scenario-${client.manifest.name}-${id}`,
    group: `scenario-${client.manifest.name}-${id}`,
    records: settings.records,
    more: settings.more,
    compressions: client.manifest.compressions,
    timeoutMs: settings.timeoutMs,
    transactionalTopic: `scenario-${client.manifest.name}-${id}-txn`,
    transactionalId: `scenario-${client.manifest.name}-${id}`,
    transactionRecords: settings.transactionRecords,
    indexHeader: client.manifest.headers !== 'per-run',
  };
  const logs = join(client.cache, 'logs');
  await mkdir(logs, { recursive: true });
  const stdoutFile = join(logs, `${broker}.stdout`);
  const stderrFile = join(logs, `${broker}.stderr`);
  const stdoutLog = createWriteStream(stdoutFile);
  const stderrLog = createWriteStream(stderrFile);
  const lines: Line[] = [];
  const garbage: string[] = [];
  const runnerErrors: string[] = [];
  const pendingWork: Promise<void>[] = [];
  const startedAt = performance.now();

  const createTopic = async (topic: string): Promise<void> => {
    try {
      const answer = await oracle.admin(bootstrap, 'createTopics', {
        topics: [{ name: topic, partitions: PARTITIONS, replicationFactor: 1 }],
      });
      const created = (answer.topics as Record<string, { error?: string; message?: string }>)[topic];
      if (created?.error !== undefined)
        runnerErrors.push(`runner creating ${topic}: ${created.error} ${created.message}`);
    } catch (error) {
      runnerErrors.push(`runner creating ${topic}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  // The exactly-once step's topic is ready long before the client gets to it.
  await createTopic(args.transactionalTopic);

  const child = spawnClient(client.command, client.dir, JSON.stringify(args));
  child.stderr?.pipe(stderrLog);
  let buffer = '';
  const onLine = (text: string): void => {
    if (text.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      garbage.push(text.slice(0, 200));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      garbage.push(text.slice(0, 200));
      return;
    }
    const line = parsed as Line;
    lines.push(line);
    // A client without an admin API leaves the topic to us, at once, before it produces.
    if (line.step === 'create-topic' && typeof line.skipped === 'string') pendingWork.push(createTopic(args.topic));
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdoutLog.write(chunk);
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
  const limitMs = PROCESS_TIMEOUT_STEPS * settings.timeoutMs;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limitMs);
  const exit = await new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
    child.once('close', (code, signal) => {
      if (timedOut) resolve(`killed after ${limitMs / 1000} s`);
      else resolve(signal !== null ? `killed by ${signal}` : `exit code ${code}`);
    });
  });
  clearTimeout(timer);
  onLine(buffer);
  await Promise.all(pendingWork);
  await Promise.all([
    new Promise((resolve) => stdoutLog.end(resolve)),
    new Promise((resolve) => stderrLog.end(resolve)),
  ]);
  let partitions: number | undefined;
  try {
    const described = await oracle.admin(bootstrap, 'describeTopics', { names: [args.topic] });
    const topics = described.topics as Record<string, { partitions: unknown[] }> | undefined;
    partitions = topics?.[args.topic]?.partitions.length;
  } catch (error) {
    runnerErrors.push(`runner describing the topic: ${(error as Error).message.split('\n')[0]}`);
  }
  return {
    args,
    lines,
    garbage,
    exit,
    seconds: (performance.now() - startedAt) / 1000,
    partitions,
    runnerErrors,
    stdoutFile,
    stderrFile,
  };
}

// ---------------------------------------------------------------------------
// Checks

export type CellStatus = 'pass' | 'fail' | 'skipped' | 'n/a';

export interface Cell {
  readonly status: CellStatus;
  /** Why it failed, or why the step was skipped. */
  readonly reason?: string;
}

const pass: Cell = { status: 'pass' };
const fail = (reason: string): Cell => ({ status: 'fail', reason });

/** What record `index` of `codec` must look like (SCENARIO.md "Records"). */
export function expectedRecord(
  codec: string,
  index: number,
  indexHeader = true,
): { key: string; value: string; headers: string[][] } {
  const headers = [
    ['index', String(index)],
    ['codec', codec],
  ];
  return {
    key: `${codec}-${index}`,
    value: `value-${codec}-${index}-${'x'.repeat(index % 100)}`,
    headers: indexHeader ? headers : headers.slice(1),
  };
}

const asErrors = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : undefined;

const clip = (items: readonly string[], max = 3): string =>
  items.length <= max ? items.join('; ') : `${items.slice(0, max).join('; ')}; … (${items.length} in all)`;

interface ReceivedRecord {
  readonly member: unknown;
  readonly partition: unknown;
  readonly offset: unknown;
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: unknown;
}

/**
 * Compares what members received with the records expected: every one exactly once with its key, value
 * and headers, offsets strictly increasing per member and partition. Returns the problems found.
 */
export function checkRecords(received: readonly ReceivedRecord[], expected: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const lastOffset = new Map<string, number>();
  const wrong: string[] = [];
  const unexpected: string[] = [];
  const disorder: string[] = [];
  for (const r of received) {
    const key = typeof r.key === 'string' ? r.key : JSON.stringify(r.key);
    const partition = r.partition;
    if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= PARTITIONS) {
      problems.push(`record ${key} reported partition ${JSON.stringify(partition)}`);
      continue;
    }
    const offset = Number(r.offset);
    const lane = `${JSON.stringify(r.member)}/${partition}`;
    const previous = lastOffset.get(lane);
    if (!Number.isFinite(offset) || (previous !== undefined && offset <= previous)) {
      disorder.push(`member ${JSON.stringify(r.member)} partition ${partition}: offset ${r.offset} after ${previous}`);
    }
    if (Number.isFinite(offset)) lastOffset.set(lane, offset);
    const want = expected.get(key);
    if (want === undefined) {
      unexpected.push(key);
      continue;
    }
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const got = JSON.stringify({ key: r.key, value: r.value, headers: r.headers });
    if (got !== want) wrong.push(`${key}: got ${got.slice(0, 160)}, want ${want.slice(0, 160)}`);
  }
  const missing = [...expected.keys()].filter((key) => !seen.has(key));
  const duplicated = [...seen.entries()].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
  if (missing.length > 0) problems.push(`${missing.length} of ${expected.size} records missing (${clip(missing)})`);
  if (duplicated.length > 0)
    problems.push(`${duplicated.length} records received more than once (${clip(duplicated)})`);
  if (unexpected.length > 0) problems.push(`${unexpected.length} unexpected records (${clip(unexpected)})`);
  if (wrong.length > 0) problems.push(`${wrong.length} records differ (${clip(wrong, 2)})`);
  if (disorder.length > 0) problems.push(`offsets not increasing (${clip(disorder, 2)})`);
  return problems;
}

function expectedMap(codec: string, from: number, count: number, indexHeader = true): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = from; i < from + count; i++) {
    const r = expectedRecord(codec, i, indexHeader);
    map.set(r.key, JSON.stringify(r));
  }
  return map;
}

/** What is wrong with a closing line (`consume-done`, `resume-done`): absent, or reporting errors. */
function doneProblems(line: Line | undefined, what: string): string[] {
  if (line === undefined) return [`no ${what} line`];
  const errors = asErrors(line.errors);
  if (errors === undefined) return [`${what}: no errors array`];
  return errors.length > 0 ? [`${what} errors: ${clip(errors)}`] : [];
}

export interface RunVerdict {
  readonly version: string | undefined;
  readonly library: string | undefined;
  readonly cells: Readonly<Record<StepName, Cell>>;
}

/** Checks one run against "What the runner checks" in SCENARIO.md; one cell per step. */
export function checkRun(out: RunOutput): RunVerdict {
  const { args, lines } = out;
  const byStep = (step: string): Line[] => lines.filter((line) => line.step === step);
  const only = (step: string): Line | undefined => byStep(step)[0];
  const context = [
    out.exit === 'exit code 0' ? undefined : `process ${out.exit}`,
    out.garbage.length > 0
      ? `${out.garbage.length} stdout lines are not JSON objects (${clip(out.garbage, 1)})`
      : undefined,
    ...out.runnerErrors,
  ].filter((s): s is string => s !== undefined);
  const missing = (step: string): Cell =>
    fail([`no "${step}" line`, ...context, `log: ${out.stderrFile.replace(homedir(), '~')}`].join('; '));
  const withContext = (cell: Cell): Cell =>
    cell.status === 'fail' && context.length > 0 ? fail(`${cell.reason}; ${context.join('; ')}`) : cell;
  const skippedOr = (line: Line, check: () => Cell): Cell =>
    typeof line.skipped === 'string' ? { status: 'skipped', reason: line.skipped } : check();

  const cells = {} as Record<StepName, Cell>;

  const create = only('create-topic');
  cells['create-topic'] =
    create === undefined
      ? missing('create-topic')
      : withContext(
          (() => {
            const skipped = typeof create.skipped === 'string';
            if (!skipped && create.ok !== true) return fail(`not ok: ${JSON.stringify(create.error ?? create)}`);
            if (out.partitions !== PARTITIONS)
              return fail(`the topic has ${out.partitions ?? 'no'} partitions, not ${PARTITIONS}`);
            return skipped ? { status: 'skipped', reason: String(create.skipped) } : pass;
          })(),
        );

  for (const codec of COMPRESSIONS) {
    const step = `produce ${codec}` as StepName;
    if (!args.compressions.includes(codec)) {
      cells[step] = { status: 'n/a', reason: 'not supported by the client' };
      continue;
    }
    const reports = byStep('produce').filter((line) => line.compression === codec);
    const report = reports[0];
    if (report === undefined) {
      cells[step] = missing(`produce ${codec}`);
      continue;
    }
    const errors = asErrors(report.errors);
    cells[step] = withContext(
      reports.length > 1
        ? fail(`${reports.length} produce lines for ${codec}`)
        : report.acked !== args.records
          ? fail(`acked ${JSON.stringify(report.acked)} of ${args.records}${errors?.length ? `: ${clip(errors)}` : ''}`)
          : errors === undefined
            ? fail('no errors array')
            : errors.length > 0
              ? fail(`errors: ${clip(errors)}`)
              : pass,
    );
  }

  // consume
  {
    const received = byStep('consume') as unknown as ReceivedRecord[];
    const done = byStep('consume-done');
    const expected = new Map<string, string>();
    for (const codec of args.compressions)
      for (const [k, v] of expectedMap(codec, 0, args.records, args.indexHeader !== false)) expected.set(k, v);
    const problems = checkRecords(received, expected);
    for (const member of [0, 1]) {
      if (!received.some((r) => r.member === member)) problems.push(`member ${member} received no records`);
      const d = done.find((line) => line.member === member);
      problems.push(...doneProblems(d, `consume-done of member ${member}`));
    }
    const strangers = received.filter((r) => r.member !== 0 && r.member !== 1).length;
    if (strangers > 0) problems.push(`${strangers} records from a member other than 0 and 1`);
    cells.consume =
      received.length === 0 && done.length === 0
        ? missing('consume')
        : withContext(problems.length === 0 ? pass : fail(problems.join('; ')));
  }

  const commit = only('commit');
  cells.commit =
    commit === undefined
      ? missing('commit')
      : withContext(
          (() => {
            const errors = asErrors(commit.errors) ?? [];
            if (commit.ok !== true) return fail(`not ok${errors.length > 0 ? `: ${clip(errors)}` : ''}`);
            return errors.length > 0 ? fail(`errors: ${clip(errors)}`) : pass;
          })(),
        );

  // resume
  {
    const received = byStep('resume') as unknown as ReceivedRecord[];
    const done = only('resume-done');
    const problems = checkRecords(received, expectedMap('none', args.records, args.more, args.indexHeader !== false));
    problems.push(...doneProblems(done, 'resume-done'));
    cells.resume =
      received.length === 0 && done === undefined
        ? missing('resume')
        : withContext(problems.length === 0 ? pass : fail(problems.join('; ')));
  }

  const describe = only('describe');
  cells.describe =
    describe === undefined
      ? missing('describe')
      : withContext(
          skippedOr(describe, () => {
            const problems: string[] = [];
            if (typeof describe.error === 'string') problems.push(`error: ${describe.error}`);
            if (typeof describe.state !== 'string' || describe.state.toLowerCase() !== 'empty') {
              problems.push(`state ${JSON.stringify(describe.state)}, not Empty`);
            }
            if (describe.protocolType !== 'consumer') {
              problems.push(`protocol type ${JSON.stringify(describe.protocolType)}, not "consumer"`);
            }
            if (describe.members !== 0) problems.push(`${JSON.stringify(describe.members)} members, not 0`);
            const offsets = (describe.offsets ?? {}) as Record<string, unknown>;
            const partitions = Object.keys(offsets).sort();
            const want = Array.from({ length: PARTITIONS }, (_, p) => String(p));
            if (JSON.stringify(partitions) !== JSON.stringify(want)) {
              problems.push(`offsets for partitions [${partitions.join(',')}], not [${want.join(',')}]`);
            }
            const sum = Object.values(offsets).reduce<number>((total, o) => total + Number(o), 0);
            const wantSum = args.records * args.compressions.length + args.more;
            if (sum !== wantSum) problems.push(`committed offsets add up to ${sum}, not ${wantSum}`);
            return problems.length === 0 ? pass : fail(problems.join('; '));
          }),
        );

  // exactly-once
  {
    const lines = byStep('exactly-once');
    const skipped = lines.find((line) => typeof line.skipped === 'string');
    const done = only('exactly-once-done');
    if (skipped !== undefined) {
      cells['exactly-once'] = { status: 'skipped', reason: String(skipped.skipped) };
    } else if (lines.length === 0 && done === undefined) {
      cells['exactly-once'] = missing('exactly-once');
    } else {
      const received = lines as unknown as ReceivedRecord[];
      const aborted = received.filter((r) => typeof r.key === 'string' && r.key.startsWith('aborted-'));
      const problems = checkRecords(
        received.filter((r) => !aborted.includes(r)),
        expectedMap('committed', 0, args.transactionRecords),
      );
      if (aborted.length > 0) {
        problems.push(
          `${aborted.length} records of the aborted transaction read (${clip(aborted.map((r) => String(r.key)))})`,
        );
      }
      problems.push(...doneProblems(done, 'exactly-once-done'));
      cells['exactly-once'] = withContext(problems.length === 0 ? pass : fail(problems.join('; ')));
    }
  }

  const version = only('version');
  return {
    version: typeof version?.version === 'string' ? version.version : undefined,
    library: typeof version?.library === 'string' ? version.library : undefined,
    cells,
  };
}

// ---------------------------------------------------------------------------
// The matrix

export interface MatrixRow {
  readonly client: string;
  readonly broker: BrokerName;
  readonly version: string | undefined;
  readonly library: string | undefined;
  readonly cells: Readonly<Record<StepName, Cell>>;
  readonly seconds: number;
}

export interface Matrix {
  readonly rows: readonly MatrixRow[];
  /** Client builds: name → seconds, or the error. */
  readonly builds: ReadonlyMap<string, number | Error>;
  /** The Kafka release of the reference broker, when it ran. */
  readonly referenceVersion: string | undefined;
}

export interface MatrixOptions {
  readonly clients?: readonly string[];
  readonly brokers?: readonly BrokerName[];
  readonly records?: number;
  readonly more?: number;
  readonly timeoutMs?: number;
  readonly transactionRecords?: number;
  /** Redis and S3 for the Kafkaless stack; a local stack is started when absent. */
  readonly backends?: Backends;
  /** Progress lines (stderr by default). */
  readonly log?: (line: string) => void;
}

function everyCell(cell: Cell): Record<StepName, Cell> {
  return Object.fromEntries(STEPS.map((step) => [step, cell])) as Record<StepName, Cell>;
}

interface RunningBroker {
  readonly bootstrap: string;
  stop(): Promise<void>;
}

async function startKafkaless(backends: Backends | undefined): Promise<RunningBroker> {
  let stopStack: (() => Promise<void>) | undefined;
  let resolved = backends;
  if (resolved === undefined) {
    const external = connectionFromEnv();
    if (external !== undefined) {
      resolved = {
        redisUrl: external.redisUrl,
        s3Url: `${external.s3.endpoint}/${external.s3.bucket}`,
        s3AccessKeyId: external.s3.accessKeyId,
        s3SecretAccessKey: external.s3.secretAccessKey,
      };
    } else {
      const stack = await startLocalStack({ bucket: 'kafkaless-clients' });
      stopStack = () => stack.stop();
      resolved = {
        redisUrl: stack.redisUrl,
        s3Url: `${stack.s3.endpoint}/${stack.s3.bucket}`,
        s3AccessKeyId: stack.s3.accessKeyId,
        s3SecretAccessKey: stack.s3.secretAccessKey,
      };
    }
  }
  try {
    const logDir = join(cacheRoot(), 'clients', 'kafkaless-stack');
    await rm(logDir, { recursive: true, force: true });
    await mkdir(logDir, { recursive: true });
    const cluster = await startCluster(resolved, {}, { functionInstances: 2, logDir });
    return {
      bootstrap: cluster.bootstrap,
      async stop() {
        await cluster.stop();
        await stopStack?.();
      },
    };
  } catch (error) {
    await stopStack?.();
    throw error;
  }
}

/** Builds the clients, starts the brokers and runs every client on each; see the file comment. */
export async function runMatrix(options: MatrixOptions = {}): Promise<Matrix> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const brokers = options.brokers ?? BROKERS;
  const settings = {
    records: options.records ?? 5000,
    more: options.more ?? 100,
    timeoutMs: options.timeoutMs ?? 60_000,
    transactionRecords: options.transactionRecords ?? 100,
  };
  const clients = await discoverClients(options.clients);
  let referenceVersion: string | undefined;
  const starting = brokers.map(async (name): Promise<RunningBroker> => {
    if (name === 'kafkaless') return startKafkaless(options.backends);
    // Kafka's default group settings, as Kafkaless runs here: a new group waits 3 s for more members
    // before its first rebalance. A client that cannot pause partitions (kcat) needs that window for both
    // of its members to join before the first one drains the topic alone.
    const reference = await startReferenceBroker({ config: { 'group.initial.rebalance.delay.ms': '3000' } });
    referenceVersion = reference.version;
    return reference;
  });
  const oracleStarting = Oracle.start();
  // Builds run one at a time while the brokers start.
  const builds = new Map<string, number | Error>();
  const built: BuiltClient[] = [];
  for (const client of clients) {
    try {
      const b = await buildClient(client);
      builds.set(client.manifest.name, b.buildSeconds);
      built.push(b);
      log(`built ${client.manifest.name} in ${b.buildSeconds.toFixed(1)} s`);
    } catch (error) {
      builds.set(client.manifest.name, error as Error);
      log(`building ${client.manifest.name} failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const settled = await Promise.allSettled([oracleStarting, ...starting]);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const running = settled.slice(1).flatMap((s) => (s.status === 'fulfilled' ? [s.value as RunningBroker] : []));
  const oracle = settled[0].status === 'fulfilled' ? (settled[0].value as Oracle) : undefined;
  try {
    if (failure !== undefined || oracle === undefined) throw failure?.reason ?? new Error('the oracle did not start');
    const lanes = brokers.map(async (broker, i): Promise<MatrixRow[]> => {
      const bootstrap = running[i]!.bootstrap;
      const rows: MatrixRow[] = [];
      for (const client of clients) {
        const name = client.manifest.name;
        const b = built.find((c) => c.manifest.name === name);
        const buildResult = builds.get(name);
        if (b === undefined) {
          const reason = `build failed: ${buildResult instanceof Error ? buildResult.message.slice(0, 500) : 'unknown'}`;
          rows.push({
            client: name,
            broker,
            version: undefined,
            library: undefined,
            cells: everyCell(fail(reason)),
            seconds: 0,
          });
          continue;
        }
        const out = await runClient(b, broker, bootstrap, oracle, settings);
        const verdict = checkRun(out);
        const failed = STEPS.filter((step) => verdict.cells[step].status === 'fail');
        log(
          `${name} on ${broker}: ${failed.length === 0 ? 'pass' : `FAIL ${failed.join(', ')}`} in ${out.seconds.toFixed(1)} s`,
        );
        rows.push({ client: name, broker, ...verdict, seconds: out.seconds });
      }
      return rows;
    });
    const rows = (await Promise.all(lanes)).flat();
    rows.sort((a, b) => a.client.localeCompare(b.client) || BROKERS.indexOf(a.broker) - BROKERS.indexOf(b.broker));
    return { rows, builds, referenceVersion };
  } finally {
    await oracle?.close();
    await Promise.all(running.map((r) => r.stop()));
  }
}

// ---------------------------------------------------------------------------
// Rendering

const MARK: Record<CellStatus, string> = { pass: 'pass', fail: 'FAIL', skipped: 'skipped', 'n/a': 'n/a' };

/** The failing (and skipped) cells, one line each: `client on broker, step: reason`. */
export function failureLines(matrix: Matrix, statuses: readonly CellStatus[] = ['fail']): string[] {
  const lines: string[] = [];
  for (const row of matrix.rows) {
    for (const step of STEPS) {
      const cell = row.cells[step];
      if (statuses.includes(cell.status)) {
        lines.push(`${row.client} on ${BROKER_TITLES[row.broker]}, ${step}: ${cell.reason ?? cell.status}`);
      }
    }
  }
  return lines;
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** The matrix as a Markdown table, rows ordered by client then broker. */
export function renderTable(matrix: Matrix): string {
  return markdownTable(
    ['client', 'version', 'library', 'broker', ...STEPS],
    matrix.rows.map((row) => [
      row.client,
      row.version ?? '?',
      row.library ?? '',
      BROKER_TITLES[row.broker],
      ...STEPS.map((step) => MARK[row.cells[step].status]),
    ]),
  );
}

/** docs/compatibility.md. */
export function renderCompatibility(matrix: Matrix, date = new Date()): string {
  const failures = failureLines(matrix);
  const skipped = failureLines(matrix, ['skipped']);
  const reference = matrix.referenceVersion === undefined ? 'Apache Kafka' : `Apache Kafka ${matrix.referenceVersion}`;
  return [
    '# Client compatibility',
    '',
    '<!-- Generated by test/clients/run.ts; do not edit. -->',
    '',
    `Every client implementation under \`test/clients/\` runs the scenario of`,
    '[test/clients/SCENARIO.md](../test/clients/SCENARIO.md) against the reference',
    `broker (${reference}, single KRaft node, \`test/reference/\`) and against`,
    'Kafkaless (proxy and two function processes on Redis and SeaweedFS). Each',
    'cell is one check of the scenario; a failure on the reference broker is a',
    'fault of the implementation, a failure on Kafkaless only is a fault of',
    'Kafkaless.',
    '',
    `Last run: ${date.toISOString().slice(0, 10)}.`,
    '',
    renderTable(matrix),
    '',
    '## Failures',
    '',
    ...(failures.length === 0 ? ['None.'] : failures.map((line) => `- ${line}`)),
    ...(skipped.length === 0 ? [] : ['', '## Skipped steps', '', ...skipped.map((line) => `- ${line}`)]),
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm run test:clients                                    # the whole matrix; rewrites this file',
    'npx tsx test/clients/run.ts --client java-3.9 --broker kafkaless   # one client on one broker',
    '```',
    '',
    'Builds are cached under `~/.cache/kafkaless/clients/<client>/`, with the',
    'stdout and stderr of the last run on each broker in its `logs/`.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// CLI

interface CliOptions {
  readonly clients: string[];
  readonly brokers: BrokerName[];
  readonly records?: number;
  readonly timeoutMs?: number;
  readonly write: boolean;
}

function parseCli(argv: readonly string[]): CliOptions {
  const clients: string[] = [];
  const brokers: BrokerName[] = [];
  let records: number | undefined;
  let timeoutMs: number | undefined;
  let write = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--client') clients.push(value());
    else if (flag === '--broker') {
      const b = value();
      if (!(BROKERS as readonly string[]).includes(b)) throw new Error(`--broker is one of ${BROKERS.join(', ')}`);
      brokers.push(b as BrokerName);
    } else if (flag === '--records') records = Number(value());
    else if (flag === '--timeout-ms') timeoutMs = Number(value());
    else if (flag === '--write') write = true;
    else throw new Error(`unknown argument ${flag}`);
  }
  return { clients, brokers, records, timeoutMs, write };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cli = parseCli(process.argv.slice(2));
  const matrix = await runMatrix({
    clients: cli.clients,
    brokers: cli.brokers.length > 0 ? cli.brokers : BROKERS,
    records: cli.records,
    timeoutMs: cli.timeoutMs,
  });
  process.stdout.write(`${renderTable(matrix)}\n`);
  const failures = failureLines(matrix);
  if (failures.length > 0) process.stdout.write(`\n${failures.map((line) => `- ${line}`).join('\n')}\n`);
  const whole = cli.clients.length === 0 && cli.brokers.length === 0 && cli.records === undefined;
  if (whole || cli.write) {
    await mkdir(join(REPO_DIR, 'docs'), { recursive: true });
    await writeFile(COMPATIBILITY_DOC, renderCompatibility(matrix));
    process.stdout.write(`\nwrote ${COMPATIBILITY_DOC}\n`);
  }
  process.exitCode = failures.length > 0 ? 1 : 0;
}
