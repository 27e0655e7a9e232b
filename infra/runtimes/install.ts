/**
 * Deno and Bun for the runtime adapters' tests, from the npm registry: each
 * ships its binary inside a platform package (`@deno/linux-x64-glibc` has
 * `deno` at its root, `@oven/bun-linux-x64` has `bin/bun`). `npm pack`
 * fetches the tarball, which is unpacked under the cache
 * (`~/.cache/kafkaless/runtimes/`), never into the repository's
 * dependencies.
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, isExecutable, withFileLock } from '../local/install.js';

const run = promisify(execFile);

export interface RuntimePackage {
  readonly name: 'deno' | 'bun';
  readonly version: string;
  /** The npm package per `${process.platform}-${process.arch}` this machine may be. */
  readonly packages: Readonly<Record<string, string>>;
  /** The executable's path inside the package. */
  readonly binary: string;
}

export const DENO: RuntimePackage = {
  name: 'deno',
  version: '2.9.6',
  packages: { 'linux-x64': '@deno/linux-x64-glibc', 'linux-arm64': '@deno/linux-arm64-glibc' },
  binary: 'deno',
};

export const BUN: RuntimePackage = {
  name: 'bun',
  version: '1.4.5',
  packages: { 'linux-x64': '@oven/bun-linux-x64', 'linux-arm64': '@oven/bun-linux-aarch64' },
  binary: 'bin/bun',
};

/** The runtime's executable, unpacked into the cache on first use. */
export async function installRuntime(runtime: RuntimePackage): Promise<string> {
  const platform = `${process.platform}-${process.arch}`;
  const pkg = runtime.packages[platform];
  if (pkg === undefined) throw new Error(`no ${runtime.name} package known for ${platform}`);
  const dir = join(cacheRoot(), 'runtimes', `${runtime.name}-${runtime.version}-${platform}`);
  const executable = join(dir, runtime.binary);
  if (isExecutable(executable)) return executable;
  await withFileLock(`${dir}.lock`, async () => {
    if (isExecutable(executable)) return;
    const scratch = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    await mkdir(scratch, { recursive: true });
    try {
      await run('npm', ['pack', '--silent', `${pkg}@${runtime.version}`, '--pack-destination', scratch], {
        maxBuffer: 16 * 1024 * 1024,
      });
      const tarball = (await readdir(scratch)).find((f) => f.endsWith('.tgz'));
      if (tarball === undefined) throw new Error(`npm pack ${pkg}@${runtime.version} left no tarball`);
      // npm tarballs hold one folder, `package/`.
      await run('tar', ['xzf', join(scratch, tarball), '-C', scratch]);
      if (!isExecutable(join(scratch, 'package', runtime.binary))) {
        throw new Error(`${pkg}@${runtime.version} has no executable ${runtime.binary}`);
      }
      await rm(dir, { recursive: true, force: true });
      await rename(join(scratch, 'package'), dir);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
  if (!existsSync(executable)) throw new Error(`${runtime.name} did not install at ${executable}`);
  return executable;
}
