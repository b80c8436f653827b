/**
 * Test helpers for suites that need the machine's real PostgreSQL or Redis. On a machine without
 * them a suite skips and says why; in CI (`NETCODE_REQUIRE_SERVICES=1`) it fails instead.
 */
import net from 'node:net';

export const requireServices = process.env.NETCODE_REQUIRE_SERVICES === '1';
export const postgresUrl = process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

function tcpAnswers(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves whether a service answers. When it does not and services are required, throws so the
 * suite fails loudly; otherwise logs why the suite will be skipped.
 */
async function serviceAvailable(name: string, url: string, port: number): Promise<boolean> {
  const ok = await tcpAnswers(url, port);
  if (!ok && requireServices) {
    throw new Error(`${name} at ${url} does not answer and NETCODE_REQUIRE_SERVICES=1`);
  }
  if (!ok) console.warn(`[skip] ${name} at ${url} does not answer: suites that need it are skipped`);
  return ok;
}

export const hasPostgres = await serviceAvailable('PostgreSQL', postgresUrl, 5432);
export const hasRedis = await serviceAvailable('Redis', redisUrl, 6379);
