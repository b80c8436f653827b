import type { Socket } from 'node:dgram';

/**
 * Binds a `node:dgram` socket, resolving once bound; on a bind error (e.g. `EADDRINUSE`) closes
 * the socket and rejects with it.
 * @internal
 */
export function bindSocket(socket: Socket, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/**
 * Closes a `node:dgram` socket, resolving once closed (at once if it already was).
 * @internal
 */
export function closeSocket(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
