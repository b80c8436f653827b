import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientAddressKey } from './client-address.js';

/**
 * @internal Caps the open TCP connections of `server` per remote address: a connection past
 * `maxPerAddress` is destroyed as it arrives and `refused()` is called. Slow or idle connections
 * are cut by the server's own timeouts; this keeps one address from holding many of them.
 */
export function capConnectionsPerAddress(server: Server, maxPerAddress: number, refused: () => void): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = clientAddressKey(socket.remoteAddress);
    const count = open.get(address) ?? 0;
    if (count >= maxPerAddress) {
      refused();
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
