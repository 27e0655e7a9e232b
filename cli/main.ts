/** Command-line entry point: `kafkaless <command> [options]`. */

import { readFileSync } from 'node:fs';

const USAGE = `Usage: kafkaless <command> [options]

Commands:
  version     print the version
  help        print this text

The Kafka endpoint itself (kafkaless dev, proxy, functions serve) is not available yet.
`;

export async function main(args: string[]): Promise<number> {
  const [command = 'help'] = args;
  switch (command) {
    case 'version':
    case '--version': {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
      console.log(pkg.version);
      return 0;
    }
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`kafkaless: unknown or not yet available command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
