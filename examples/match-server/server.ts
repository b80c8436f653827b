/**
 * Assembles a match server from a plain config: PostgreSQL or an embedded PGlite, Redis or
 * in-memory rooms, a static list of game servers. `main.ts` runs it from the environment; the
 * demo (and tests) call {@link startMatchServer} in-process.
 */
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createCryptoRandom,
  epochClock,
  type Logger,
  OutageLog,
  silentLogger,
  systemClock,
} from '../../src/core/index.js';
import {
  type ConnectTokenSource,
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
  type RequestRateLimit,
  type SqlClient,
  StaticGameServerAllocator,
  type WideningFollows,
  type WideningStep,
} from '../../src/matchmaking/index.js';
import { ConnectTokenIssuer } from '../../src/transport/index.js';
import { type ConfiguredConnectTokenKey, connectTokenKeyFromEnv } from '../connect-token-key.js';
import { PONG_PROTOCOL_ID } from '../pong-server/pong-server.js';
import { resultKeyFromEnv } from '../result-key.js';
import { bearerAuthenticate, checkSecret } from './bearer-auth.js';
import { ratingSettingsFromEnv } from './rating-settings.js';

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
  /** Widening with waiting time (default none); see `ratingSettingsFromEnv` for the environment. */
  widening?: readonly WideningStep[];
  /** Whose wait widens a pair's allowance (default `newer`, the library's). */
  wideningFollows?: WideningFollows;
  /** Milliseconds between matching rounds (default 100). */
  tickIntervalMs?: number;
  /** Long-poll wait before a 202 (default 25 s). */
  maxWaitMs?: number;
  /** PostgreSQL pool size (default 20). */
  poolSize?: number;
  /**
   * Caller identity: `'none'` (development: anyone may act for any player id) or the secret
   * (at least 32 bytes) that signs the bearer JWTs (see bearer-auth.ts).
   */
  auth: 'none' | { secret: Uint8Array };
  /** Per-address request limit (default the library's; `null`: off). */
  addressRateLimit?: RequestRateLimit | null;
  /** Per-player request limit (default the library's; `null`: off). */
  playerRateLimit?: RequestRateLimit | null;
  /** Open connections per client address (default the library's, 64). */
  maxConnectionsPerAddress?: number;
  /** Open connections in all (default the library's, 10 000). */
  maxConnections?: number;
  /** Time for a request's headers (default the library's, 10 000 ms). */
  headersTimeoutMs?: number;
  /** Time for a whole request, body included (default the library's, 20 000 ms). */
  requestTimeoutMs?: number;
  /**
   * The key that seals the `connect_token` of every match answer (the game servers' key); unset:
   * answers carry no token.
   */
  connectTokenKey?: ConfiguredConnectTokenKey;
  /** The game's protocol id in the tokens (default Pong's). */
  protocolId?: number;
  /**
   * The key game servers sign match results with (`POST /match/result`); unset: the route is off
   * and nothing ends matches but the sweeper. From `RESULT_KEY`, else the connect-token key.
   */
  resultKey?: Uint8Array;
}

/** `burst/perSecond` (e.g. `60/10`), `off`, or unset (the library default). */
function rateLimitFromEnv(name: string, raw: string | undefined): RequestRateLimit | null | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'off') return null;
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(raw);
  if (m === null || Number(m[1]) < 1 || Number(m[2]) <= 0)
    throw new Error(`${name} must be "<burst>/<per second>" (e.g. 60/10) or "off", got "${raw}"`);
  return { burst: Number(m[1]), perSecond: Number(m[2]) };
}

/** `MATCH_AUTH=none`, or the bearer-token secret from `MATCH_JWT_SECRET`. */
function authFromEnv(env: NodeJS.ProcessEnv): MatchServerConfig['auth'] {
  const mode = env.MATCH_AUTH ?? 'jwt';
  if (mode === 'none') return 'none';
  if (mode !== 'jwt') throw new Error(`MATCH_AUTH must be "jwt" (the default) or "none", got "${mode}"`);
  const secret = env.MATCH_JWT_SECRET;
  if (secret === undefined || secret === '')
    throw new Error(
      'MATCH_JWT_SECRET (at least 32 bytes) is required to check bearer tokens; ' +
        'set MATCH_AUTH=none to run without caller identity (development only)',
    );
  return { secret: checkSecret(new TextEncoder().encode(secret)) };
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
    ...ratingSettingsFromEnv(env),
    tickIntervalMs: int('TICK_INTERVAL_MS', 100),
    maxWaitMs: int('MAX_WAIT_MS', 25_000),
    auth: authFromEnv(env),
    connectTokenKey: connectTokenKeyFromEnv(env),
    resultKey: resultKeyFromEnv(env),
    ...optional(
      'maxConnectionsPerAddress',
      env.MAX_CONNECTIONS_PER_ADDRESS ? int('MAX_CONNECTIONS_PER_ADDRESS', 64) : undefined,
    ),
    ...optional('maxConnections', env.MAX_CONNECTIONS ? int('MAX_CONNECTIONS', 10_000) : undefined),
    ...optional('headersTimeoutMs', env.HEADERS_TIMEOUT_MS ? int('HEADERS_TIMEOUT_MS', 10_000) : undefined),
    ...optional('requestTimeoutMs', env.REQUEST_TIMEOUT_MS ? int('REQUEST_TIMEOUT_MS', 20_000) : undefined),
    ...optional('addressRateLimit', rateLimitFromEnv('ADDRESS_RATE_LIMIT', env.ADDRESS_RATE_LIMIT)),
    ...optional('playerRateLimit', rateLimitFromEnv('PLAYER_RATE_LIMIT', env.PLAYER_RATE_LIMIT)),
    ...(env.REDIS_URL && env.GAME_SERVERS === undefined ? { gameServers: [], useRegistry: true } : {}),
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/** A token issuer on the wall clock (tokens carry epoch expiry times), or none without a key. */
function issuerFor(config: MatchServerConfig): ConnectTokenIssuer | undefined {
  if (config.connectTokenKey === undefined) return undefined;
  return new ConnectTokenIssuer({
    key: config.connectTokenKey.key,
    protocolId: config.protocolId ?? PONG_PROTOCOL_ID,
    clock: epochClock,
    random: createCryptoRandom(),
  });
}

/** A running example server and how to stop it. */
export interface RunningMatchServer {
  server: MatchServer;
  port: number;
  /** Closes the server, then the connections it opened. */
  close(): Promise<void>;
}

/**
 * Builds, migrates and starts a match server from `config`. `options.connectTokens` (any issuer)
 * wins over the one made from `config.connectTokenKey`.
 */
export async function startMatchServer(
  config: MatchServerConfig,
  options: { logger?: Logger; observer?: MatchObserver; connectTokens?: ConnectTokenSource } = {},
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
      ...(config.widening === undefined ? {} : { widening: config.widening }),
      ...(config.wideningFollows === undefined ? {} : { wideningFollows: config.wideningFollows }),
      authenticate: config.auth === 'none' ? 'none' : bearerAuthenticate(config.auth.secret),
      ...optional('addressRateLimit', config.addressRateLimit),
      ...optional('playerRateLimit', config.playerRateLimit),
      ...optional('maxConnectionsPerAddress', config.maxConnectionsPerAddress),
      ...optional('maxConnections', config.maxConnections),
      ...optional('headersTimeoutMs', config.headersTimeoutMs),
      ...optional('requestTimeoutMs', config.requestTimeoutMs),
      ...optional('connectTokens', options.connectTokens ?? issuerFor(config)),
      ...optional('results', config.resultKey === undefined ? undefined : { key: config.resultKey }),
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
