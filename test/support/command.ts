/** Running a command-line tool (kcat, mostly) to completion from a test. */

import { spawn } from 'node:child_process';

/** Runs `cmd` with `input` on stdin; resolves with its stdout, rejects with its stderr when it fails. */
export function runCommand(cmd: string, args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

/** Runs kcat against `bootstrap`. */
export function kcat(bootstrap: string, args: readonly string[], input = ''): Promise<string> {
  return runCommand('kcat', ['-b', bootstrap, ...args], input);
}
