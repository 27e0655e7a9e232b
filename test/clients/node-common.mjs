/**
 * Shared pieces of the Node client implementations of SCENARIO.md: the
 * scenario argument, the record shape, JSON-lines output, timeouts, and
 * loading a client library from the implementation's cache folder.
 *
 * Each Node implementation runs as `{node} {dir}/main.mjs {cache} '<json>'`:
 * its libraries are installed under `{cache}` by `node-build.mjs`, so they
 * are resolved from there rather than from this repository.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The scenario's JSON argument (always the last argument). */
export const args = JSON.parse(process.argv.at(-1));

/** The cache folder the implementation's libraries were installed into (the argument before the JSON). */
const cache = process.argv.at(-2);

/**
 * Imports a package installed in the cache folder, resolved as an import
 * from there would be (node-build.mjs writes `import.mjs` next to `node_modules`).
 */
export async function load(name) {
  const { importPackage } = await import(pathToFileURL(join(cache, 'import.mjs')).href);
  return importPackage(name);
}

/** The installed version of a package in the cache folder. */
export function packageVersion(name) {
  return JSON.parse(readFileSync(join(cache, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** Writes one JSON line to stdout (stdout to a pipe or file is synchronous on Linux, so nothing is lost on exit). */
export function emit(object) {
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

/** Logs to stderr, which the runner keeps as the run's log. */
export function log(...parts) {
  process.stderr.write(`${new Date().toISOString()} ${parts.join(' ')}\n`);
}

/** Record `i` of compression `codec`: key, value and headers as strings. */
export function record(codec, i) {
  return {
    key: `${codec}-${i}`,
    value: `value-${codec}-${i}-${'x'.repeat(i % 100)}`,
    headers: [
      ['index', String(i)],
      ['codec', codec],
    ],
  };
}

/** The records of one produce step: `count` records of `codec` from index `from`. */
export function records(codec, from, count) {
  return Array.from({ length: count }, (_, n) => record(codec, from + n));
}

/** A key, value or header value as reported: a UTF-8 string, or null. */
export function text(value) {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** A short description of an error for the `errors` arrays (with the errors it aggregates, if any). */
export function errorText(error) {
  if (!(error instanceof Error)) return String(error);
  const type = error.type ?? error.code ?? error.name;
  const text = type && !String(error.message).includes(type) ? `${type}: ${error.message}` : error.message;
  const causes = Array.isArray(error.errors) ? [...new Set(error.errors.map(errorText))] : [];
  return causes.length > 0 ? `${text} (${causes.join('; ')})` : text;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves as `promise` does, or rejects once `ms` have passed. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Calls `check` until it returns true (or throws), every `intervalMs`, for at most `ms`. */
export async function waitFor(ms, what, check, intervalMs = 200) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`${what}: timed out after ${ms} ms`);
    await sleep(intervalMs);
  }
}

/**
 * Counts what the members of a consume step received together, and settles
 * `done` once `target` records have arrived or `timeoutMs` has passed.
 */
/** The longest a consume step's members wait for each other at their first batch. */
const HOLD_MS = 10_000;

export class Tally {
  constructor(target, timeoutMs) {
    this.target = target;
    this.received = 0;
    this.startedAt = Date.now();
    this.lastAt = Date.now();
    /** When set, {@link hold} waits for it to hold (see there). */
    this.holdUntil = undefined;
    let finish;
    this.done = new Promise((resolve) => {
      finish = resolve;
    });
    this.finish = finish;
    this.timer = setTimeout(() => finish('timeout'), timeoutMs);
    if (target <= 0) finish('complete');
  }

  /** Reports one received record as a line of `step` and counts it. */
  add(step, member, partition, offset, key, value, headers) {
    emit({ step, member, partition, offset: Number(offset), key, value, headers });
    this.received += 1;
    this.lastAt = Date.now();
    if (this.received >= this.target) this.finish('complete');
  }

  /**
   * Where a member begins a batch: waits until `holdUntil()` holds (both
   * members hold partitions) or {@link HOLD_MS} since the step began, so the
   * group forms before the first member to join drains the topic alone.
   */
  async hold() {
    while (this.holdUntil !== undefined && !this.holdUntil() && Date.now() - this.startedAt < HOLD_MS) await sleep(50);
  }

  get complete() {
    return this.received >= this.target;
  }

  stop() {
    clearTimeout(this.timer);
  }
}

/**
 * The scenario from create-topic to describe for clients with KafkaJS's API
 * (kafkajs, and the KafkaJS layer of @confluentinc/kafka-javascript):
 * - `admin`: a connected KafkaJS admin client;
 * - `produce(codec, from, count)` → `{ acked, errors }`;
 * - `startMember(step, member, tally)` → `{ consumer, errors }`, a running
 *   member that reports its records to `tally` and commits synchronously;
 * - `assignedOf(state)`: the member's partitions now (asked while the members wait for each other at
 *   their first batch, and just before they close);
 * - `stateName(state)`: the name of a group state as describeGroups gives it;
 * - `transactions`: what `exactlyOnce` takes.
 */
export async function kafkaJsSteps({
  admin,
  produce,
  startMember,
  assignedOf,
  stateName = (state) => state,
  transactions,
}) {
  const { topic, group, timeoutMs } = args;
  try {
    await within(
      timeoutMs,
      'create-topic',
      admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] }),
    );
    await waitFor(timeoutMs, 'create-topic metadata', async () => {
      try {
        // KafkaJS answers { topics }, Confluent's KafkaJS layer the array itself.
        const answer = await admin.fetchTopicMetadata({ topics: [topic] });
        const topics = Array.isArray(answer) ? answer : answer.topics;
        return topics[0]?.partitions.length === 6;
      } catch {
        return false;
      }
    });
    emit({ step: 'create-topic', ok: true });
  } catch (error) {
    emit({ step: 'create-topic', ok: false, error: errorText(error) });
  }

  for (const codec of args.compressions) {
    const { acked, errors } = await produce(codec, 0, args.records);
    emit({ step: 'produce', compression: codec, acked, errors });
  }

  const tally = new Tally(args.records * args.compressions.length, timeoutMs);
  const started = [];
  tally.holdUntil = () => started.length === 2 && started.every((state) => assignedOf(state).length > 0);
  const members = await Promise.all(
    [0, 1].map(async (member) => {
      const state = await startMember('consume', member, tally);
      started.push(state);
      return state;
    }),
  );
  const outcome = await tally.done;
  tally.stop();
  const assigned = members.map(assignedOf);
  const closeErrors = [];
  await Promise.all(
    members.map(async (state) => {
      try {
        await within(timeoutMs, 'close', state.consumer.disconnect());
      } catch (error) {
        closeErrors.push(errorText(error));
      }
    }),
  );
  members.forEach((state, member) => {
    const errors = outcome === 'timeout' ? [...state.errors, `timed out with ${tally.received} records`] : state.errors;
    emit({ step: 'consume-done', member, assigned: assigned[member], errors });
  });
  emit({ step: 'commit', ok: closeErrors.length === 0, errors: closeErrors });

  const more = await produce('none', args.records, args.more);
  const resumed = new Tally(args.more, timeoutMs);
  const resumeErrors = [...more.errors];
  const member = await startMember('resume', 0, resumed);
  const resumeOutcome = await resumed.done;
  resumed.stop();
  // Whatever should not have been received shows up within 3 s of the last record.
  while (Date.now() - resumed.lastAt < 3000) await sleep(3000 - (Date.now() - resumed.lastAt));
  try {
    await within(timeoutMs, 'close', member.consumer.disconnect());
  } catch (error) {
    resumeErrors.push(errorText(error));
  }
  if (resumeOutcome === 'timeout') resumeErrors.push(`timed out with ${resumed.received} records`);
  emit({ step: 'resume-done', errors: [...resumeErrors, ...member.errors] });

  try {
    const { groups } = await within(timeoutMs, 'describe', admin.describeGroups([group]));
    const fetched = await within(timeoutMs, 'fetch offsets', admin.fetchOffsets({ groupId: group, topics: [topic] }));
    const offsets = Object.fromEntries(
      (fetched.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [String(p.partition), Number(p.offset)]),
    );
    emit({
      step: 'describe',
      state: stateName(groups[0].state),
      protocolType: groups[0].protocolType,
      members: groups[0].members.length,
      offsets,
    });
  } catch (error) {
    emit({ step: 'describe', error: errorText(error) });
  }

  await exactlyOnce(transactions);
}

/**
 * The exactly-once step, with
 * - `transact()`: with a transactional producer, produces the `aborted` records in a transaction it
 *   aborts once they are acknowledged, then the `committed` records in one it commits; rejects on
 *   failure (it is given `timeoutMs`, then abandoned);
 * - `read(tally)` → `{ close, errors }`: a read_committed consumer of every partition of the
 *   transactional topic from the beginning, reporting each record with `tally.add('exactly-once', 0, …)`.
 */
export async function exactlyOnce({ transact, read }) {
  const errors = [];
  try {
    await within(args.timeoutMs, 'transactions', transact());
  } catch (error) {
    errors.push(`transactions: ${errorText(error)}`);
  }
  if (errors.length === 0) {
    const tally = new Tally(args.transactionRecords, args.timeoutMs);
    try {
      const reader = await within(args.timeoutMs, 'read_committed start', read(tally));
      const outcome = await tally.done;
      try {
        await within(args.timeoutMs, 'read_committed close', reader.close());
      } catch (error) {
        errors.push(errorText(error));
      }
      errors.push(...reader.errors);
      if (outcome === 'timeout') errors.push(`read_committed: timed out with ${tally.received} records`);
    } catch (error) {
      errors.push(`read_committed: ${errorText(error)}`);
    }
    tally.stop();
  }
  emit({ step: 'exactly-once-done', errors });
}

/** Runs the scenario's `main` and exits 0 whatever happened (failed steps are reported, not thrown). */
export function run(main) {
  main()
    .catch((error) => log('scenario failed:', error?.stack ?? error))
    .finally(() => process.exit(0));
}
