/**
 * Latency and throughput measurement for the benchmarks that time calls in
 * this process: each row is one operation called a number of times over a
 * number of concurrent callers; the table gives calls/s, items/s and
 * per-call latency percentiles.
 */

interface Row {
  readonly name: string;
  readonly calls: number;
  readonly seconds: number;
  readonly items: number;
  readonly unit: string;
  readonly latencies: readonly number[];
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

function format(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

export class Measurements {
  private readonly rows: Row[] = [];

  /** Runs `call` `calls` times over `concurrency` callers; `items` counts what one call moves. */
  async measure(
    name: string,
    calls: number,
    concurrency: number,
    items: number,
    unit: string,
    call: (i: number) => Promise<unknown>,
  ): Promise<void> {
    const latencies: number[] = [];
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < calls) {
          const i = next++;
          const t = performance.now();
          await call(i);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    this.rows.push({ name, calls, seconds, items: items * calls, unit, latencies: latencies.sort((a, b) => a - b) });
  }

  /** Prints the table of every row measured so far. */
  print(): void {
    const header = ['operation', 'calls/s', 'items/s', 'p50 ms', 'p99 ms'];
    const lines = this.rows.map((r) => [
      r.name,
      format(r.calls / r.seconds),
      `${format(r.items / r.seconds)} ${r.unit}`,
      percentile(r.latencies, 50).toFixed(2),
      percentile(r.latencies, 99).toFixed(2),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const row = (cells: string[]): string =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(row(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const l of lines) console.log(row(l));
  }
}
