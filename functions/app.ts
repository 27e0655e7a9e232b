/**
 * The Hono apps to deploy: every function in one app, or a chosen few (one
 * per FaaS deployment, with the proxy routing each API to its URL).
 */

import type { Hono } from 'hono';
import { type AppOptions, type FunctionEnv, functionApp } from './define.js';
import { allFunctions, functionNamed } from './registry.js';

/** One app serving every API. */
export function allInOneApp(env: FunctionEnv, options: AppOptions): Hono {
  return functionApp(allFunctions, env, options);
}

/** An app serving only the named APIs (folder names such as `list-offsets`, or Kafka names such as `ListOffsets`). */
export function appFor(names: readonly string[], env: FunctionEnv, options: AppOptions): Hono {
  return functionApp([...new Set(names.map(functionNamed))], env, options);
}
