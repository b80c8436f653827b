import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/index.js';
import {
  type GameServerAllocator,
  MatchMaker,
  MatchQueue,
  MatchServer,
  pgPoolClient,
  RedisRoomManager,
  type RoomManager,
  type SqlClient,
  StaticGameServerAllocator,
  StoreUnavailableError,
} from '../../src/matchmaking/index.js';
import { hasPostgres, hasRedis, postgresUrl, redisUrl } from '../support/services.js';
import { createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { call, requestMatch } from './support/http.js';
import { TcpProxy } from './support/tcp-proxy.js';

/** This file's own Redis database index. */
const REDIS_DB = 13;

describe.skipIf(!hasPostgres || !hasRedis)('MatchServer when PostgreSQL or Redis is down', () => {
  let db: TestDatabase; // direct access, for checking
  let direct: Redis; // direct access, for checking
  const pgProxy = new TcpProxy(new URL(postgresUrl).hostname, Number(new URL(postgresUrl).port || 5432));
  const redisProxy = new TcpProxy(new URL(redisUrl).hostname, Number(new URL(redisUrl).port || 6379));
  let pool: pg.Pool;
  let sql: SqlClient;
  let redis: Redis;
  let rooms: RoomManager;
  let server: MatchServer | undefined;
  let base: string;

  beforeAll(async () => {
    db = await createPostgresDatabase('mmdown');
    direct = new Redis(redisUrl, { db: REDIS_DB });
    await direct.flushdb();
    await pgProxy.start();
    await redisProxy.start();
    const url = new URL(postgresUrl);
    url.host = `127.0.0.1:${pgProxy.port}`;
    pool = new pg.Pool({
      connectionString: url.toString(),
      options: `-c search_path=${db.schema}`,
      connectionTimeoutMillis: 2000,
    });
    sql = pgPoolClient(pool);
    redis = new Redis({
      host: '127.0.0.1',
      port: redisProxy.port,
      db: REDIS_DB,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 20,
      lazyConnect: true,
    });
    redis.on('error', () => {});
    await redis.connect();
    rooms = new RedisRoomManager(redis, { random: createSeededRandom(1) });
  });
  afterAll(async () => {
    await server?.close();
    redis.disconnect();
    await pool.end();
    await pgProxy.stop();
    await redisProxy.stop();
    await direct.flushdb();
    direct.disconnect();
    await db.close();
  });
  beforeEach(async () => {
    await server?.close();
    await db.truncate();
    await direct.flushdb();
  });

  async function start(options: { sql?: SqlClient; rooms?: RoomManager } = {}) {
    server = new MatchServer({
      authenticate: 'none',
      db: options.sql ?? sql,
      rooms: options.rooms ?? rooms,
      allocator: new StaticGameServerAllocator(['game1:9000']),
      tickIntervalMs: 20,
      maxWaitMs: 5000,
      random: createSeededRandom(3),
    });
    base = `http://127.0.0.1:${(await server.listen(0)).port}`;
  }

  const queued = async () =>
    (
      await db.client.query<{ player_id: string }>('SELECT player_id FROM match_queue ORDER BY player_id')
    ).rows.map((r) => r.player_id);
  const matchCount = async () =>
    (await db.client.query<{ n: number }>('SELECT count(*)::int AS n FROM matches')).rows[0]!.n;

  it('Redis down: 503, no match, no room, players stay queued; resumes when Redis is back', async () => {
    await start();
    await redisProxy.stop();
    const [a, b] = await Promise.all([
      requestMatch(base, { player_id: 'a', rating: 1500 }),
      requestMatch(base, { player_id: 'b', rating: 1520 }),
    ]);
    for (const answer of [a, b]) {
      expect(answer.status).toBe(503);
      expect(answer.body.error?.code).toBe('ERR_MATCH_SERVICE_UNAVAILABLE');
      expect(answer.body.error?.message).toBe('redis is unavailable (you are still queued; retry)');
    }
    expect(await matchCount()).toBe(0);
    expect(await queued()).toEqual(['a', 'b']);
    expect(await direct.keys('*')).toEqual([]);
    expect((await call(base, 'GET', '/healthz')).status).toBe(503);

    await redisProxy.start();
    await untilReady(redis);
    const [c, d] = await Promise.all([
      requestMatch(base, { player_id: 'a', rating: 1500 }),
      requestMatch(base, { player_id: 'b', rating: 1520 }),
    ]);
    expect([c.status, d.status]).toEqual([200, 200]);
    expect(c.body.match_id).toBe(d.body.match_id);
    expect(await direct.get(`room:${c.body.room_id}:match_id`)).toBe(c.body.match_id);
    expect(await queued()).toEqual([]);
    expect(await call(base, 'GET', '/healthz')).toMatchObject({ status: 200 });
  });

  it('PostgreSQL down: 503 for new and waiting requests, nothing half-made; resumes when it is back', async () => {
    await start();
    const waiting = requestMatch(base, { player_id: 'w', rating: 1500 });
    await untilQueued(base, 'w');
    await pgProxy.stop();
    const refused = await requestMatch(base, { player_id: 'x', rating: 1510 });
    expect(refused.status).toBe(503);
    // The cause (ECONNREFUSED 127.0.0.1:<port>) is for the log, never for the client.
    expect(refused.body.error).toEqual({
      code: 'ERR_MATCH_SERVICE_UNAVAILABLE',
      message: 'postgres is unavailable',
    });
    expect(await waiting).toMatchObject({
      status: 503,
      body: { error: { code: 'ERR_MATCH_SERVICE_UNAVAILABLE' } },
    });
    expect((await call(base, 'GET', '/healthz')).status).toBe(503);
    expect(await queued()).toEqual(['w']);
    expect(await direct.keys('*')).toEqual([]);

    await pgProxy.start();
    const [c, d] = await Promise.all([
      requestMatch(base, { player_id: 'w', rating: 1500 }),
      requestMatch(base, { player_id: 'x', rating: 1510 }),
    ]);
    expect([c.status, d.status]).toEqual([200, 200]);
    expect(c.body.opponent_id).toBe('x');
    expect(await matchCount()).toBe(1);
  });

  it('a room store failing part-way through a round leaves no room and no match behind', async () => {
    let calls = 0;
    const flaky: RoomManager = {
      ...bind(rooms),
      createRoom: async (matchId, players) => {
        if (++calls === 2) throw new Error('connection reset');
        return rooms.createRoom(matchId, players);
      },
    };
    const queue = new MatchQueue(sql);
    const slots = recordingAllocator();
    const maker = new MatchMaker({ queue, rooms: flaky, allocator: slots.allocator });
    for (const [id, rating] of [
      ['a', 1000],
      ['b', 1000],
      ['c', 1500],
      ['d', 1500],
    ] as const) {
      await queue.enqueue({ playerId: id, rating });
    }
    await expect(maker.runRound()).rejects.toMatchObject({
      code: 'ERR_MATCH_SERVICE_UNAVAILABLE',
      store: 'redis',
    });
    expect(calls).toBe(2);
    expect(await matchCount()).toBe(0);
    expect(await queued()).toEqual(['a', 'b', 'c', 'd']);
    expect(await direct.keys('*')).toEqual([]);
    expect(maker.pendingCleanup).toBe(0);
    // Both slots are given back, each once, once PostgreSQL confirmed neither match exists.
    expect(slots.allocated).toHaveLength(2);
    expect(slots.released).toEqual(slots.allocated.map((id) => ['g:1', id]));
    const { matches } = await maker.runRound();
    expect(matches).toHaveLength(2);
    expect(await direct.keys('*')).toHaveLength(6);
    expect(slots.released).toHaveLength(2);
  });

  it('a COMMIT that fails after applying keeps the rooms of the matches it made', async () => {
    const ambiguous: SqlClient = {
      query: (text, params) => sql.query(text, params),
      async transaction(fn) {
        await sql.transaction(fn);
        throw new Error('connection lost during COMMIT');
      },
    };
    const queue = new MatchQueue(ambiguous);
    const slots = recordingAllocator();
    const maker = new MatchMaker({ queue, rooms, allocator: slots.allocator });
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1500 });
    await expect(maker.runRound()).rejects.toMatchObject({ code: 'ERR_MATCH_SERVICE_UNAVAILABLE' });
    // The match did commit, so its room and its game server slot survive the clean-up and a
    // repeated request returns it.
    expect(maker.pendingCleanup).toBe(0);
    expect(slots.allocated).toHaveLength(1);
    expect(slots.released).toEqual([]);
    const again = await queue.enqueue({ playerId: 'a', rating: 1500 });
    expect(again.state).toBe('matched');
    const roomId = again.state === 'matched' ? again.match.roomId : '';
    expect((await direct.smembers(`room:${roomId}:players`)).sort()).toEqual(['a', 'b']);
    expect(await matchCount()).toBe(1);
  });

  it('rooms of a failed round are closed once PostgreSQL confirms they have no match', async () => {
    let fail = true;
    const dying: SqlClient = {
      query: (text, params) => sql.query(text, params),
      transaction: (fn) =>
        sql.transaction(async (tx) => {
          const value = await fn(tx);
          if (fail) {
            // PostgreSQL goes away after the rooms were made, before COMMIT.
            await pgProxy.stop();
            throw new Error('PostgreSQL went away before COMMIT');
          }
          return value;
        }),
    };
    const queue = new MatchQueue(dying);
    const slots = recordingAllocator();
    const maker = new MatchMaker({ queue, rooms, allocator: slots.allocator });
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1500 });
    await expect(maker.runRound()).rejects.toMatchObject({ code: 'ERR_MATCH_SERVICE_UNAVAILABLE' });
    // The room exists but cannot be judged yet: PostgreSQL cannot say whether its match committed,
    // so neither the room nor the game server slot is given up yet.
    expect(maker.pendingCleanup).toBe(1);
    expect(await direct.keys('*')).toHaveLength(3);
    expect(slots.released).toEqual([]);
    await pgProxy.start();
    fail = false;
    const { matches } = await maker.runRound();
    expect(maker.pendingCleanup).toBe(0);
    expect(matches).toHaveLength(1);
    expect(slots.allocated).toHaveLength(2);
    expect(slots.released).toEqual([['g:1', slots.allocated[0]]]);
    // Only the new match's room is left.
    expect((await direct.keys('*')).sort()).toEqual(
      ['match_id', 'players', 'status'].map((k) => `room:${matches[0]!.roomId}:${k}`),
    );
    expect(await matchCount()).toBe(1);
  });

  it('an announcement failing after COMMIT keeps the matches, their rooms and their slots', async () => {
    const noAnnounce: SqlClient = {
      query: (text, params) =>
        text.includes('nextval') ? Promise.reject(new Error('connection lost')) : sql.query(text, params),
      transaction: (fn) => sql.transaction(fn),
    };
    const queue = new MatchQueue(noAnnounce);
    const slots = recordingAllocator();
    const maker = new MatchMaker({ queue, rooms, allocator: slots.allocator });
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1500 });
    const { matches } = await maker.runRound();
    expect(matches).toHaveLength(1);
    expect(maker.pendingCleanup).toBe(0);
    expect(slots.released).toEqual([]);
    expect((await direct.smembers(`room:${matches[0]!.roomId}:players`)).sort()).toEqual(['a', 'b']);
    expect(await queue.status('a')).toEqual({ state: 'matched', match: matches[0] });
  });

  async function untilQueued(base: string, playerId: string): Promise<void> {
    while ((await call(base, 'GET', `/match/request/${playerId}`)).status !== 200) {
      await new Promise((r) => setImmediate(r));
    }
  }
});

describe('StoreUnavailableError', () => {
  it('names only the store in its message and keeps the underlying error as its cause', () => {
    const cause = new Error('password authentication failed for user "admin" at 10.0.0.5:5432');
    const error = new StoreUnavailableError('postgres', cause);
    expect(error.message).toBe('postgres is unavailable');
    expect(error.cause).toBe(cause);
    expect([error.code, error.status, error.store]).toEqual([
      'ERR_MATCH_SERVICE_UNAVAILABLE',
      503,
      'postgres',
    ]);
  });
});

/** An allocator that always answers `g:1` and records the match ids it placed and released. */
function recordingAllocator() {
  const allocated: string[] = [];
  const released: [string, string][] = [];
  const allocator: GameServerAllocator = {
    allocate: async ({ matchId }) => {
      allocated.push(matchId);
      return 'g:1';
    },
    release: async (gameServer, matchId) => {
      released.push([gameServer, matchId]);
    },
  };
  return { allocator, allocated, released };
}

function bind(rooms: RoomManager): RoomManager {
  return {
    createRoom: rooms.createRoom.bind(rooms),
    addPlayerToRoom: rooms.addPlayerToRoom.bind(rooms),
    setStatus: rooms.setStatus.bind(rooms),
    getRoom: rooms.getRoom.bind(rooms),
    touch: rooms.touch.bind(rooms),
    closeRoom: rooms.closeRoom.bind(rooms),
  };
}

async function untilReady(redis: Redis): Promise<void> {
  while (redis.status !== 'ready') await new Promise((r) => setTimeout(r, 10));
}
