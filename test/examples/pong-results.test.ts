/**
 * `npm run pong-server` reports results for real: a Pong game-server process (registered in Redis,
 * MATCH_SERVER_URL set) and a match server on PostgreSQL and Redis; two bots play a one-point
 * match; the process's ResultReporter posts the signed result, and the match row, both ratings
 * (+16/-16 at equal ratings) and the freed players show it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { connectTokenKeyFromEnv } from '../../examples/connect-token-key.js';
import { type RunningMatchServer, startMatchServer } from '../../examples/match-server/server.js';
import { playMatch } from '../../examples/pong-server/bot-player.js';
import { createSeededRandom } from '../../src/core/index.js';
import { createPostgresDatabase, type TestDatabase } from '../matchmaking/support/databases.js';
import { sharedStoreEnv } from '../matchmaking/support/processes.js';
import { hasPostgres, hasRedis, postgresUrl, redisUrl } from '../support/services.js';

/** This file's own Redis database index. */
const REDIS_DB = 6;

let db: TestDatabase | undefined;
let match: RunningMatchServer | undefined;
let game: ChildProcess | undefined;
let redis: Redis | undefined;

afterAll(async () => {
  if (game !== undefined && game.exitCode === null) {
    game.kill('SIGKILL');
    await once(game, 'exit');
  }
  await match?.close();
  await db?.close();
  redis?.disconnect();
});

it.skipIf(!hasPostgres || !hasRedis)(
  'a pong-server process reports the result: match row, Elo ratings, players free',
  async () => {
    db = await createPostgresDatabase('pongres', 4);
    redis = new Redis(redisUrl, { db: REDIS_DB });
    await redis.flushdb();
    const stores = sharedStoreEnv(postgresUrl, db.schema!, redisUrl, REDIS_DB);
    const developmentKey = connectTokenKeyFromEnv({});
    match = await startMatchServer({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: stores.DATABASE_URL,
      redisUrl: stores.REDIS_URL,
      gameServers: [],
      useRegistry: true,
      maxRatingDiff: 100,
      auth: 'none',
      poolSize: 4,
      connectTokenKey: developmentKey,
      resultKey: developmentKey.key.key,
    });
    const matchUrl = `http://127.0.0.1:${match.port}`;
    game = spawn(process.execPath, ['--import', 'tsx', 'examples/pong-server/main.ts'], {
      env: {
        ...process.env,
        REDIS_URL: stores.REDIS_URL,
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        SCORE_TO_WIN: '1',
        MATCH_SERVER_URL: matchUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    game.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    game.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // Registered once it says where it listens (the heartbeat starts before that line).
    for (let i = 0; i < 300 && !out.includes('pong-server: UDP'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('pong-server: UDP');
    const random = createSeededRandom(11);
    const [a, b] = await Promise.all(
      ['r1', 'r2'].map((playerId) =>
        playMatch({
          matchServerUrl: matchUrl,
          playerId,
          rating: 1500,
          skill: 0.4,
          random,
          timeoutMs: 60_000,
        }),
      ),
    );
    expect(a!.assignment.match_id).toBe(b!.assignment.match_id);
    const winner = a!.won ? 'r1' : 'r2';
    const loser = winner === 'r1' ? 'r2' : 'r1';
    // The report lands shortly after the game ends.
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.client.query<Record<string, unknown>>(
        'SELECT winner_id, ending, rating_change1 + rating_change2 AS sum FROM matches WHERE finished_at IS NOT NULL',
      );
      row = rows[0];
      if (row !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row).toEqual({ winner_id: winner, ending: 'score', sum: 0 });
    const { rows: players } = await db.client.query<{
      id: string;
      rating: number;
      current_match_id: string | null;
    }>('SELECT id, rating, current_match_id FROM players ORDER BY id');
    const byId = new Map(players.map((p) => [p.id, p]));
    expect(byId.get(winner)).toEqual({ id: winner, rating: 1516, current_match_id: null });
    expect(byId.get(loser)).toEqual({ id: loser, rating: 1484, current_match_id: null });
    const profile = (await (await fetch(`${matchUrl}/players/${winner}`)).json()) as Record<string, unknown>;
    expect(profile).toMatchObject({ player_id: winner, rating: 1516 });
  },
  120_000,
);
