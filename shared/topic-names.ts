/**
 * Kafka's rules for topic names (`org.apache.kafka.common.internals.Topic`):
 * ASCII alphanumerics, '.', '_' and '-'; 1 to 249 characters; not "." or "..".
 * Names that differ only by '.' versus '_' collide, because Kafka's metric
 * names cannot tell them apart; CreateTopics and auto-creation refuse them.
 */

export const MAX_TOPIC_NAME_LENGTH = 249;

/** Topics Kafka keeps for itself; Metadata reports them with `isInternal`. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set([
  '__consumer_offsets',
  '__transaction_state',
  '__share_group_state',
]);

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal topic name, in Kafka's words, or undefined when it is. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the empty string is not allowed';
  if (name === '.') return "'.' is not allowed";
  if (name === '..') return "'..' is not allowed";
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`;
  }
  if (!LEGAL.test(name)) {
    return `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

export function isValidTopicName(name: string): boolean {
  return topicNameProblem(name) === undefined;
}

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

/** Whether the name holds a character that may collide ('.' or '_'). */
export function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_');
}

/** Whether two names collide: equal once every '.' reads as '_'. */
export function topicNamesCollide(a: string, b: string): boolean {
  return a.replaceAll('.', '_') === b.replaceAll('.', '_');
}
