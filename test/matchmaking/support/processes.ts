/** Starts match servers as real child processes sharing one PostgreSQL and one Redis. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./server-process.ts', import.meta.url));

export interface ServerProcess {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The store URLs a match server process needs to share a test's PostgreSQL schema and Redis db
 * index (the test's isolation carried over to its children).
 */
export function sharedStoreEnv(
  postgresUrl: string,
  schema: string,
  redisUrl: string,
  redisDb: number,
): { DATABASE_URL: string; REDIS_URL: string } {
  const databaseUrl = new URL(postgresUrl);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  const redisDbUrl = new URL(redisUrl);
  redisDbUrl.pathname = `/${redisDb}`;
  return { DATABASE_URL: databaseUrl.toString(), REDIS_URL: redisDbUrl.toString() };
}

export async function spawnMatchServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    // Load tests and multi-process tests speak for many players from one address, unauthenticated,
    // and their one client, sharing the CPU, may take seconds to write a request's headers.
    env: {
      ...process.env,
      MATCH_AUTH: 'none',
      ADDRESS_RATE_LIMIT: 'off',
      MAX_CONNECTIONS_PER_ADDRESS: '100000',
      MAX_CONNECTIONS: '100000',
      HEADERS_TIMEOUT_MS: '60000',
      REQUEST_TIMEOUT_MS: '60000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`match server process exited early (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
