/**
 * Byte ranges, as both BlobStores read them: [start, end) with 0 <= start <=
 * end. A range reaching past the object's end yields the bytes that exist
 * (none when it starts at or past the end), as an S3 ranged GET does.
 */
export function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`byte range [${start}, ${end}) is not a range`);
  }
}
