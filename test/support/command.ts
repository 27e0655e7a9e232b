/** Running a command-line tool (kcat, a runtime, …) to completion from a test. */

import { spawn } from 'node:child_process';

export interface CommandOptions {
  /** Written to its stdin, which is then closed. */
  readonly input?: string;
  readonly cwd?: string;
  /** The whole environment (the test's own when left out). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface CommandResult {
  /** Exit code; null when a signal ended it. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cmd` until it exits, whatever its exit code; rejects only when it cannot be started. */
export function runToExit(cmd: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `cmd` with `input` on stdin; resolves with its stdout, rejects with its stderr when it fails. */
export async function runCommand(cmd: string, args: readonly string[], input = ''): Promise<string> {
  const { code, stdout, stderr } = await runToExit(cmd, args, { input });
  if (code !== 0) throw new Error(`${cmd} exited ${code}: ${stderr}`);
  return stdout;
}

/** Runs kcat against `bootstrap`. */
export function kcat(bootstrap: string, args: readonly string[], input = ''): Promise<string> {
  return runCommand('kcat', ['-b', bootstrap, ...args], input);
}
