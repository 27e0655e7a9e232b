/**
 * SCENARIO.md with kcat, driven as processes.
 *
 * - kcat has no admin API: create-topic and describe are skipped.
 * - kcat has no transactional producer: exactly-once is skipped.
 * - `-H` headers apply to every record of a `kcat -P` run, so the records
 *   carry the `codec` header only (`"headers": "per-run"` in client.json, as
 *   SCENARIO.md allows); each compression is one `kcat -P` run.
 * - The consumers are `kcat -G` balanced consumers (librdkafka's high-level
 *   consumer) with JSON envelopes (`-J`, which carry the headers). kcat cannot
 *   commit synchronously: it commits with librdkafka's auto-commit (every
 *   100 ms here) and once more when it closes on SIGINT, leaving the group.
 */

import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { args, emit, errorText, log, records, run, sleep, Tally } from '../node-common.mjs';

const KCAT = 'kcat';
const { bootstrap, topic, group, timeoutMs } = args;

/** Runs one kcat process with `input` on stdin; resolves with its exit code and stderr. */
function kcat(argv, input) {
  return new Promise((resolve) => {
    const child = spawn(KCAT, argv, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stderr: errorText(error) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stderr });
    });
    child.stdin.end(input);
  });
}

/** Produces records one kcat run each, `PARALLEL_PRODUCERS` at a time. */
async function produce(codec, from, count) {
  const input = records(codec, from, count)
    .map((r) => `${r.key}\t${r.value}\n`)
    .join('');
  const argv = ['-P', '-b', bootstrap, '-t', topic, '-z', codec, '-X', 'acks=all', '-K', '\t', '-H', `codec=${codec}`];
  const { code, stderr } = await kcat(argv, input);
  if (code === 0 && !stderr.includes('ERROR')) return { acked: count, errors: [] };
  // kcat reports each record it could not deliver on a line of its own.
  const failed = stderr.split('\n').filter((line) => /Delivery failed|ERROR/.test(line));
  const undelivered = failed.filter((line) => /Delivery failed/.test(line)).length;
  return {
    acked: code === 0 ? count - undelivered : 0,
    errors: [`exit ${code}`, ...failed].slice(0, 20),
  };
}

/**
 * Waits until the runner has created the topic with 6 partitions. The listing asks for every topic,
 * so it cannot auto-create this one with the broker's default partition count.
 */
async function topicReady() {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listing = spawnSync(KCAT, ['-L', '-J', '-b', bootstrap], { encoding: 'utf8', timeout: timeoutMs });
    try {
      const found = JSON.parse(listing.stdout).topics.find((t) => t.topic === topic);
      if (found?.partitions.length === 6) return;
    } catch {
      // Not answered yet: ask again.
    }
    if (Date.now() > deadline) throw new Error(`the topic ${topic} did not appear with 6 partitions`);
    await sleep(200);
  }
}

/** The partitions of a kcat rebalance line such as `... assigned: t [0], t [3]`. */
function partitionsOf(line) {
  return [...line.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

/** One `kcat -G` member: reports each record it prints, and its rebalances and errors from stderr. */
function startMember(step, member, tally) {
  const argv = [
    '-b',
    bootstrap,
    '-G',
    group,
    '-J',
    '-u',
    '-X',
    'auto.offset.reset=earliest',
    '-X',
    'enable.auto.commit=true',
    '-X',
    'auto.commit.interval.ms=100',
    topic,
  ];
  const child = spawn(KCAT, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { assigned: [], errors: [] };
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const m = JSON.parse(line);
      const headers = [];
      for (let i = 0; i + 1 < (m.headers ?? []).length; i += 2) headers.push([m.headers[i], m.headers[i + 1]]);
      tally.add(step, member, m.partition, m.offset, m.key ?? null, m.payload ?? null, headers);
    } catch (error) {
      state.errors.push(`unreadable output: ${errorText(error)}: ${line}`);
    }
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    log(`kcat member ${member}: ${line}`);
    if (line.includes('assigned:')) state.assigned = partitionsOf(line.slice(line.indexOf('assigned:')));
    if (/ERROR/.test(line)) state.errors.push(line.replace(/^% /, ''));
  });
  const exited = new Promise((resolve) => {
    child.on('error', (error) => {
      state.errors.push(errorText(error));
      resolve(-1);
    });
    child.on('close', (code, signal) => resolve(code ?? signal));
  });
  /** Stops the member as Ctrl-C would: kcat commits, leaves the group and exits. */
  state.close = async () => {
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return state;
}

async function main() {
  const banner = spawnSync(KCAT, ['-V'], { encoding: 'utf8' }).stdout ?? '';
  emit({
    step: 'version',
    client: 'kcat',
    version: /Version (\S+)/.exec(banner)?.[1] ?? 'unknown',
    library: `librdkafka ${/librdkafka (\S+)/.exec(banner)?.[1] ?? 'unknown'}`,
  });
  emit({ step: 'create-topic', skipped: 'kcat has no admin API' });
  await topicReady();

  for (const codec of args.compressions) {
    const { acked, errors } = await produce(codec, 0, args.records);
    emit({ step: 'produce', compression: codec, acked, errors });
  }

  const tally = new Tally(args.records * args.compressions.length, timeoutMs);
  const members = [0, 1].map((member) => startMember('consume', member, tally));
  await tally.done;
  tally.stop();
  const closeErrors = [];
  const codes = await Promise.all(members.map((state) => state.close()));
  codes.forEach((code, member) => {
    if (code !== 0) closeErrors.push(`member ${member}: kcat exited with ${code}`);
  });
  members.forEach((state, member) => {
    const errors = tally.complete ? state.errors : [...state.errors, `timed out with ${tally.received} records`];
    emit({ step: 'consume-done', member, assigned: state.assigned, errors });
  });
  emit({ step: 'commit', ok: closeErrors.length === 0, errors: closeErrors });

  const more = await produce('none', args.records, args.more);
  const resumed = new Tally(args.more, timeoutMs);
  const member = startMember('resume', 0, resumed);
  await resumed.done;
  resumed.stop();
  // Whatever should not have been received shows up within 3 s of the last record.
  while (Date.now() - resumed.lastAt < 3000) await sleep(3000 - (Date.now() - resumed.lastAt));
  const code = await member.close();
  const resumeErrors = [...more.errors, ...member.errors];
  if (code !== 0) resumeErrors.push(`kcat exited with ${code}`);
  if (!resumed.complete) resumeErrors.push(`timed out with ${resumed.received} records`);
  emit({ step: 'resume-done', errors: resumeErrors });

  emit({ step: 'describe', skipped: 'kcat has no admin API for groups' });
  emit({
    step: 'exactly-once',
    skipped: "kcat has no transactional producer: it never calls librdkafka's init_transactions or begin_transaction",
  });
}

run(main);
