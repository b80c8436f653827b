/**
 * "Seats are scarce" (issue 9): 512 anonymous match requests took 0.6 s and filled every slot of a
 * game server; 20,000 fake queued players slowed every round 10x. With the library's default
 * limits, the same floods now queue (almost) nothing: written as attacks, with the exact counts
 * of what is refused. The clock is frozen, so no bucket refills during a flood.
 */
import type { IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import {
  type Caller,
  type MatchRefusal,
  MatchServer,
  type MatchServerOptions,
  MemoryRoomManager,
  RedisRoomManager,
  type RoomManager,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import { hasPostgres, hasRedis, redisUrl } from '../support/services.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { callAs } from './support/http.js';

/** This file's own Redis database index. */
const REDIS_DB = 9;

const authenticate = (request: IncomingMessage): Caller | null => {
  const m = /^Test ([A-Za-z0-9._:-]{1,32})$/.exec(request.headers.authorization ?? '');
  return m === null ? null : { playerId: m[1]! };
};

/** Runs `n` requests, `concurrency` at a time (under the per-address connection cap). */
async function flood<T>(n: number, concurrency: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await send(i);
      }
    }),
  );
  return out;
}

const tally = (xs: readonly (string | number)[]) => {
  const counts: Record<string, number> = {};
  for (const x of xs) counts[x] = (counts[x] ?? 0) + 1;
  return counts;
};

const backends = [
  { name: 'PGlite + memory rooms', skip: false, postgres: false },
  { name: 'PostgreSQL + Redis', skip: !hasPostgres || !hasRedis, postgres: true },
];

describe.each(backends)('match request floods on $name', ({ skip, postgres }) => {
  let db: TestDatabase;
  let redis: Redis | undefined;
  let rooms: RoomManager;
  let server: MatchServer | undefined;
  let refused: MatchRefusal[];
  let matches: number;
  let clock: ManualClock;

  beforeAll(async () => {
    if (skip) return;
    if (postgres) {
      db = await createPostgresDatabase('mmflood', 10);
      redis = new Redis(redisUrl, { db: REDIS_DB, lazyConnect: true });
      await redis.connect();
      await redis.flushdb();
      rooms = new RedisRoomManager(redis, { random: createSeededRandom(9) });
    } else {
      db = await createPgliteDatabase();
      rooms = new MemoryRoomManager({ random: createSeededRandom(9) });
    }
  });
  afterAll(async () => {
    await server?.close();
    await redis?.flushdb();
    redis?.disconnect();
    await db?.close();
  });
  beforeEach(async () => {
    if (skip) return;
    await server?.close();
    await db.truncate();
    await redis?.flushdb();
    refused = [];
    matches = 0;
    clock = new ManualClock();
  });

  /** The library's default limits; one game server, so any queued pair would take its seats. */
  async function start(options: Partial<MatchServerOptions> = {}): Promise<string> {
    server = new MatchServer({
      authenticate,
      db: db.client,
      rooms,
      allocator: new StaticGameServerAllocator(['game1.example.com:9000']),
      tickIntervalMs: 20,
      maxWaitMs: 50,
      clock,
      random: createSeededRandom(2),
      observer: {
        requestRefused: (reason) => refused.push(reason),
        matchCreated: () => {
          matches++;
        },
      },
      ...options,
    });
    return `http://127.0.0.1:${(await server.listen(0)).port}`;
  }
  const queueSize = async () =>
    (await db.client.query<{ n: number }>('SELECT count(*)::int AS n FROM match_queue')).rows[0]!.n;

  it.skipIf(skip)('512 anonymous requests queue nobody and take no seat', async () => {
    const base = await start();
    const answers = await flood(512, 32, (i) =>
      callAs(base, 'POST', '/match/request', { player_id: `anon${i}`, rating: 1500 }).then((a) => a.status),
    );
    // The address' burst (60) reaches authentication and is refused there; the rest never does.
    expect(tally(answers)).toEqual({ 401: 60, 429: 452 });
    expect(tally(refused)).toEqual({ unauthenticated: 60, address_rate: 452 });
    expect(await queueSize()).toBe(0);
    expect(matches).toBe(0);
  });

  it.skipIf(skip)('one identity holds at most one queue entry, however often it asks', async () => {
    const base = await start({ allocator: new StaticGameServerAllocator([]) });
    const answers = await flood(40, 20, () =>
      callAs(base, 'POST', '/match/request', { rating: 1500 }, { authorization: 'Test mallory' }).then(
        (a) => a.status,
      ),
    );
    // The player's burst (10) is let through (each finds the one entry and waits), the rest 429.
    expect(tally(answers)).toEqual({ 202: 10, 429: 30 });
    expect(tally(refused)).toEqual({ player_rate: 30 });
    expect(await queueSize()).toBe(1);
    // Naming other players with the same credentials queues nobody either.
    const others = await flood(20, 10, (i) =>
      callAs(
        base,
        'POST',
        '/match/request',
        { player_id: `fake${i}`, rating: 1500 },
        { authorization: 'Test mallory' },
      ).then((a) => a.status),
    );
    expect(tally(others)).toEqual({ 403: 20 });
    expect(await queueSize()).toBe(1);
  });

  it.skipIf(skip)(
    'one address cannot queue thousands of players, even in development mode: 60 at once, then 10 a second',
    async () => {
      const base = await start({ authenticate: 'none', allocator: new StaticGameServerAllocator([]) });
      const send = (offset: number) => (i: number) =>
        callAs(base, 'POST', '/match/request', { player_id: `fake${offset + i}`, rating: 1500 }).then(
          (a) => a.status,
        );
      expect(tally(await flood(1000, 32, send(0)))).toEqual({ 202: 60, 429: 940 });
      expect(await queueSize()).toBe(60);
      // A second later: ten more.
      clock.advance(1000);
      expect(tally(await flood(100, 32, send(1000)))).toEqual({ 202: 10, 429: 90 });
      // Ten seconds later the bucket is full again (60), not 100: the burst caps what waiting saves up.
      clock.advance(10_000);
      expect(tally(await flood(1000, 32, send(2000)))).toEqual({ 202: 60, 429: 940 });
      expect(await queueSize()).toBe(130);
      expect(tally(refused)).toEqual({ address_rate: 1970 });
    },
  );
});
