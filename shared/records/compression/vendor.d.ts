// snappyjs ships no types; only what we call is declared.
declare module 'snappyjs' {
  /** Compresses into one raw snappy block (with its varint length preamble). */
  export function compress(input: Uint8Array): Uint8Array;
  /** Decompresses one raw snappy block; throws when the declared length exceeds `maxLength`. */
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
