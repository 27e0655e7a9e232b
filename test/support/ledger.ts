/**
 * The checks of the exactly-once tests (test/transactions/). The ledger of a
 * consume-transform-produce run: input records (keys k0..k<n-1>, values
 * v0..v<n-1>) against the output as a read_committed and a read_uncommitted
 * consumer see it; an output value is "<incarnation>|<input partition>|<input
 * offset>|<input value>", written to the input's partition. And an idempotent
 * producer's numbered sequence, read back partition by partition.
 */

/** [partition, offset, key, value], as the Java tool's `read` mode reports a record. */
export type ReadRecord = readonly [number, number, string | null, string | null];

export interface Ledger {
  readonly recordsIn: number;
  /** Output records a read_committed consumer sees. */
  readonly recordsOut: number;
  /** Committed output records beyond the first for their input key. */
  readonly duplicates: number;
  /** Input keys with no committed output record. */
  readonly losses: number;
  /** Committed output records of no input key, or not transformed from it. */
  readonly strangers: number;
  /** Committed output records whose input offset does not follow the previous one of their partition. */
  readonly outOfOrder: number;
  /** Records only a read_uncommitted consumer sees: those of aborted transactions. */
  readonly abortedSeen: number;
  /** Committed records (partition, offset) a read_uncommitted consumer does not see: must be none. */
  readonly committedMissingUncommitted: number;
  /** The application incarnations (runs between kills) whose transactions committed output. */
  readonly committingIncarnations: number;
  /** Examples of what went wrong, for the failure message. */
  readonly examples: { duplicated: string[]; lost: string[]; strangers: string[]; outOfOrder: string[] };
}

export function ledger(
  recordsIn: number,
  committed: readonly ReadRecord[],
  uncommitted: readonly ReadRecord[],
): Ledger {
  const counts = new Map<string, number>();
  const strangers: string[] = [];
  const outOfOrder: string[] = [];
  const lastInputOffset = new Map<number, number>();
  const incarnations = new Set<string>();
  for (const [partition, offset, key, value] of committed) {
    const fields = (value ?? '').split('|');
    const index = key !== null && /^k\d+$/.test(key) ? Number(key.slice(1)) : -1;
    if (index < 0 || index >= recordsIn || fields.length !== 4 || fields[3] !== `v${index}`) {
      strangers.push(`${partition}@${offset}: ${key}=${value}`);
      continue;
    }
    counts.set(key!, (counts.get(key!) ?? 0) + 1);
    incarnations.add(fields[0]!);
    if (counts.get(key!)! > 1) continue;
    const inputOffset = Number(fields[2]);
    if (Number(fields[1]) !== partition || inputOffset <= (lastInputOffset.get(partition) ?? -1))
      outOfOrder.push(`${partition}@${offset}: ${value}`);
    lastInputOffset.set(partition, inputOffset);
  }
  const duplicated = [...counts].filter(([, n]) => n > 1);
  const lost: string[] = [];
  for (let i = 0; i < recordsIn; i++) if (!counts.has(`k${i}`)) lost.push(`k${i}`);
  const seen = new Set(uncommitted.map(([p, o]) => `${p}:${o}`));
  const committedAt = new Set(committed.map(([p, o]) => `${p}:${o}`));
  return {
    recordsIn,
    recordsOut: committed.length,
    duplicates: duplicated.reduce((sum, [, n]) => sum + n - 1, 0),
    losses: lost.length,
    strangers: strangers.length,
    outOfOrder: outOfOrder.length,
    abortedSeen: uncommitted.filter(([p, o]) => !committedAt.has(`${p}:${o}`)).length,
    committedMissingUncommitted: [...committedAt].filter((at) => !seen.has(at)).length,
    committingIncarnations: incarnations.size,
    examples: {
      duplicated: duplicated.slice(0, 10).map(([k, n]) => `${k}×${n}`),
      lost: lost.slice(0, 10),
      strangers: strangers.slice(0, 10),
      outOfOrder: outOfOrder.slice(0, 10),
    },
  };
}

/** The one-line summary the test prints. */
export function ledgerLine(what: string, l: Ledger, extra: Record<string, string | number>): string {
  const more = Object.entries(extra)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `[ledger] ${what}: records in ${l.recordsIn}, records out ${l.recordsOut} (read_committed), ` +
    `duplicates ${l.duplicates}, losses ${l.losses}, aborted seen by read_uncommitted ${l.abortedSeen}, ` +
    `incarnations committing ${l.committingIncarnations}, ${more}`
  );
}

/** What a passing run's ledger holds; compared whole so a failure shows every figure and the examples. */
export function exactlyOnce(l: Ledger): Ledger {
  return {
    ...l,
    recordsOut: l.recordsIn,
    duplicates: 0,
    losses: 0,
    strangers: 0,
    outOfOrder: 0,
    committedMissingUncommitted: 0,
    examples: { duplicated: [], lost: [], strangers: [], outOfOrder: [] },
  };
}

export interface SequenceCheck {
  readonly sent: number;
  readonly acknowledged: number;
  readonly stored: number;
  readonly duplicates: number;
  /** Records stored before one sent earlier to the same partition. */
  readonly outOfOrder: number;
  /** Acknowledged records missing from their partition. */
  readonly lost: number;
  /** Records missing between two stored ones of the same partition, acknowledged or not. */
  readonly gaps: number;
  /** Acknowledged records not at the offset their acknowledgement named. */
  readonly misplaced: number;
  readonly strangers: number;
  readonly examples: string[];
}

/**
 * An idempotent producer's numbered sequence, read back: record i went to partition i % partitions with
 * key k<i>, and `offsets[i]` is the offset its acknowledgement named, or -1.
 */
export function checkSequence(
  partitions: number,
  offsets: readonly number[],
  stored: readonly ReadRecord[],
): SequenceCheck {
  const examples: string[] = [];
  const note = (text: string): void => {
    if (examples.length < 12) examples.push(text);
  };
  const byPartition = new Map<number, ReadRecord[]>();
  for (const r of stored) {
    const list = byPartition.get(r[0]) ?? [];
    list.push(r);
    byPartition.set(r[0], list);
  }
  const at = new Map(stored.map(([p, o, k]) => [`${p}:${o}`, k]));
  let duplicates = 0;
  let outOfOrder = 0;
  let gaps = 0;
  let strangers = 0;
  const seen = new Set<number>();
  for (const [partition, records] of byPartition) {
    let last = -1;
    for (const [, offset, key] of records.sort((a, b) => a[1] - b[1])) {
      const i = key !== null && /^k\d+$/.test(key) ? Number(key.slice(1)) : -1;
      if (i < 0 || i >= offsets.length || i % partitions !== partition) {
        strangers++;
        note(`stranger ${key} at ${partition}@${offset}`);
        continue;
      }
      if (seen.has(i)) {
        duplicates++;
        note(`duplicate k${i} at ${partition}@${offset}`);
        continue;
      }
      seen.add(i);
      if (i < last) {
        outOfOrder++;
        note(`k${i} after k${last} at ${partition}@${offset}`);
      } else if (i !== last + (last < 0 ? partition + 1 : partitions)) {
        gaps++;
        note(`gap before k${i} at ${partition}@${offset} (previous k${last})`);
      }
      last = Math.max(last, i);
    }
  }
  let lost = 0;
  let misplaced = 0;
  for (const [i, offset] of offsets.entries()) {
    if (offset < 0) continue;
    if (!seen.has(i)) {
      lost++;
      note(`acknowledged k${i} (offset ${offset}) is missing`);
    } else if (at.get(`${i % partitions}:${offset}`) !== `k${i}`) {
      misplaced++;
      note(`k${i} acknowledged at ${i % partitions}@${offset}, which holds ${at.get(`${i % partitions}:${offset}`)}`);
    }
  }
  // Records sent last to a partition and missing there count as gaps too.
  for (let p = 0; p < partitions; p++) {
    const last = Math.max(-1, ...[...seen].filter((i) => i % partitions === p));
    for (let i = last < 0 ? p : last + partitions; i < offsets.length; i += partitions) gaps++;
  }
  return {
    sent: offsets.length,
    acknowledged: offsets.filter((o) => o >= 0).length,
    stored: stored.length,
    duplicates,
    outOfOrder,
    lost,
    gaps,
    misplaced,
    strangers,
    examples,
  };
}
