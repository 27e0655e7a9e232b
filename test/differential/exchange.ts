/**
 * The differential corpus: request/response exchanges as a broker saw them,
 * one JSON object per line. Frames are whole Kafka frames without their size
 * prefix (header and body), in base64.
 *
 * `sent` and `answered` are positions in one sequence of events counted
 * across all connections of a recording: a request that was sent after some
 * response arrived (on any connection) may depend on it, so the replay sends
 * it only once that exchange's replayed response has arrived too. This keeps
 * cross-connection causality (an admin creates a topic, then a producer
 * writes to it) without replaying wall-clock time.
 */

import { readFileSync, writeFileSync } from 'node:fs';

export interface Exchange {
  /** Connection number within the recording. */
  readonly conn: number;
  /** Position of the request on its connection, from 0. */
  readonly seq: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  /** Event position at which the request reached the broker. */
  readonly sent: number;
  /** Event position at which the response reached the client; null when the request has no response (acks=0). */
  readonly answered: number | null;
  readonly request: string;
  readonly response: string | null;
}

/** The frames of an exchange as bytes. */
export function frames(exchange: Exchange): { request: Uint8Array; response: Uint8Array | null } {
  return {
    request: new Uint8Array(Buffer.from(exchange.request, 'base64')),
    response: exchange.response === null ? null : new Uint8Array(Buffer.from(exchange.response, 'base64')),
  };
}

export function readCorpus(file: string): Exchange[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Exchange);
}

export function writeCorpus(file: string, exchanges: readonly Exchange[]): void {
  const ordered = [...exchanges].sort((a, b) => a.sent - b.sent);
  writeFileSync(
    file,
    ordered
      .map((e) => JSON.stringify(e))
      .join('\n')
      .concat('\n'),
  );
}
