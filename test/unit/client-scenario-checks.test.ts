/**
 * The client scenario runner's checks (test/clients/run.ts) on synthetic
 * reports: a faithful run passes every cell; each kind of deviation fails
 * the cell it belongs to, with a reason naming it.
 */

import { describe, expect, it } from 'vitest';
import { checkRun, expectedRecord, type Line, type RunOutput, STEPS } from '../clients/run.js';

const ARGS = {
  bootstrap: '127.0.0.1:9092',
  topic: 't',
  group: 'g',
  records: 20,
  more: 5,
  compressions: ['none', 'zstd'],
  timeoutMs: 1000,
  transactionalTopic: 't-txn',
  transactionalId: 'txn',
  transactionRecords: 10,
  indexHeader: true,
};

/** A faithful run's lines; `indexHeader` false for a client with per-run headers. */
function faithfulLines(indexHeader = true): Line[] {
  const lines: Line[] = [
    { step: 'version', client: 'test', version: '1.0' },
    { step: 'create-topic', ok: true },
  ];
  for (const c of ARGS.compressions) lines.push({ step: 'produce', compression: c, acked: ARGS.records, errors: [] });
  const offsets = new Map<number, number>();
  const record = (step: string, member: number, codec: string, i: number): Line => {
    const r = expectedRecord(codec, i, indexHeader);
    const partition = i % 6;
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    return { step, member, partition, offset, ...r };
  };
  for (const c of ARGS.compressions) for (let i = 0; i < ARGS.records; i++) lines.push(record('consume', i % 2, c, i));
  lines.push({ step: 'consume-done', member: 0, assigned: [0, 2, 4], errors: [] });
  lines.push({ step: 'consume-done', member: 1, assigned: [1, 3, 5], errors: [] });
  lines.push({ step: 'commit', ok: true, errors: [] });
  for (let i = ARGS.records; i < ARGS.records + ARGS.more; i++) lines.push(record('resume', 0, 'none', i));
  lines.push({ step: 'resume-done', errors: [] });
  const committed = Object.fromEntries([...offsets.entries()].map(([p, o]) => [String(p), o]));
  lines.push({ step: 'describe', state: 'EMPTY', protocolType: 'consumer', members: 0, offsets: committed });
  // The aborted transaction's records and markers come first in every partition.
  for (let i = 0; i < ARGS.transactionRecords; i++) {
    const partition = i % 6;
    lines.push({ step: 'exactly-once', partition, offset: 100 + i, ...expectedRecord('committed', i) });
  }
  lines.push({ step: 'exactly-once-done', errors: [] });
  return lines;
}

function output(lines: Line[], partitions = 6, indexHeader = true): RunOutput {
  return {
    args: { ...ARGS, indexHeader },
    lines,
    garbage: [],
    exit: 'exit code 0',
    seconds: 1,
    partitions,
    runnerErrors: [],
    stdoutFile: 'out',
    stderrFile: 'err',
  };
}

const failing = (lines: Line[], partitions?: number): Record<string, string | undefined> => {
  const { cells } = checkRun(output(lines, partitions));
  return Object.fromEntries(STEPS.filter((s) => cells[s].status === 'fail').map((s) => [s, cells[s].reason]));
};

describe('client scenario checks', () => {
  it('pass a faithful run, with unsupported compressions not applicable', () => {
    const verdict = checkRun(output(faithfulLines()));
    expect(verdict.version).toBe('1.0');
    expect(failing(faithfulLines())).toEqual({});
    expect(verdict.cells['produce gzip'].status).toBe('n/a');
    expect(verdict.cells['produce zstd'].status).toBe('pass');
  });

  it('expect only the codec header from a client with per-run headers, and hold it to that', () => {
    expect(checkRun(output(faithfulLines(false), 6, false)).cells.consume.status).toBe('pass');
    expect(checkRun(output(faithfulLines(true), 6, false)).cells.consume.reason).toMatch(/records differ/);
    expect(checkRun(output(faithfulLines(false), 6, true)).cells.consume.reason).toMatch(/records differ/);
  });

  it('fail consume on a record received twice', () => {
    const lines = faithfulLines();
    const again = lines.find((l) => l.step === 'consume' && l.member === 0)!;
    lines.splice(lines.indexOf(again) + 1, 0, { ...again, offset: 1000 });
    expect(failing(lines).consume).toMatch(/received more than once/);
  });

  it('fail consume when one member received nothing', () => {
    const lines = faithfulLines().map((l) => (l.step === 'consume' ? { ...l, member: 0 } : l));
    expect(failing(lines).consume).toMatch(/member 1 received no records/);
  });

  it('fail consume on a header that differs', () => {
    const lines = faithfulLines();
    const i = lines.findIndex((l) => l.step === 'consume');
    lines[i] = { ...lines[i]!, headers: [['codec', 'none']] };
    expect(failing(lines).consume).toMatch(/1 records differ/);
  });

  it('fail resume when a record consumed before shows up again', () => {
    const lines = faithfulLines();
    const old = lines.find((l) => l.step === 'consume')!;
    lines.splice(
      lines.findIndex((l) => l.step === 'resume-done'),
      0,
      { ...old, step: 'resume', offset: 99 },
    );
    expect(failing(lines).resume).toMatch(/unexpected records/);
  });

  it('fail create-topic when the topic does not have 6 partitions, and describe when members remain', () => {
    const lines = faithfulLines().map((l) => (l.step === 'describe' ? { ...l, members: 1, state: 'Stable' } : l));
    expect(failing(lines, 1)).toEqual({
      'create-topic': 'the topic has 1 partitions, not 6',
      describe: 'state "Stable", not Empty; 1 members, not 0',
    });
  });

  it('fail exactly-once on a record of the aborted transaction', () => {
    const lines = faithfulLines();
    const done = lines.findIndex((l) => l.step === 'exactly-once-done');
    lines.splice(done, 0, { step: 'exactly-once', partition: 5, offset: 999, ...expectedRecord('aborted', 3) });
    expect(failing(lines)).toEqual({
      'exactly-once': '1 records of the aborted transaction read (aborted-3)',
    });
  });

  it('fail exactly-once on a committed record missing or read twice', () => {
    const lines = faithfulLines();
    const first = lines.findIndex((l) => l.step === 'exactly-once');
    const [dropped] = lines.splice(first, 1);
    expect(failing(lines)['exactly-once']).toMatch(/1 of 10 records missing \(committed-0\)/);
    lines.splice(first, 0, dropped!, { ...dropped!, offset: 1000 });
    expect(failing(lines)['exactly-once']).toMatch(/received more than once \(committed-0 ×2\)/);
  });

  it('fail exactly-once on producer errors, and skip it for a client without transactions', () => {
    const refused = faithfulLines()
      .filter((l) => l.step !== 'exactly-once')
      .map((l) =>
        l.step === 'exactly-once-done'
          ? { ...l, errors: ['initTransactions: TRANSACTIONAL_ID_AUTHORIZATION_FAILED'] }
          : l,
      );
    expect(failing(refused)['exactly-once']).toMatch(
      /^10 of 10 records missing.*exactly-once-done errors: initTransactions: TRANSACTIONAL_ID_AUTHORIZATION_FAILED$/,
    );
    const skipped = faithfulLines()
      .filter((l) => l.step !== 'exactly-once' && l.step !== 'exactly-once-done')
      .concat([{ step: 'exactly-once', skipped: 'no transactional producer' }]);
    const { cells } = checkRun(output(skipped));
    expect(cells['exactly-once']).toEqual({ status: 'skipped', reason: 'no transactional producer' });
  });

  it('fail the steps a crashed process never reported, naming the exit', () => {
    const lines = faithfulLines().slice(0, 4);
    const failed = failing(lines);
    expect(Object.keys(failed)).toEqual(['consume', 'commit', 'resume', 'describe', 'exactly-once']);
    expect(failed.commit).toMatch(/no "commit" line/);
  });
});
