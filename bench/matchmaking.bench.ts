/**
 * Matchmaking end to end: 1,000 and 10,000 players requesting at once across two match server
 * processes sharing one PostgreSQL and one Redis, next to the raw upsert rate of the same
 * PostgreSQL, batched as the servers batch their enqueues, measured just before and just after.
 *
 * - match req/s: players answered with a match per second, first request to last match answer
 *   (connections are opened by a warm-up round of `GET /healthz` first).
 * - raw upsert/s: the same number of new rows upserted (`INSERT ... SELECT FROM unnest ... ON
 *   CONFLICT DO UPDATE`) in statements of 500 rows, 4 in flight per server, as `MatchServer`
 *   enqueues; the median of 3 runs just before and of 3 just after the players' run (the ratio
 *   uses their mean; goal: match req/s >= half of it).
 * - second->both p50/p99: per match, from the later of the two requests to the later answer
 *   (goal: p99 < 1 s), measured two ways. "sent": from the client's call, so it includes the wait
 *   in the servers' intake (n requests sent at once are read at the servers' request rate: at
 *   10,000 players the last ones reach a server seconds after they were sent, whatever happens
 *   after). "queued": from the later of the two players' enqueue transactions
 *   (`players.created_at`, PostgreSQL's clock), so intake is left out and matching, room creation,
 *   cross-server notification and the answer's way back to this client are in. Both ends read the
 *   same system clock.
 * - unmatched w/ partner: players still queued at the end who had a valid partner (must be 0).
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { Agent, request } from 'undici';
import { createSeededRandom } from '../src/core/index.js';
import { Matcher } from '../src/matchmaking/index.js';
import { createPostgresDatabase } from '../test/matchmaking/support/databases.js';
import {
  type ServerProcess,
  sharedStoreEnv,
  spawnMatchServer,
} from '../test/matchmaking/support/processes.js';
import { hasPostgres, hasRedis, postgresUrl, redisUrl } from '../test/support/services.js';
import { printTable } from './format.js';

const REDIS_DB = 15;
const POOL_SIZE = 20; // per match server
const SIZES = process.env.SIZES ? process.env.SIZES.split(',').map(Number) : [1_000, 10_000];

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Rows per enqueue statement and statements in flight per server, as `MatchServer` batches them. */
const ENQUEUE_BATCH = 500;
const ENQUEUES_IN_FLIGHT = 4;

/**
 * Rows per second PostgreSQL upserts done the way the match servers enqueue: `rows` new rows in
 * statements of `ENQUEUE_BATCH` rows, `ENQUEUES_IN_FLIGHT` statements in flight per server.
 */
async function rawUpsertRate(pool: pg.Pool, rows: number): Promise<number> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_upsert (id VARCHAR(32) PRIMARY KEY, rating INT NOT NULL)',
  );
  await pool.query('TRUNCATE bench_upsert');
  const statements = Math.ceil(rows / ENQUEUE_BATCH);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: ENQUEUES_IN_FLIGHT * 2 }, async () => {
      while (next < statements) {
        const first = next++ * ENQUEUE_BATCH;
        const ids: string[] = [];
        const ratings: number[] = [];
        for (let i = first; i < Math.min(rows, first + ENQUEUE_BATCH); i++) {
          ids.push(`u${i}`);
          ratings.push(1000 + (i % 1000));
        }
        await pool.query(
          `INSERT INTO bench_upsert (id, rating) SELECT * FROM unnest($1::varchar[], $2::int[])
           ON CONFLICT (id) DO UPDATE SET rating = EXCLUDED.rating`,
          [ids, ratings],
        );
      }
    }),
  );
  return rows / ((performance.now() - start) / 1000);
}

/** The median of three runs of {@link rawUpsertRate}. */
async function medianUpsertRate(pool: pg.Pool, rows: number): Promise<number> {
  const rates = [];
  for (let i = 0; i < 3; i++) rates.push(await rawUpsertRate(pool, rows));
  return rates.sort((a, b) => a - b)[1]!;
}

export async function run(): Promise<void> {
  if (!hasPostgres || !hasRedis) {
    console.log('matchmaking bench skipped: PostgreSQL and Redis are needed');
    return;
  }
  const db = await createPostgresDatabase('mmbench', POOL_SIZE * 2);
  const redis = new Redis(redisUrl, { db: REDIS_DB });
  await redis.flushdb();
  const env = {
    ...sharedStoreEnv(postgresUrl, db.schema!, redisUrl, REDIS_DB),
    GAME_SERVERS: 'game1:9000,game2:9000,game3:9000',
    MATCH_MAX_RATING_DIFF: '100',
    MATCH_WIDENING: 'off',
    TICK_INTERVAL_MS: '100',
    MAX_WAIT_MS: '5000',
    POOL_SIZE: String(POOL_SIZE),
  };
  let servers: ServerProcess[] = [];
  const rows: Record<string, string | number>[] = [];
  try {
    servers = await Promise.all([spawnMatchServer(env), spawnMatchServer(env)]);
    const matcher = new Matcher({ maxRatingDiff: 100 });
    for (const n of SIZES) {
      await db.client.query('TRUNCATE match_queue, players, matches');
      await redis.flushdb();
      // The baseline brackets the run (before and after, on the same load), with the same rows.
      const upsertBefore = await medianUpsertRate(db.pool!, n);
      const random = createSeededRandom(n);
      const players = Array.from({ length: n }, (_, i) => ({
        player_id: `b${i}`,
        rating: 1000 + Math.floor(random.next() * 2000),
      }));
      const agent = new Agent({ connections: n, pipelining: 1, keepAliveTimeout: 30_000 });
      // Warm-up: open the connections first (GET /healthz), so the run measures the match server
      // and the databases rather than n TCP handshakes at once.
      await Promise.all(
        players.map(async (_, i) => {
          const res = await request(`${servers[i % 2]!.base}/healthz`, { dispatcher: agent });
          await res.body.dump();
        }),
      );
      const started = new Float64Array(n);
      const answered = new Float64Array(n);
      /** Epoch ms of each answer, to compare with PostgreSQL's timestamps. */
      const answeredEpoch = new Float64Array(n);
      const bodies: { status: number; body: Record<string, unknown> }[] = new Array(n);
      const t0 = performance.now();
      await Promise.all(
        players.map(async (p, i) => {
          started[i] = performance.now();
          const res = await request(`${servers[i % 2]!.base}/match/request`, {
            method: 'POST',
            body: JSON.stringify(p),
            headers: { 'content-type': 'application/json' },
            dispatcher: agent,
          });
          bodies[i] = { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
          answered[i] = performance.now();
          answeredEpoch[i] = Date.now(); // the system clock PostgreSQL's now() reads
        }),
      );
      await agent.close();
      const upsertAfter = await medianUpsertRate(db.pool!, n);
      const upsertRate = (upsertBefore + upsertAfter) / 2;
      const index = new Map(players.map((p, i) => [p.player_id, i]));
      const queuedEpoch = new Float64Array(n);
      const { rows: created } = await db.client.query<{ id: string; ms: number }>(
        `SELECT id, extract(epoch FROM created_at AT TIME ZONE current_setting('TimeZone')) * 1000 AS ms FROM players`,
      );
      for (const r of created) queuedEpoch[index.get(r.id)!] = Number(r.ms);
      const fromQueued: number[] = [];
      let lastMatch = t0;
      let matched = 0;
      const latencies: number[] = [];
      for (let i = 0; i < n; i++) {
        if (bodies[i]!.status !== 200) continue;
        matched++;
        lastMatch = Math.max(lastMatch, answered[i]!);
        const j = index.get(bodies[i]!.body.opponent_id as string)!;
        if (i >= j) continue;
        latencies.push(Math.max(answered[i]!, answered[j]!) - Math.max(started[i]!, started[j]!));
        fromQueued.push(
          Math.max(answeredEpoch[i]!, answeredEpoch[j]!) - Math.max(queuedEpoch[i]!, queuedEpoch[j]!),
        );
      }
      latencies.sort((a, b) => a - b);
      fromQueued.sort((a, b) => a - b);
      const { rows: left } = await db.client.query<{ player_id: string; rating: number }>(
        'SELECT player_id, rating FROM match_queue',
      );
      const stranded = matcher.pair(
        left.map((r) => ({ playerId: r.player_id, rating: r.rating, waitedMs: 0 })),
      );
      const matchRate = matched / ((lastMatch - t0) / 1000);
      rows.push({
        players: n,
        'match req/s': matchRate,
        'raw upsert/s before / after': `${Math.round(upsertBefore)} / ${Math.round(upsertAfter)}`,
        'ratio (goal >= 0.5)': matchRate / upsertRate,
        'sent->both p50 ms': percentile(latencies, 50),
        'sent->both p99 ms': percentile(latencies, 99),
        'queued->both p50 ms': percentile(fromQueued, 50),
        'queued->both p99 ms (goal < 1000)': percentile(fromQueued, 99),
        matched,
        'left, no partner': left.length - stranded.length * 2,
        'unmatched w/ partner (goal 0)': stranded.length * 2,
        'other answers': n - matched - left.length,
      });
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await redis.flushdb();
    redis.disconnect();
    await db.close();
  }
  printTable('Matchmaking, two match server processes, one PostgreSQL + one Redis', rows);
}
