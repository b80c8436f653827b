/**
 * Assembles a match server from a plain config: PostgreSQL or an embedded PGlite, Redis or
 * in-memory rooms, a static list of game servers. `main.ts` runs it from the environment; the
 * demo (and tests) call {@link startMatchServer} in-process.
 */
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Logger, OutageLog, silentLogger, systemClock } from '../../src/core/index.js';
import {
  type GameServerAllocator,
  type MatchObserver,
  MatchServer,
  MatchSweeper,
  MemoryRoomManager,
  migrate,
  pgliteClient,
  pgPoolClient,
  RedisGameServerRegistry,
  RedisRoomManager,
  type SqlClient,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';

/** Everything the example server is configured by. */
export interface MatchServerConfig {
  /** HTTP port (0 picks a free one). */
  port: number;
  /** Interface to bind (default 0.0.0.0). */
  host?: string;
  /** PostgreSQL URL; unset runs an embedded, in-memory PGlite. */
  databaseUrl?: string | undefined;
  /** Redis URL; unset keeps rooms in memory (one process only). */
  redisUrl?: string | undefined;
  /** `host:port` list for the static allocator. */
  gameServers: string[];
  /**
   * Allocate from the live game-server registry in Redis instead of `gameServers` (set when
   * `REDIS_URL` is set and `GAME_SERVERS` is not).
   */
  useRegistry?: boolean;
  /** Ratings must differ by less than this. */
  maxRatingDiff: number;
  /** Milliseconds between matching rounds (default 100). */
  tickIntervalMs?: number;
  /** Long-poll wait before a 202 (default 25 s). */
  maxWaitMs?: number;
  /** PostgreSQL pool size (default 20). */
  poolSize?: number;
}

/** Reads the config from environment variables (see README.md). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): MatchServerConfig {
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
    return value;
  };
  return {
    port: int('PORT', 8080),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    gameServers: (env.GAME_SERVERS ?? '127.0.0.1:9000')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    maxRatingDiff: int('MAX_RATING_DIFF', 100),
    tickIntervalMs: int('TICK_INTERVAL_MS', 100),
    maxWaitMs: int('MAX_WAIT_MS', 25_000),
    ...(env.REDIS_URL && env.GAME_SERVERS === undefined ? { gameServers: [], useRegistry: true } : {}),
  };
}

/** A running example server and how to stop it. */
export interface RunningMatchServer {
  server: MatchServer;
  port: number;
  /** Closes the server, then the connections it opened. */
  close(): Promise<void>;
}

/** Builds, migrates and starts a match server from `config`. */
export async function startMatchServer(
  config: MatchServerConfig,
  options: { logger?: Logger; observer?: MatchObserver } = {},
): Promise<RunningMatchServer> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  let server: MatchServer | undefined;
  let port: number;
  try {
    let db: SqlClient;
    if (config.databaseUrl) {
      const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolSize ?? 20 });
      db = pgPoolClient(pool, options.logger);
      cleanups.push(() => pool.end());
    } else {
      const lite = await PGlite.create();
      db = pgliteClient(lite);
      cleanups.push(() => lite.close());
    }
    await migrate(db);
    let rooms: MemoryRoomManager | RedisRoomManager = new MemoryRoomManager();
    let allocator: GameServerAllocator = new StaticGameServerAllocator(config.gameServers);
    let registry: RedisGameServerRegistry | undefined;
    if (config.redisUrl) {
      // Fail fast while Redis is down instead of queueing commands: the server answers 503.
      const redis = new Redis(config.redisUrl, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      });
      // ioredis emits 'error' at every failed reconnect: one line when Redis goes, one when it is back.
      const outage = new OutageLog('redis connection', options.logger ?? silentLogger, systemClock);
      redis.on('error', (err) => outage.failed(err));
      redis.on('ready', () => outage.succeeded());
      cleanups.push(async () => redis.disconnect());
      await redis.connect();
      rooms = new RedisRoomManager(redis);
      // Game servers running `npm run pong-server` with the same REDIS_URL register here.
      if (config.useRegistry) registry = new RedisGameServerRegistry(redis);
      if (registry !== undefined) allocator = registry;
    }
    server = new MatchServer({
      db,
      rooms,
      allocator,
      maxRatingDiff: config.maxRatingDiff,
      ...(config.tickIntervalMs === undefined ? {} : { tickIntervalMs: config.tickIntervalMs }),
      ...(config.maxWaitMs === undefined ? {} : { maxWaitMs: config.maxWaitMs }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
    });
    ({ port } = await server.listen(config.port, config.host ?? '0.0.0.0'));
    if (registry !== undefined) {
      // Ends matches whose game server died or that it no longer runs, freeing their players.
      const sweeper = new MatchSweeper({
        db,
        queue: server.queue,
        rooms,
        registry,
        ...(options.logger === undefined ? {} : { logger: options.logger }),
      });
      sweeper.start();
      cleanups.push(() => sweeper.stop());
    }
  } catch (err) {
    // A failed migrate or listen (EADDRINUSE) must not leave the pool, PGlite or Redis open:
    // they would keep the process alive.
    try {
      await server?.close();
      await cleanUp();
    } catch (cleanupError) {
      options.logger?.warn({ err: cleanupError }, 'clean-up after a failed start failed');
    }
    throw err;
  }
  const started = server;
  return {
    server: started,
    port,
    async close() {
      await started.close();
      await cleanUp();
    },
  };
}
