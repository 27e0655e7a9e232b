/**
 * Kafka's checks on manual replica assignments (ReplicationControlManager's
 * validateManualPartitionAssignment), placement aside: partitions live in
 * object storage, so which brokers are named does not matter, only that the
 * list is well formed.
 */

/** Why one partition's replica list is refused, in Kafka's words, or undefined. */
export function replicaListProblem(brokerIds: readonly number[], expected: number | undefined): string | undefined {
  if (brokerIds.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const sorted = [...brokerIds].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i]!;
    if (id < 0) return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
    if (i > 0 && sorted[i - 1] === id) {
      return `The manual partition assignment includes the broker ${id} more than once.`;
    }
  }
  if (expected !== undefined && sorted.length !== expected) {
    return (
      `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is ` +
      `not consistent with previous partitions, which have ${expected} replica(s).`
    );
  }
  return undefined;
}
