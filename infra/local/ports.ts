/**
 * Free loopback ports, picked by letting the kernel choose (bind to port 0).
 */

import type { Server } from 'node:net';
import { createServer } from 'node:net';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('loopback listener has no port'));
      else resolve(address.port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Returns `count` distinct free ports on 127.0.0.1. Every listener stays open
 * until all are chosen, so the kernel cannot hand out the same port twice.
 * The ports are released before the caller binds them: a start that loses
 * that race must retry with fresh ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listen(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map(close));
  }
}
