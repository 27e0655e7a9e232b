#!/usr/bin/env node
// The `kafkaless` command. The sources are TypeScript; tsx loads them on Node 20.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
