/**
 * Command-line options with environment-variable fallbacks. Every option has
 * both forms: `--redis URL` or `KAFKALESS_REDIS=URL`; the flag wins.
 */

export interface OptionSpec {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly default?: string;
  /** A flag without a value. */
  readonly boolean?: boolean;
}

export const OPTIONS = {
  listen: { flag: 'listen', env: 'KAFKALESS_LISTEN', help: 'Kafka listener host:port', default: '127.0.0.1:9092' },
  advertise: {
    flag: 'advertise',
    env: 'KAFKALESS_ADVERTISE',
    help: 'host:port clients are told to connect to (default: the listen address)',
  },
  advertisedProxies: {
    flag: 'advertised-proxies',
    env: 'KAFKALESS_ADVERTISED_PROXIES',
    help: 'proxy: every proxy in front of the same functions as host:port, comma-separated, this one included and the same list on each: Metadata lists them as brokers (node ids from --node-id up, in this order) and spreads partition leaders over them',
  },
  redis: {
    flag: 'redis',
    env: 'KAFKALESS_REDIS',
    help: 'Redis URL for metadata: redis://host:port, rediss://… (TLS), or redis-cluster://host:port,host:port for a Redis Cluster (any of its masters; rediss-cluster:// for TLS) (default: in memory)',
  },
  s3: {
    flag: 's3',
    env: 'KAFKALESS_S3',
    help: 'S3 URL http(s)://host:port/bucket for record batches (default: in memory)',
  },
  functions: {
    flag: 'functions',
    env: 'KAFKALESS_FUNCTIONS',
    help: 'proxy: base URL(s) of the all-in-one function app, several comma-separated instances, or a routes table (a JSON file, or inline JSON) mapping API names to a URL or a list of URLs, with "*" for every API without its own route',
  },
  functionsListen: {
    flag: 'functions-listen',
    env: 'KAFKALESS_FUNCTIONS_LISTEN',
    help: 'functions serve: HTTP host:port',
    default: '127.0.0.1:8080',
  },
  registryListen: {
    flag: 'registry-listen',
    env: 'KAFKALESS_REGISTRY_LISTEN',
    help: 'host:port of the Confluent-compatible schema registry, `none` or empty: off (dev: default 127.0.0.1:8081; functions serve: off unless given)',
  },
  only: {
    flag: 'only',
    env: 'KAFKALESS_ONLY',
    help: 'functions serve: comma-separated API names to serve (default: all)',
  },
  secret: {
    flag: 'secret',
    env: 'KAFKALESS_SECRET',
    help: 'shared invocation secret(s), comma-separated; the first signs, any verifies',
  },
  metricsListen: {
    flag: 'metrics-listen',
    env: 'KAFKALESS_METRICS_LISTEN',
    help: 'proxy: Prometheus /metrics host:port (off when unset)',
  },
  clusterId: {
    flag: 'cluster-id',
    env: 'KAFKALESS_CLUSTER_ID',
    help: 'cluster id reported to clients',
    default: 'kafkaless',
  },
  nodeId: { flag: 'node-id', env: 'KAFKALESS_NODE_ID', help: 'node id the proxy advertises', default: '0' },
  autoCreateTopics: {
    flag: 'auto-create-topics',
    env: 'KAFKALESS_AUTO_CREATE_TOPICS',
    help: 'auto.create.topics.enable: create topics on metadata requests (true|false)',
    default: 'true',
  },
  numPartitions: {
    flag: 'num-partitions',
    env: 'KAFKALESS_NUM_PARTITIONS',
    help: 'num.partitions: partitions of auto-created topics and of CreateTopics without a count',
    default: '1',
  },
  groupInitialRebalanceDelayMs: {
    flag: 'group-initial-rebalance-delay-ms',
    env: 'KAFKALESS_GROUP_INITIAL_REBALANCE_DELAY_MS',
    help: 'group.initial.rebalance.delay.ms: how long a new classic group waits for more members before its first rebalance',
    default: '3000',
  },
  offsetsRetentionMinutes: {
    flag: 'offsets-retention-minutes',
    env: 'KAFKALESS_OFFSETS_RETENTION_MINUTES',
    help: 'offsets.retention.minutes: how long committed offsets outlive their group (or their commit)',
    default: '10080',
  },
  offsetsRetentionCheckIntervalMs: {
    flag: 'offsets-retention-check-interval-ms',
    env: 'KAFKALESS_OFFSETS_RETENTION_CHECK_INTERVAL_MS',
    help: 'offsets.retention.check.interval.ms: how often `dev` and `functions serve` expire committed offsets',
    default: '600000',
  },
  transactionMaxTimeoutMs: {
    flag: 'transaction-max-timeout-ms',
    env: 'KAFKALESS_TRANSACTION_MAX_TIMEOUT_MS',
    help: 'transaction.max.timeout.ms: the longest transaction timeout a producer may ask for',
    default: '900000',
  },
  transactionalIdExpirationMs: {
    flag: 'transactional-id-expiration-ms',
    env: 'KAFKALESS_TRANSACTIONAL_ID_EXPIRATION_MS',
    help: 'transactional.id.expiration.ms: how long an idle transactional id is kept',
    default: '604800000',
  },
  maxFrameBytes: {
    flag: 'max-frame-bytes',
    env: 'KAFKALESS_MAX_FRAME_BYTES',
    help: 'largest request frame the proxy accepts (socket.request.max.bytes)',
    default: String(100 * 1024 * 1024),
  },
  invokeTimeoutMs: {
    flag: 'invoke-timeout-ms',
    env: 'KAFKALESS_INVOKE_TIMEOUT_MS',
    help: 'proxy: deadline of one function invocation',
    default: '30000',
  },
  tlsCert: {
    flag: 'tls-cert',
    env: 'KAFKALESS_TLS_CERT',
    help: 'proxy: PEM certificate (chain) file; TLS on the Kafka listener (SSL, SASL_SSL) when set',
  },
  tlsKey: { flag: 'tls-key', env: 'KAFKALESS_TLS_KEY', help: 'proxy: PEM private key file of --tls-cert' },
  tlsCa: {
    flag: 'tls-ca',
    env: 'KAFKALESS_TLS_CA',
    help: 'proxy: PEM CA file that client certificates must chain to',
  },
  tlsClientAuth: {
    flag: 'tls-client-auth',
    env: 'KAFKALESS_TLS_CLIENT_AUTH',
    help: 'proxy: ssl.client.auth: none|requested|required; a verified client certificate makes the principal User:<subject DN>',
    default: 'none',
  },
  saslMechanisms: {
    flag: 'sasl-mechanisms',
    env: 'KAFKALESS_SASL_MECHANISMS',
    help: 'proxy: sasl.enabled.mechanisms, comma-separated (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); SASL required when set',
  },
  connectionsMaxReauthMs: {
    flag: 'connections-max-reauth-ms',
    env: 'KAFKALESS_CONNECTIONS_MAX_REAUTH_MS',
    help: 'proxy: connections.max.reauth.ms (KIP-368): SASL session lifetime, clients re-authenticate; 0: sessions never expire',
    default: '0',
  },
  scramUsers: {
    flag: 'scram-users',
    env: 'KAFKALESS_SCRAM_USERS',
    help: 'user:password pairs, comma-separated, given SCRAM-SHA-256 and SCRAM-SHA-512 credentials at start (bootstraps the first admin)',
  },
  authorizer: {
    flag: 'authorizer',
    env: 'KAFKALESS_AUTHORIZER',
    help: "functions: `acl` enforces ACLs (Kafka's StandardAuthorizer rules; CreateAcls, DescribeAcls, DeleteAcls manage them); `none` allows every request",
    default: 'none',
  },
  superUsers: {
    flag: 'super-users',
    env: 'KAFKALESS_SUPER_USERS',
    help: 'functions: super.users, principals allowed everything, semicolon-separated (User:admin;User:ops)',
  },
  allowEveryoneIfNoAclFound: {
    flag: 'allow-everyone-if-no-acl-found',
    env: 'KAFKALESS_ALLOW_EVERYONE_IF_NO_ACL_FOUND',
    help: 'functions: allow.everyone.if.no.acl.found: a resource without any ACL is open to all (true|false)',
    default: 'false',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
export type Options = Partial<Record<OptionName, string>>;

/** Parses `--name value` / `--name=value` flags, then fills gaps from the environment and defaults. */
export function parseOptions(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { options: Options; rest: string[] } {
  const byFlag = new Map<string, OptionName>(
    (Object.entries(OPTIONS) as [OptionName, OptionSpec][]).map(([k, o]) => [o.flag, k]),
  );
  const options: Options = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq < 0 ? undefined : eq);
    const name = byFlag.get(flag);
    if (name === undefined) throw new Error(`unknown option --${flag}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    options[name] = value;
  }
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    options[name] ??= env[spec.env] ?? spec.default;
  }
  return { options, rest };
}

export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`${what}: expected host:port, got ${JSON.stringify(text)}`);
  const port = Number(m[2]);
  if (port < 0 || port > 65535) throw new Error(`${what}: port out of range in ${text}`);
  return { host: m[1]!, port };
}

export function optionsHelp(names: readonly OptionName[]): string {
  return names
    .map((n) => {
      const o: OptionSpec = OPTIONS[n];
      const def = o.default !== undefined ? ` (default ${o.default})` : '';
      return `  --${o.flag.padEnd(20)} ${o.help}${def}\n  ${''.padEnd(22)} env ${o.env}`;
    })
    .join('\n');
}
