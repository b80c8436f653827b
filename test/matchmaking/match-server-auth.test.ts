/**
 * The match API's caller identity, rate limits and connect tokens, on PGlite + memory rooms and on
 * PostgreSQL + Redis. The attacks from issue 9 ("anyone can queue, cancel or read any player, and
 * rewrite a stored rating") are written as tests: each is refused and counted.
 */
import type { IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSeededRandom, InvalidOptionError, ManualClock } from '../../src/core/index.js';
import {
  type Authenticate,
  type Caller,
  decodeMatchRoster,
  type MatchRefusal,
  MatchServer,
  type MatchServerOptions,
  type MatchTokenGrant,
  MemoryRoomManager,
  RedisRoomManager,
  type RoomManager,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import { hasPostgres, hasRedis, redisUrl } from '../support/services.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { callAs } from './support/http.js';

/** This file's own Redis database index. */
const REDIS_DB = 10;

/** Test credentials: `authorization: Test <player>` or `Test <player>@<rating>` (the rating signed, as it were). */
const testAuthenticate: Authenticate = (request: IncomingMessage): Caller | null => {
  const m = /^Test ([A-Za-z0-9._:-]{1,32})(?:@(-?\d+))?$/.exec(request.headers.authorization ?? '');
  if (m === null) return null;
  return m[2] === undefined ? { playerId: m[1]! } : { playerId: m[1]!, rating: Number(m[2]) };
};
const as = (who: string) => ({ authorization: `Test ${who}` });

const backends = [
  { name: 'PGlite + memory rooms', skip: false, postgres: false },
  { name: 'PostgreSQL + Redis', skip: !hasPostgres || !hasRedis, postgres: true },
];

describe.each(backends)('MatchServer caller identity on $name', ({ skip, postgres }) => {
  let db: TestDatabase;
  let redis: Redis | undefined;
  let rooms: RoomManager;
  const servers: MatchServer[] = [];
  let refused: MatchRefusal[];

  beforeAll(async () => {
    if (skip) return;
    if (postgres) {
      db = await createPostgresDatabase('mmauth', 10);
      redis = new Redis(redisUrl, { db: REDIS_DB, lazyConnect: true });
      await redis.connect();
      await redis.flushdb();
      rooms = new RedisRoomManager(redis, { random: createSeededRandom(5) });
    } else {
      db = await createPgliteDatabase();
      rooms = new MemoryRoomManager({ random: createSeededRandom(5) });
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await redis?.flushdb();
    redis?.disconnect();
    await db?.close();
  });
  beforeEach(async () => {
    if (skip) return;
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await db.truncate();
    await redis?.flushdb();
    refused = [];
  });

  async function start(options: Partial<MatchServerOptions> = {}) {
    const server = new MatchServer({
      authenticate: testAuthenticate,
      db: db.client,
      rooms,
      allocator: new StaticGameServerAllocator(['game1.example.com:9000']),
      tickIntervalMs: 20,
      maxWaitMs: 10_000,
      random: createSeededRandom(1),
      observer: { requestRefused: (reason) => refused.push(reason) },
      ...options,
    });
    servers.push(server);
    const { port } = await server.listen(0);
    return { server, base: `http://127.0.0.1:${port}` };
  }
  const queued = async () =>
    (
      await db.client.query<{ player_id: string; rating: number }>(
        'SELECT player_id, rating FROM match_queue ORDER BY player_id',
      )
    ).rows;
  const stored = async (id: string) =>
    (await db.client.query<{ rating: number }>('SELECT rating FROM players WHERE id = $1', [id])).rows[0]
      ?.rating;

  it.skipIf(skip)('refuses every match route without credentials: 401, counted, nothing queued', async () => {
    const { base } = await start();
    const answers = await Promise.all([
      callAs(base, 'POST', '/match/request', { player_id: 'p123', rating: 1500 }),
      callAs(base, 'POST', '/match/request', { player_id: 'p123', rating: 1500 }, { authorization: 'Test' }),
      callAs(base, 'GET', '/match/request/p123'),
      callAs(base, 'DELETE', '/match/request/p123', undefined, { authorization: 'Bearer x' }),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.body.error?.code).toBe('ERR_MATCH_UNAUTHENTICATED');
    }
    expect(refused).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated', 'unauthenticated']);
    expect(await queued()).toEqual([]);
    // Health needs no identity.
    expect((await callAs(base, 'GET', '/healthz')).status).toBe(200);
  });

  it.skipIf(skip)(
    "plays the design's acceptance with credentials; the answer keeps its four fields",
    async () => {
      const { base } = await start();
      const [a, b] = await Promise.all([
        callAs(base, 'POST', '/match/request', { player_id: 'p123', rating: 1500 }, as('p123')),
        // player_id may be left out: it is the caller's.
        callAs(base, 'POST', '/match/request', { rating: 1520 }, as('p124')),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(Object.keys(a.body).sort()).toEqual(['game_server', 'match_id', 'opponent_id', 'room_id']);
      expect(a.body.opponent_id).toBe('p124');
      expect(b.body.opponent_id).toBe('p123');
      expect(refused).toEqual([]);
    },
  );

  it.skipIf(skip)("refuses queueing another player's id (403) and leaves the queue untouched", async () => {
    const { base } = await start();
    const a = await callAs(
      base,
      'POST',
      '/match/request',
      { player_id: 'victim', rating: 1500 },
      as('mallory'),
    );
    expect(a.status).toBe(403);
    expect(a.body.error?.code).toBe('ERR_MATCH_FORBIDDEN');
    expect(refused).toEqual(['forbidden']);
    expect(await queued()).toEqual([]);
    expect(await stored('victim')).toBeUndefined();
  });

  it.skipIf(skip)(
    "GET and DELETE act only for the caller: another's status and queue entry are safe",
    async () => {
      const { server, base } = await start({
        allocator: new StaticGameServerAllocator([]),
        maxWaitMs: 10_000,
      });
      // The victim waits in the queue (no game server: nobody is matched).
      const waiting = callAs(base, 'POST', '/match/request', { rating: 1500 }, as('victim'));
      await expect.poll(() => server.waiting).toBe(1);
      const peek = await callAs(base, 'GET', '/match/request/victim', undefined, as('mallory'));
      const cancel = await callAs(base, 'DELETE', '/match/request/victim', undefined, as('mallory'));
      expect([peek.status, peek.body.error?.code]).toEqual([403, 'ERR_MATCH_FORBIDDEN']);
      expect([cancel.status, cancel.body.error?.code]).toEqual([403, 'ERR_MATCH_FORBIDDEN']);
      expect(refused).toEqual(['forbidden', 'forbidden']);
      expect(await queued()).toEqual([{ player_id: 'victim', rating: 1500 }]);
      // The victim itself may read and cancel.
      const own = await callAs(base, 'GET', '/match/request/victim', undefined, as('victim'));
      expect(own.body).toMatchObject({ status: 'queued', player_id: 'victim', rating: 1500 });
      const cancelled = await callAs(base, 'DELETE', '/match/request/victim', undefined, as('victim'));
      expect(cancelled.body).toEqual({ status: 'cancelled', player_id: 'victim' });
      expect((await waiting).body.error?.code).toBe('ERR_MATCH_CANCELLED');
      // Reading someone else's match (room and match ids) is refused too.
      expect((await callAs(base, 'GET', '/match/request/victim', undefined, as('mallory'))).status).toBe(403);
    },
  );

  it.skipIf(skip)('a rating in a request is a claim: it never rewrites a stored rating', async () => {
    const { base } = await start({ allocator: new StaticGameServerAllocator([]), maxWaitMs: 20 });
    expect((await callAs(base, 'POST', '/match/request', { rating: 1500 }, as('p1'))).status).toBe(202);
    expect(await stored('p1')).toBe(1500);
    await callAs(base, 'DELETE', '/match/request/p1', undefined, as('p1'));
    // The same player claims another rating: queued with the stored one.
    const again = await callAs(base, 'POST', '/match/request', { rating: 900 }, as('p1'));
    expect(again.body).toMatchObject({ status: 'queued', rating: 1500 });
    expect(await queued()).toEqual([{ player_id: 'p1', rating: 1500 }]);
    expect(await stored('p1')).toBe(1500);
  });

  it.skipIf(skip)("in development mode ('none') nobody rewrites a stored rating either", async () => {
    const { base } = await start({
      authenticate: 'none',
      allocator: new StaticGameServerAllocator([]),
      maxWaitMs: 20,
    });
    await callAs(base, 'POST', '/match/request', { player_id: 'p1', rating: 1500 });
    await callAs(base, 'DELETE', '/match/request/p1');
    const rewrite = await callAs(base, 'POST', '/match/request', { player_id: 'p1', rating: -5 });
    expect(rewrite.body).toMatchObject({ status: 'queued', rating: 1500 });
    expect(await stored('p1')).toBe(1500);
    // Without credentials, player_id and rating stay required.
    const missing = await callAs(base, 'POST', '/match/request', { rating: 1500 });
    expect([missing.status, missing.body.error?.code]).toEqual([400, 'ERR_MATCH_INVALID_REQUEST']);
  });

  it.skipIf(skip)(
    'a rating the credentials carry is authoritative: stored, and another one is 403',
    async () => {
      const { base } = await start({ allocator: new StaticGameServerAllocator([]), maxWaitMs: 20 });
      const lie = await callAs(base, 'POST', '/match/request', { rating: 100 }, as('p1@1700'));
      expect([lie.status, lie.body.error?.code]).toEqual([403, 'ERR_MATCH_FORBIDDEN']);
      expect(await queued()).toEqual([]);
      // The same rating, or none, is fine.
      expect((await callAs(base, 'POST', '/match/request', {}, as('p1@1700'))).body).toMatchObject({
        rating: 1700,
      });
      await callAs(base, 'DELETE', '/match/request/p1', undefined, as('p1@1700'));
      // The account service's new rating replaces the stored one.
      const up = await callAs(base, 'POST', '/match/request', { rating: 1750 }, as('p1@1750'));
      expect(up.body).toMatchObject({ status: 'queued', rating: 1750 });
      expect(await stored('p1')).toBe(1750);
      // Without a rating in either place the request is malformed.
      const none = await callAs(base, 'POST', '/match/request', {}, as('p2'));
      expect([none.status, none.body.error?.code]).toEqual([400, 'ERR_MATCH_INVALID_REQUEST']);
      expect(refused).toEqual(['forbidden']);
    },
  );

  it.skipIf(skip)(
    'an authenticate hook that fails answers 503, one that throws a MatchError answers it',
    async () => {
      const { base } = await start({
        authenticate: () => {
          throw new Error('identity service down at 10.0.0.7');
        },
      });
      const down = await callAs(base, 'POST', '/match/request', { rating: 1500 }, as('p1'));
      expect(down.status).toBe(503);
      expect(down.body.error).toEqual({
        code: 'ERR_MATCH_SERVICE_UNAVAILABLE',
        message: 'authenticator is unavailable',
      });
      expect(refused).toEqual([]);
    },
  );

  it.skipIf(skip)('adds a connect token for the caller to every match answer', async () => {
    const grants: MatchTokenGrant[] = [];
    const { base } = await start({
      connectTokens: {
        issue(grant) {
          grants.push(grant);
          return new TextEncoder().encode(`token for ${grant.playerId}`);
        },
      },
    });
    const [a, b] = await Promise.all([
      callAs(base, 'POST', '/match/request', { rating: 1500 }, as('p123')),
      callAs(base, 'POST', '/match/request', { rating: 1520 }, as('p124')),
    ]);
    expect(Object.keys(a.body).sort()).toEqual([
      'connect_token',
      'game_server',
      'match_id',
      'opponent_id',
      'room_id',
    ]);
    expect(Buffer.from(a.body.connect_token as string, 'base64').toString()).toBe('token for p123');
    expect(Buffer.from(b.body.connect_token as string, 'base64').toString()).toBe('token for p124');
    // Each token carries the match's roster, so a game server learns both players from either.
    const seen = grants.map(({ userData, ...rest }) => ({
      ...rest,
      roster: decodeMatchRoster(userData)?.sort(),
    }));
    expect(seen.sort((x, y) => x.playerId.localeCompare(y.playerId))).toEqual([
      {
        playerId: 'p123',
        matchId: a.body.match_id,
        roomId: a.body.room_id,
        serverAddress: 'game1.example.com:9000',
        roster: ['p123', 'p124'],
      },
      {
        playerId: 'p124',
        matchId: a.body.match_id,
        roomId: a.body.room_id,
        serverAddress: 'game1.example.com:9000',
        roster: ['p123', 'p124'],
      },
    ]);
    // Asking again (a reconnect after a crash) hands out a fresh token for the same seat.
    const status = await callAs(base, 'GET', '/match/request/p123', undefined, as('p123'));
    expect(status.body).toMatchObject({ status: 'matched', match_id: a.body.match_id });
    expect(Buffer.from(status.body.connect_token as string, 'base64').toString()).toBe('token for p123');
    expect(grants).toHaveLength(3);
  });

  it.skipIf(skip)('limits requests per address and per player: 429 with Retry-After, counted', async () => {
    const clock = new ManualClock();
    const { base } = await start({
      clock,
      allocator: new StaticGameServerAllocator([]),
      maxWaitMs: 20,
      addressRateLimit: { burst: 5, perSecond: 1 },
      playerRateLimit: { burst: 2, perSecond: 0.5 },
    });
    const status = (who: string) => callAs(base, 'GET', `/match/request/${who}`, undefined, as(who));
    expect((await status('p1')).status).toBe(404);
    expect((await status('p1')).status).toBe(404);
    const player = await status('p1');
    expect([player.status, player.body.error?.code]).toEqual([429, 'ERR_MATCH_RATE_LIMITED']);
    expect(player.headers.get('retry-after')).toBe('2'); // one token at 0.5 per second
    // The refused request spent the address' third token: two are left.
    expect((await status('p2')).status).toBe(404);
    expect((await status('p3')).status).toBe(404);
    const address = await status('p4');
    expect([address.status, address.body.error?.code]).toEqual([429, 'ERR_MATCH_RATE_LIMITED']);
    expect(address.headers.get('retry-after')).toBe('1');
    expect(refused).toEqual(['player_rate', 'address_rate']);
    clock.advance(1000);
    expect((await status('p4')).status).toBe(404);
    expect((await status('p4')).status).toBe(429);
    expect(refused).toEqual(['player_rate', 'address_rate', 'address_rate']);
  });

  it.skipIf(skip)("refuses an authenticate option that is neither a function nor 'none'", () => {
    expect(
      () =>
        new MatchServer({
          authenticate: undefined as unknown as 'none',
          db: db.client,
          allocator: new StaticGameServerAllocator([]),
        }),
    ).toThrow(InvalidOptionError);
  });
});
