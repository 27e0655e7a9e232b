/**
 * Maven for the test tools that resolve Java artifacts (the protocol oracle,
 * the reference broker, the Java client implementations): offline first, so a
 * warm ~/.m2 skips every remote check, then online.
 */

import { join } from 'node:path';
import { runCommand } from '../../infra/local/processes.js';

// Maven 3.8 prints colour resets even with -B and style.color=never.
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const QUIET_BATCH = ['-q', '-B', '-Dstyle.color=never'];

/**
 * Runs `mvn -q -B <args>` in `cwd`, first with `-o`; throws with both runs' output when the online run
 * fails too. `what` names the task in the error.
 */
export async function mavenOfflineFirst(what: string, args: readonly string[], cwd: string): Promise<void> {
  const full = [...QUIET_BATCH, ...args];
  const offline = await maven(['-o', ...full], cwd);
  if (offline.code === 0) return;
  const online = await maven(full, cwd);
  if (online.code === 0) return;
  throw new Error(
    `${what} with Maven failed (exit ${online.code}) in ${cwd}\n` +
      `--- mvn ${full.join(' ')} ---\n${online.output}\n--- mvn -o ${full.join(' ')} ---\n${offline.output}`,
  );
}

async function maven(args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const result = await runCommand('mvn', args, { cwd });
    return { code: result.code ?? -1, output: result.output.replace(ANSI_ESCAPE, '') };
  } catch (error) {
    return { code: -1, output: error instanceof Error ? error.message : String(error) };
  }
}

/** The java executable: `$JAVA_HOME/bin/java` when JAVA_HOME is set. */
export function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, 'bin', 'java') : 'java';
}
