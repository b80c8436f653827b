import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock, type Timers } from '../../src/core/index.js';
import {
  type GameServerAllocator,
  MatchMaker,
  type MatchObserver,
  MatchQueue,
  MatchServer,
  type MatchServerOptions,
  MemoryRoomManager,
  RedisRoomManager,
  type RoomManager,
  type SqlClient,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import { hasPostgres, hasRedis, redisUrl } from '../support/services.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { call, checkPairs, requestMatch } from './support/http.js';

/** This file's own Redis database index. */
const REDIS_DB = 12;

const backends = [
  { name: 'PGlite + memory rooms', skip: false, postgres: false },
  { name: 'PostgreSQL + Redis', skip: !hasPostgres || !hasRedis, postgres: true },
];

describe.each(backends)('MatchServer on $name', ({ skip, postgres }) => {
  let db: TestDatabase;
  let redis: Redis | undefined;
  let rooms: RoomManager;
  const servers: MatchServer[] = [];
  let seed = 0;

  beforeAll(async () => {
    if (skip) return;
    if (postgres) {
      db = await createPostgresDatabase('mmserver', 20);
      redis = new Redis(redisUrl, { db: REDIS_DB, lazyConnect: true });
      await redis.connect();
      await redis.flushdb();
      rooms = new RedisRoomManager(redis, { random: createSeededRandom(7) });
    } else {
      db = await createPgliteDatabase();
      rooms = new MemoryRoomManager({ random: createSeededRandom(7) });
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
  });

  async function start(
    options: Partial<MatchServerOptions> = {},
  ): Promise<{ server: MatchServer; base: string }> {
    const server = new MatchServer({
      authenticate: 'none',
      addressRateLimit: null,
      playerRateLimit: null,
      maxConnectionsPerAddress: 10_000,
      db: db.client,
      rooms,
      allocator: new StaticGameServerAllocator(['game1.example.com:9000']),
      tickIntervalMs: 20,
      maxWaitMs: 10_000,
      random: createSeededRandom(++seed),
      ...options,
    });
    servers.push(server);
    const { port } = await server.listen(0);
    return { server, base: `http://127.0.0.1:${port}` };
  }

  it.skipIf(skip)("runs the design's acceptance: p123@1500 and p124@1520 play each other", async () => {
    const { base } = await start();
    const [a, b] = await Promise.all([
      requestMatch(base, { player_id: 'p123', rating: 1500 }),
      requestMatch(base, { player_id: 'p124', rating: 1520 }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(Object.keys(a.body).sort()).toEqual(['game_server', 'match_id', 'opponent_id', 'room_id']);
    expect(a.body.opponent_id).toBe('p124');
    expect(b.body.opponent_id).toBe('p123');
    expect(b.body.match_id).toBe(a.body.match_id);
    expect(b.body.room_id).toBe(a.body.room_id);
    expect(a.body.game_server).toBe('game1.example.com:9000');
    const matchId = a.body.match_id as string;
    const roomId = a.body.room_id as string;
    expect(matchId.length).toBeLessThanOrEqual(32);
    const { rows } = await db.client.query<Record<string, unknown>>(
      'SELECT id, player1_id, player2_id, room_id, game_server FROM matches',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: matchId, room_id: roomId, game_server: 'game1.example.com:9000' });
    expect([rows[0]!.player1_id, rows[0]!.player2_id].sort()).toEqual(['p123', 'p124']);
    if (redis !== undefined) {
      expect((await redis.smembers(`room:${roomId}:players`)).sort()).toEqual(['p123', 'p124']);
      expect(await redis.get(`room:${roomId}:match_id`)).toBe(matchId);
      expect(await redis.get(`room:${roomId}:status`)).toBe('waiting');
    }
    expect(await rooms.getRoom(roomId)).toEqual({
      roomId,
      matchId,
      status: 'waiting',
      players: ['p123', 'p124'],
    });
    // Asking again returns the same match at once; nobody is queued twice.
    const again = await requestMatch(base, { player_id: 'p123', rating: 1500 });
    expect(again).toEqual(a);
    const { rows: queued } = await db.client.query('SELECT * FROM match_queue');
    expect(queued).toEqual([]);
  });

  it.skipIf(skip)(
    'answers 100 players requesting at once, each matched exactly once within range',
    async () => {
      const { base } = await start();
      // Twins share a rating and twin pairs are 100 apart, so whatever order the requests arrive in
      // (rounds run while they do), everyone has exactly one valid partner.
      const players = Array.from({ length: 100 }, (_, i) => (i * 37) % 100).map((n) => ({
        player_id: `p${n}`,
        rating: 1000 + Math.floor(n / 2) * 100,
      }));
      const answers = await Promise.all(players.map((p) => requestMatch(base, p)));
      checkPairs(players, answers, 100);
      const { rows } = await db.client.query<{ n: number }>('SELECT count(*)::int AS n FROM matches');
      expect(rows[0]!.n).toBe(50);
      const { rows: queue } = await db.client.query('SELECT * FROM match_queue');
      expect(queue).toEqual([]);
    },
  );

  it.skipIf(skip)('waiting requests on one server learn of matches made by another', async () => {
    const one = await start();
    const two = await start();
    const [a, b] = await Promise.all([
      requestMatch(one.base, { player_id: 'a', rating: 1200 }),
      requestMatch(two.base, { player_id: 'b', rating: 1250 }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.match_id).toBe(b.body.match_id);
    expect(a.body.opponent_id).toBe('b');
  });

  it.skipIf(skip)(
    'a request matched elsewhere between its enqueue and its wait is still answered',
    async () => {
      // Timers that never fire: this test drives the rounds itself.
      const timers: Timers = { setTimeout: () => ({}), clearTimeout: () => {} };
      let hook: (() => Promise<void>) | undefined;
      const hooked: SqlClient = {
        async query(text, params) {
          const result = await db.client.query(text, params);
          const h = hook;
          if (h !== undefined && text.includes('INSERT INTO players')) {
            hook = undefined;
            await h();
          }
          return result as never;
        },
        transaction: (fn) => db.client.transaction(fn),
      };
      const { server, base } = await start({ db: hooked, timers });
      const lonely = requestMatch(base, { player_id: 'z', rating: 9000 });
      while (server.waiting === 0) await new Promise((r) => setImmediate(r));
      const other = new MatchMaker({
        queue: new MatchQueue(db.client),
        rooms,
        allocator: new StaticGameServerAllocator(['other:9000']),
      });
      await server.queue.enqueue({ playerId: 'p', rating: 1500 });
      // After w's enqueue committed and before w starts waiting: another server matches w and p,
      // and this server's round looks up its waiters (z only) and sees the new events value.
      hook = async () => {
        expect((await other.runRound()).matches).toHaveLength(1);
        await server.tick();
      };
      const w = requestMatch(base, { player_id: 'w', rating: 1510 });
      while (server.waiting < 2) await new Promise((r) => setImmediate(r));
      await server.tick();
      expect(await w).toMatchObject({ status: 200, body: { opponent_id: 'p', game_server: 'other:9000' } });
      expect(server.waiting).toBe(1);
      await server.close();
      expect(await lonely).toMatchObject({
        status: 503,
        body: { error: { code: 'ERR_MATCH_SHUTTING_DOWN' } },
      });
    },
  );

  it.skipIf(skip)('answers 202 with the queue status after maxWaitMs, idempotently', async () => {
    const { base } = await start({ maxWaitMs: 60 });
    const first = await requestMatch(base, { player_id: 'lonely', rating: 1500, region: 'eu' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      status: 'queued',
      player_id: 'lonely',
      rating: 1500,
      region: 'eu',
      position: 1,
      reason: 'waiting_for_opponent',
    });
    const [second, third] = await Promise.all([
      requestMatch(base, { player_id: 'lonely', rating: 1500, region: 'eu' }),
      requestMatch(base, { player_id: 'lonely', rating: 1500, region: 'eu' }),
    ]);
    expect([second.status, third.status]).toEqual([202, 202]);
    expect(await call(base, 'GET', '/match/request/lonely')).toMatchObject({
      status: 200,
      body: { status: 'queued', position: 1 },
    });
    const { rows } = await db.client.query('SELECT player_id FROM match_queue');
    expect(rows).toEqual([{ player_id: 'lonely' }]);
    // A player from another region is not a partner.
    expect((await requestMatch(base, { player_id: 'other', rating: 1500 })).status).toBe(202);
  });

  it.skipIf(skip)('forgets a waiting request whose client went away; the player stays queued', async () => {
    const { server, base } = await start();
    const controller = new AbortController();
    const gone = fetch(`${base}/match/request`, {
      method: 'POST',
      body: JSON.stringify({ player_id: 'g1', rating: 1500 }),
      signal: controller.signal,
    }).catch((err: Error) => err.name);
    await untilQueued(base, 'g1');
    while (server.waiting === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    expect(await gone).toBe('AbortError');
    while (server.waiting > 0) await new Promise((r) => setImmediate(r));
    expect(await call(base, 'GET', '/match/request/g1')).toMatchObject({
      status: 200,
      body: { status: 'queued' },
    });
    const answer = await requestMatch(base, { player_id: 'g2', rating: 1510 });
    expect(answer).toMatchObject({ status: 200, body: { opponent_id: 'g1' } });
  });

  it.skipIf(skip)('widens the allowed difference with waiting time when configured', async () => {
    const { base } = await start({ maxRatingDiff: 100, widening: [{ afterMs: 1, maxRatingDiff: 400 }] });
    const [a, b] = await Promise.all([
      requestMatch(base, { player_id: 'w1', rating: 1000 }),
      requestMatch(base, { player_id: 'w2', rating: 1300 }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.opponent_id).toBe('w2');
  });

  it.skipIf(skip)(
    "pairs a lone outlier within the longer waiter's allowance (wideningFollows: 'longer')",
    async () => {
      const gaps: number[] = [];
      const { server, base } = await start({
        widening: [
          { afterMs: 10_000, maxRatingDiff: 200 },
          { afterMs: 30_000, maxRatingDiff: 800 },
        ],
        wideningFollows: 'longer',
        observer: { matchRatingGap: (gap) => gaps.push(gap) },
      });
      // The outlier has waited 35 s (allowance 800), the other player 12 s (its own allowance: 200).
      await server.queue.enqueue({ playerId: 'lo', rating: 600 });
      await server.queue.enqueue({ playerId: 'mid', rating: 1100 });
      await db.client.query(
        "UPDATE match_queue SET queued_at = queued_at - CASE player_id WHEN 'lo' THEN interval '35 seconds' ELSE interval '12 seconds' END",
      );
      const [a, b] = await Promise.all([
        requestMatch(base, { player_id: 'lo', rating: 600 }),
        requestMatch(base, { player_id: 'mid', rating: 1100 }),
      ]);
      expect([a.status, a.body.opponent_id, b.status, b.body.opponent_id]).toEqual([200, 'mid', 200, 'lo']);
      expect(gaps).toEqual([500]);
    },
  );

  it.skipIf(skip)('cancels: the waiting request learns it, a second cancel is 404', async () => {
    const { base } = await start();
    const waiting = requestMatch(base, { player_id: 'c1', rating: 1500 });
    await untilQueued(base, 'c1');
    expect(await call(base, 'DELETE', '/match/request/c1')).toEqual({
      status: 200,
      body: { status: 'cancelled', player_id: 'c1' },
    });
    expect(await waiting).toMatchObject({ status: 409, body: { error: { code: 'ERR_MATCH_CANCELLED' } } });
    expect(await call(base, 'DELETE', '/match/request/c1')).toMatchObject({
      status: 404,
      body: { error: { code: 'ERR_MATCH_NOT_QUEUED' } },
    });
    expect(await call(base, 'GET', '/match/request/c1')).toMatchObject({ status: 404 });
  });

  it.skipIf(skip)('cancel after the match is 409 with the match', async () => {
    const { base } = await start();
    const [a] = await Promise.all([
      requestMatch(base, { player_id: 'x1', rating: 1500 }),
      requestMatch(base, { player_id: 'x2', rating: 1501 }),
    ]);
    const cancel = await call(base, 'DELETE', '/match/request/x1');
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ error: { code: 'ERR_MATCH_ALREADY_MATCHED' }, match: a.body });
    expect(await call(base, 'GET', '/match/request/x2')).toMatchObject({
      status: 200,
      body: { status: 'matched', match_id: a.body.match_id, opponent_id: 'x1' },
    });
  });

  it.skipIf(skip)('with no game server to give, both stay queued in order and are told why', async () => {
    let servers: string[] = [];
    const allocator: GameServerAllocator = { allocate: async () => servers.shift() ?? null };
    const { base } = await start({ allocator, maxWaitMs: 150 });
    const [a, b] = await Promise.all([
      requestMatch(base, { player_id: 'n1', rating: 1500 }),
      untilQueued(base, 'n1').then(() => requestMatch(base, { player_id: 'n2', rating: 1510 })),
    ]);
    expect(a).toMatchObject({ status: 202, body: { position: 1, reason: 'no_game_server' } });
    expect(b).toMatchObject({ status: 202, body: { position: 2, reason: 'no_game_server' } });
    servers = ['late.example.com:9100'];
    const [c, d] = await Promise.all([
      requestMatch(base, { player_id: 'n1', rating: 1500 }),
      requestMatch(base, { player_id: 'n2', rating: 1510 }),
    ]);
    expect(c).toMatchObject({
      status: 200,
      body: { game_server: 'late.example.com:9100', opponent_id: 'n2' },
    });
    expect(d.body.match_id).toBe(c.body.match_id);
  });

  it.skipIf(skip)('rejects bad input with typed 4xx errors and leaves the queue intact', async () => {
    const { base } = await start({ maxWaitMs: 50 });
    expect((await requestMatch(base, { player_id: 'keep', rating: 1500 })).status).toBe(202);
    const cases: [string, string, string | undefined, number, string][] = [
      ['POST', '/match/request', '{"player_id": "p1", "rating": ', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '[1, 2]', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', 'null', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '{"rating": 1500}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '{"player_id": "p1"}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '{"player_id": 5, "rating": 1500}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '{"player_id": "p1", "rating": "1500"}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '{"player_id": "p1", "rating": 1500.5}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '{"player_id": "p1", "rating": 1e12}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      [
        'POST',
        '/match/request',
        `{"player_id": "${'x'.repeat(33)}", "rating": 1}`,
        400,
        'ERR_MATCH_INVALID_REQUEST',
      ],
      ['POST', '/match/request', '{"player_id": "", "rating": 1}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['POST', '/match/request', '{"player_id": "a b", "rating": 1}', 400, 'ERR_MATCH_INVALID_REQUEST'],
      [
        'POST',
        '/match/request',
        '{"player_id": "p1", "rating": 1, "region": 7}',
        400,
        'ERR_MATCH_INVALID_REQUEST',
      ],
      [
        'POST',
        '/match/request',
        `{"player_id": "p1", "rating": 1, "pad": "${'x'.repeat(2000)}"}`,
        413,
        'ERR_MATCH_BODY_TOO_LARGE',
      ],
      ['GET', '/match/request', undefined, 405, 'ERR_MATCH_METHOD_NOT_ALLOWED'],
      ['PUT', '/match/request/keep', '{}', 405, 'ERR_MATCH_METHOD_NOT_ALLOWED'],
      ['GET', `/match/request/${'y'.repeat(40)}`, undefined, 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['GET', '/match/request/%E0%A4%A', undefined, 400, 'ERR_MATCH_INVALID_REQUEST'],
      ['GET', '/nope', undefined, 404, 'ERR_MATCH_NOT_FOUND'],
      ['POST', '/healthz', '{}', 405, 'ERR_MATCH_METHOD_NOT_ALLOWED'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const answer = await call(base, method, path, body);
      expect({ method, path, status: answer.status, code: answer.body.error?.code }).toEqual({
        method,
        path,
        status,
        code,
      });
      expect(typeof answer.body.error?.message).toBe('string');
    }
    const { rows } = await db.client.query('SELECT player_id FROM match_queue');
    expect(rows).toEqual([{ player_id: 'keep' }]);
    const { rows: players } = await db.client.query('SELECT id FROM players');
    expect(players).toEqual([{ id: 'keep' }]);
  });

  it.skipIf(skip)(
    'logs an HTTP server error after listen (EMFILE on accept) instead of crashing',
    async () => {
      const logged: { obj: unknown; msg: string | undefined }[] = [];
      const noop = () => {};
      const logger = {
        debug: noop,
        info: noop,
        warn: noop,
        error: (obj: unknown, msg?: string) => logged.push({ obj, msg }),
      };
      const { server, base } = await start({ logger });
      const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
      // The real socket server is private; an accept failure is an 'error' it emits.
      (server as unknown as { http: Server }).http.emit('error', emfile);
      expect(logged).toEqual([{ obj: { err: emfile }, msg: 'match server HTTP error' }]);
      expect((await call(base, 'GET', '/healthz')).status).toBe(200);
    },
  );

  it.skipIf(skip)('a request whose enqueue outlives its client or the server does not wait', async () => {
    // The enqueue statement waits at a gate, so the client can leave (or the server close) first.
    let open = () => {};
    let entered = () => {};
    let finished = () => {};
    const gated: SqlClient = {
      async query(text, params) {
        if (!text.includes('INSERT INTO players')) return db.client.query(text, params);
        entered();
        await new Promise<void>((resolve) => {
          open = resolve;
        });
        try {
          return await db.client.query(text, params);
        } finally {
          setImmediate(() => finished());
        }
      },
      transaction: (fn) => db.client.transaction(fn),
    };
    const armed: number[] = [];
    const timers: Timers = {
      setTimeout: (cb, ms) => {
        armed.push(ms);
        return setTimeout(cb, ms);
      },
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const { server, base } = await start({ db: gated, timers, maxWaitMs: 9_999 });
    const post = async (playerId: string) => {
      const inEnqueue = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const body = JSON.stringify({ player_id: playerId, rating: 1500 });
      const socket = connect(Number(new URL(base).port), '127.0.0.1');
      socket.on('error', () => {});
      socket.write(
        `POST /match/request HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          `content-length: ${body.length}\r\n\r\n${body}`,
      );
      await inEnqueue;
      return socket;
    };
    const release = async () => {
      const done = new Promise<void>((resolve) => {
        finished = resolve;
      });
      open();
      await done;
    };

    // The client leaves while its player is being queued.
    const gone = await post('left');
    gone.end(); // 'close' comes once the server closed its side too
    await once(gone, 'close');
    await release();
    expect(server.waiting).toBe(0);
    expect(armed.filter((ms) => ms === 9_999)).toEqual([]);

    // The server closes while a player is being queued: no wait timer outlives it.
    const socket = await post('late');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
    });
    const closing = server.close();
    await release();
    await closing;
    expect(server.waiting).toBe(0);
    expect(armed.filter((ms) => ms === 9_999)).toEqual([]);
    expect(await answer).toMatch(/^$|ERR_MATCH_SHUTTING_DOWN/);
  });

  it.skipIf(skip)('runs a round every tickIntervalMs on the injected timers and clock', async () => {
    const clock = new ManualClock(1000);
    const scheduled: { cb: () => void; ms: number }[] = [];
    let notify = () => {};
    // A round's deadline for the room store (storeTimeoutMs, 4321 here) is armed and cleared inside
    // the round: it is counted apart from the loop's timers.
    const deadlines: unknown[] = [];
    const timers: Timers = {
      setTimeout(cb, ms) {
        const timer = { cb, ms };
        if (ms === 4321) {
          deadlines.push(timer);
          return timer;
        }
        scheduled.push(timer);
        notify();
        return timer;
      },
      clearTimeout(handle) {
        const d = deadlines.indexOf(handle);
        if (d >= 0) deadlines.splice(d, 1);
        const i = scheduled.indexOf(handle as (typeof scheduled)[number]);
        if (i >= 0) scheduled.splice(i, 1);
      },
    };
    /** Fires the pending round; the round takes `roundMs` of (manual) time. */
    const fire = async (roundMs: number) => {
      const timer = scheduled.shift()!;
      const rescheduled = new Promise<void>((resolve) => {
        notify = resolve;
      });
      timer.cb();
      clock.advance(roundMs);
      await rescheduled;
    };
    const { server } = await start({ timers, clock, tickIntervalMs: 100, storeTimeoutMs: 4321 });
    expect(scheduled.map((t) => t.ms)).toEqual([0]);
    await server.queue.enqueue({ playerId: 'a', rating: 1500 });
    await server.queue.enqueue({ playerId: 'b', rating: 1550 });
    await fire(30);
    expect(scheduled.map((t) => t.ms)).toEqual([70]);
    expect(deadlines).toEqual([]);
    expect((await server.queue.status('a')).state).toBe('matched');
    await fire(250);
    expect(scheduled.map((t) => t.ms)).toEqual([0]);
    await server.close();
    expect(scheduled).toEqual([]);
  });

  it.skipIf(skip)('starts a round at once when a request queued a player, not at the next tick', async () => {
    const clock = new ManualClock(1000);
    const scheduled: { cb: () => void; ms: number }[] = [];
    let notify = () => {};
    const timers: Timers = {
      setTimeout(cb, ms) {
        const timer = { cb, ms };
        // Only the loop's timers (<= tickIntervalMs) are recorded; waits and deadlines never fire.
        if (ms <= 100) {
          scheduled.push(timer);
          notify();
        }
        return timer;
      },
      clearTimeout(handle) {
        const i = scheduled.indexOf(handle as (typeof scheduled)[number]);
        if (i >= 0) scheduled.splice(i, 1);
      },
    };
    const next = () =>
      new Promise<void>((resolve) => {
        notify = resolve;
      });
    const fire = async () => {
      const rescheduled = next();
      scheduled.shift()!.cb();
      await rescheduled;
    };
    const { server, base } = await start({ timers, clock, tickIntervalMs: 100, maxWaitMs: 9_999 });
    await fire();
    expect(scheduled.map((t) => t.ms)).toEqual([100]);
    let kicked = next();
    const a = requestMatch(base, { player_id: 'a', rating: 1500 });
    await kicked;
    // The 100 ms timer was replaced by an immediate round.
    expect(scheduled.map((t) => t.ms)).toEqual([0]);
    await fire();
    expect(scheduled.map((t) => t.ms)).toEqual([100]);
    // A repeated request adds nobody: no extra round.
    expect((await call(base, 'GET', '/match/request/a')).status).toBe(200);
    kicked = next();
    const b = requestMatch(base, { player_id: 'b', rating: 1520 });
    await kicked;
    expect(scheduled.map((t) => t.ms)).toEqual([0]);
    await fire();
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.status, ra.body.opponent_id, rb.status, rb.body.opponent_id]).toEqual([200, 'b', 200, 'a']);
    expect(server.waiting).toBe(0);
  });

  it.skipIf(skip)('reports through the observer and answers /healthz', async () => {
    const counts = {
      requests: 0,
      created: 0,
      waits: [] as number[],
      sizes: [] as number[],
      gaps: [] as number[],
    };
    const observer: MatchObserver = {
      matchRequest: () => counts.requests++,
      matchCreated: () => counts.created++,
      matchWait: (s) => counts.waits.push(s),
      matchRatingGap: (gap) => counts.gaps.push(gap),
      queueSize: (n) => counts.sizes.push(n),
    };
    const { server, base } = await start({ observer });
    // o1 has been queued for 2 s already (its request below keeps that place and time).
    await server.queue.enqueue({ playerId: 'o1', rating: 1500 });
    await db.client.query(
      "UPDATE match_queue SET queued_at = queued_at - interval '2 seconds' WHERE player_id = 'o1'",
    );
    const sentAt = performance.now();
    await Promise.all([
      requestMatch(base, { player_id: 'o1', rating: 1500 }),
      requestMatch(base, { player_id: 'o2', rating: 1537 }),
      requestMatch(base, { player_id: 'bad' }),
    ]);
    expect(counts.requests).toBe(3);
    expect(counts.created).toBe(1);
    expect(counts.gaps).toEqual([37]);
    expect(counts.waits).toHaveLength(2);
    // Seconds, per player: o1 waited exactly 2 s longer than o2 (up to float rounding).
    const [o2Wait, o1Wait] = [...counts.waits].sort((x, y) => x - y) as [number, number];
    expect(o2Wait).toBeLessThanOrEqual((performance.now() - sentAt) / 1000); // queued by this request
    expect(o1Wait - o2Wait).toBeGreaterThan(1.999);
    expect(o1Wait).toBeLessThan(2 + 10);
    expect(counts.sizes).toContain(2);
    expect(await call(base, 'GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok', waiting: 0 } });
  });
});

/** Polls the status route until the player shows as queued. */
async function untilQueued(base: string, playerId: string): Promise<void> {
  for (;;) {
    const answer = await call(base, 'GET', `/match/request/${playerId}`);
    if (answer.status === 200) return;
    await new Promise((r) => setImmediate(r));
  }
}
