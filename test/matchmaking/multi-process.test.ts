import { Redis } from 'ioredis';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, hasRedis, postgresUrl, redisUrl } from '../support/services.js';
import { createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { type Answer, checkPairs } from './support/http.js';
import { type ServerProcess, sharedStoreEnv, spawnMatchServer } from './support/processes.js';

/** This file's own Redis database index. */
const REDIS_DB = 14;

describe.skipIf(!hasPostgres || !hasRedis)('two MatchServer processes sharing PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let redis: Redis;
  let servers: ServerProcess[] = [];
  const agent = new Agent({ connections: 1024 });

  beforeAll(async () => {
    db = await createPostgresDatabase('mmmulti');
    redis = new Redis(redisUrl, { db: REDIS_DB });
    await redis.flushdb();
    const env = {
      ...sharedStoreEnv(postgresUrl, db.schema!, redisUrl, REDIS_DB),
      GAME_SERVERS: 'game1:9000,game2:9000',
      MATCH_MAX_RATING_DIFF: '100',
      MATCH_WIDENING: 'off',
      TICK_INTERVAL_MS: '50',
      MAX_WAIT_MS: '30000',
      POOL_SIZE: '10',
    };
    servers = await Promise.all([spawnMatchServer(env), spawnMatchServer(env)]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await agent.close();
    await redis.flushdb();
    redis.disconnect();
    await db.close();
  });

  async function post(base: string, body: unknown): Promise<Answer> {
    const res = await fetch(`${base}/match/request`, {
      method: 'POST',
      body: JSON.stringify(body),
      // @ts-expect-error undici's dispatcher option is not in the DOM fetch types
      dispatcher: agent,
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }

  it('answers 1,000 players at once: each matched exactly once, within range, nothing lost', async () => {
    // Twins share a rating, twin pairs are 100 apart: everyone has exactly one valid partner,
    // and twins ask different servers, so most matches cross processes.
    const players = Array.from({ length: 1000 }, (_, i) => (i * 389) % 1000).map((n) => ({
      player_id: `p${n}`,
      rating: 1000 + Math.floor(n / 2) * 100,
    }));
    const server = (n: number) => servers[n % 2]!.base;
    // Every tenth player also repeats the request on the other server at the same time.
    const repeats = players.filter((_, i) => i % 10 === 0);
    const [answers, repeated] = await Promise.all([
      Promise.all(players.map((p) => post(server(Number(p.player_id.slice(1))), p))),
      Promise.all(repeats.map((p) => post(server(Number(p.player_id.slice(1)) + 1), p))),
    ]);
    checkPairs(players, answers, 100);
    // The same match, and each answer its own fresh connect token for it.
    const match = ({ status, body: { connect_token, ...rest } }: Answer) => ({ status, rest, connect_token });
    repeats.forEach((p, i) => {
      const original = match(answers[players.indexOf(p)]!);
      const again = match(repeated[i]!);
      expect(again.rest).toEqual(original.rest);
      expect(typeof again.connect_token).toBe('string');
      expect(again.connect_token).not.toBe(original.connect_token);
    });

    const { rows } = await db.client.query<{
      id: string;
      player1_id: string;
      player2_id: string;
      room_id: string;
    }>('SELECT id, player1_id, player2_id, room_id FROM matches');
    expect(rows).toHaveLength(500);
    const everyone = rows.flatMap((r) => [r.player1_id, r.player2_id]);
    expect(new Set(everyone).size).toBe(1000);
    const { rows: queue } = await db.client.query('SELECT player_id FROM match_queue');
    expect(queue).toEqual([]);
    expect(await redis.dbsize()).toBe(1500);
    for (const row of rows.slice(0, 50)) {
      expect((await redis.smembers(`room:${row.room_id}:players`)).sort()).toEqual(
        [row.player1_id, row.player2_id].sort(),
      );
      expect(await redis.get(`room:${row.room_id}:match_id`)).toBe(row.id);
    }
  });
});
