/**
 * The match server's HTTP limits against slow and greedy clients (issue 9: slow-body connections
 * were held for 325 s; 20,000 half-sent requests exhausted file descriptors). The limits are
 * node:http's own timers, so these tests use short real timeouts and wait for the server's
 * close event, never a fixed sleep.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/index.js';
import {
  type MatchRefusal,
  MatchServer,
  type MatchServerOptions,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import { createPgliteDatabase, type TestDatabase } from './support/databases.js';

describe('MatchServer HTTP limits', () => {
  let db: TestDatabase;
  let server: MatchServer | undefined;
  let port: number;
  let refused: MatchRefusal[];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.close();
    await db.close();
  });
  beforeEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.close();
    refused = [];
  });

  async function start(options: Partial<MatchServerOptions>) {
    server = new MatchServer({
      authenticate: 'none',
      db: db.client,
      allocator: new StaticGameServerAllocator([]),
      observer: { requestRefused: (reason) => refused.push(reason) },
      ...options,
    });
    ({ port } = await server.listen(0));
  }

  /** A raw TCP connection that records what it receives and when it is closed. */
  async function open(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
    });
    socket.on('error', () => {}); // a reset is an expected way to be cut
    const closed = once(socket, 'close').then(() => undefined);
    await once(socket, 'connect');
    return { socket, received: () => data, closed };
  }

  it('cuts a connection whose body trickles in slower than requestTimeoutMs (408)', async () => {
    await start({ headersTimeoutMs: 100, requestTimeoutMs: 300 });
    const { socket, received, closed } = await open();
    socket.write(
      'POST /match/request HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pl',
    );
    const started = performance.now();
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
    // Cut after the request timeout, not the 325 s of the issue (a generous bound: a busy machine).
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('cuts a connection that never finishes its headers (headersTimeoutMs)', async () => {
    await start({ headersTimeoutMs: 150, requestTimeoutMs: 10_000 });
    const { socket, received, closed } = await open();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after idleTimeoutMs', async () => {
    await start({ idleTimeoutMs: 150 });
    const { socket, received, closed } = await open();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(received()).toMatch(/Keep-Alive: timeout=0\b|Keep-Alive: timeout=\d+/);
  });

  it('refuses the N+1th connection from one address, counted; the first N keep working', async () => {
    await start({ maxConnectionsPerAddress: 3 });
    const first = [await open(), await open(), await open()];
    const extra = await open();
    await extra.closed;
    expect(extra.received()).toBe('');
    expect(refused).toEqual(['connection_limit']);
    // The three admitted connections are served.
    for (const c of first) c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect
      .poll(() => first.map((c) => /^HTTP\/1\.1 200 /.test(c.received())))
      .toEqual([true, true, true]);
    // When one leaves, a new one is admitted.
    first[0]!.socket.destroy();
    await first[0]!.closed;
    await expect
      .poll(async () => {
        const next = await open();
        next.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        await next.closed;
        return /^HTTP\/1\.1 200 /.test(next.received());
      })
      .toBe(true);
  });

  it('rejects headersTimeoutMs over requestTimeoutMs and non-positive limits', () => {
    const base = {
      authenticate: 'none' as const,
      db: db.client,
      allocator: new StaticGameServerAllocator([]),
    };
    expect(() => new MatchServer({ ...base, headersTimeoutMs: 2000, requestTimeoutMs: 1000 })).toThrow(
      InvalidOptionError,
    );
    expect(() => new MatchServer({ ...base, maxConnectionsPerAddress: 0 })).toThrow(
      /maxConnectionsPerAddress/,
    );
    expect(() => new MatchServer({ ...base, idleTimeoutMs: -1 })).toThrow(/idleTimeoutMs/);
  });
});
