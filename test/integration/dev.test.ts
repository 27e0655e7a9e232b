/**
 * `npm start` — `kafkaless dev` — gives a newcomer a working endpoint:
 * kcat lists metadata, produces to an auto-created topic and reads it back.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/cluster.js';
import { kcat } from '../support/command.js';

const BIN = fileURLToPath(new URL('../../bin/kafkaless.js', import.meta.url));
let dev: ChildProcess;
let bootstrap: string;
let banner = '';

beforeAll(async () => {
  const port = await freePort();
  bootstrap = `127.0.0.1:${port}`;
  dev = spawn(process.execPath, [BIN, 'dev', '--listen', bootstrap], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKALESS_LOG_LEVEL: 'warn' },
  });
  await new Promise<void>((resolve, reject) => {
    dev.stdout?.on('data', (c: Buffer) => {
      banner += c.toString();
      if (banner.includes('kcat')) resolve();
    });
    dev.once('exit', (code) => reject(new Error(`kafkaless dev exited ${code}`)));
  });
});

afterAll(() => {
  dev?.kill('SIGTERM');
});

it('says how to connect, and kcat produces to and consumes from it', async () => {
  expect(banner).toContain(`bootstrap.servers=${bootstrap}`);
  expect(await kcat(bootstrap, ['-L'])).toContain(`broker 0 at ${bootstrap}`);
  const lines = Array.from({ length: 100 }, (_, i) => `k${i}:v${i}`);
  await kcat(bootstrap, ['-P', '-t', 'newcomer', '-K', ':'], `${lines.join('\n')}\n`);
  const out = await kcat(bootstrap, ['-C', '-t', 'newcomer', '-o', 'beginning', '-e', '-q', '-K', ':']);
  expect(out.trim().split('\n')).toEqual(lines);
});

it('drains and exits on SIGTERM', async () => {
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  dev.kill('SIGTERM');
  expect(await exited).toBe(0);
});
