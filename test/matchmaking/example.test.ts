import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectTokenKeyFromEnv } from '../../examples/connect-token-key.js';
import { configFromEnv, startMatchServer } from '../../examples/match-server/server.js';
import { hasPostgres, postgresUrl } from '../support/services.js';
import { createPostgresDatabase } from './support/databases.js';
import { call, requestMatch } from './support/http.js';

describe('examples/match-server', () => {
  it('reads its configuration from the environment with the documented defaults', () => {
    expect(() => configFromEnv({})).toThrow(/MATCH_JWT_SECRET.*MATCH_AUTH=none/);
    expect(configFromEnv({ MATCH_AUTH: 'none' })).toEqual({
      port: 8080,
      databaseUrl: undefined,
      redisUrl: undefined,
      gameServers: ['127.0.0.1:9000'],
      maxRatingDiff: 100,
      widening: [
        { afterMs: 10_000, maxRatingDiff: 200 },
        { afterMs: 20_000, maxRatingDiff: 400 },
        { afterMs: 30_000, maxRatingDiff: 800 },
      ],
      wideningFollows: 'longer',
      tickIntervalMs: 100,
      maxWaitMs: 25_000,
      auth: 'none',
      connectTokenKey: connectTokenKeyFromEnv({}),
      // Results are signed with the connect-token key unless RESULT_KEY says otherwise.
      resultKey: connectTokenKeyFromEnv({}).key.key,
    });
    expect(configFromEnv({ MATCH_AUTH: 'none', RESULT_KEY: 'ab'.repeat(32) }).resultKey).toEqual(
      Buffer.from('ab'.repeat(32), 'hex'),
    );
    expect(() => configFromEnv({ MATCH_AUTH: 'none', RESULT_KEY: 'abc' })).toThrow(/RESULT_KEY/);
    expect(
      configFromEnv({
        PORT: '9090',
        DATABASE_URL: 'postgres://db/x',
        REDIS_URL: 'redis://r:6379/2',
        GAME_SERVERS: 'a:1, b:2,',
        MATCH_MAX_RATING_DIFF: '50',
        MATCH_WIDENING: 'off',
        MATCH_JWT_SECRET: 's'.repeat(32),
        ADDRESS_RATE_LIMIT: '100/20',
        PLAYER_RATE_LIMIT: 'off',
        MAX_CONNECTIONS_PER_ADDRESS: '8',
      }),
    ).toMatchObject({
      port: 9090,
      databaseUrl: 'postgres://db/x',
      redisUrl: 'redis://r:6379/2',
      gameServers: ['a:1', 'b:2'],
      maxRatingDiff: 50,
      widening: [],
      auth: { secret: new TextEncoder().encode('s'.repeat(32)) },
      addressRateLimit: { burst: 100, perSecond: 20 },
      playerRateLimit: null,
      maxConnectionsPerAddress: 8,
    });
    expect(() => configFromEnv({ PORT: 'eighty', MATCH_AUTH: 'none' })).toThrow(/PORT/);
    expect(() => configFromEnv({ MATCH_JWT_SECRET: 'short' })).toThrow(/32 bytes/);
    expect(() => configFromEnv({ MATCH_AUTH: 'none', ADDRESS_RATE_LIMIT: '10' })).toThrow(
      /ADDRESS_RATE_LIMIT/,
    );
    expect(() => configFromEnv({ MATCH_AUTH: 'nope' })).toThrow(/MATCH_AUTH/);
    // REDIS_URL without GAME_SERVERS: game servers come from the registry in Redis.
    expect(configFromEnv({ REDIS_URL: 'redis://r:6379', MATCH_AUTH: 'none' })).toMatchObject({
      gameServers: [],
      useRegistry: true,
    });
    expect(
      configFromEnv({ REDIS_URL: 'redis://r:6379', GAME_SERVERS: 'a:1', MATCH_AUTH: 'none' }).useRegistry,
    ).toBeUndefined();
  });

  it('starts in-process on PGlite and memory rooms and matches the acceptance pair', async () => {
    const running = await startMatchServer({
      port: 0,
      host: '127.0.0.1',
      gameServers: ['game1.example.com:9000'],
      maxRatingDiff: 100,
      tickIntervalMs: 20,
      auth: 'none',
    });
    try {
      const base = `http://127.0.0.1:${running.port}`;
      const [a, b] = await Promise.all([
        requestMatch(base, { player_id: 'p123', rating: 1500 }),
        requestMatch(base, { player_id: 'p124', rating: 1520 }),
      ]);
      expect(a).toMatchObject({
        status: 200,
        body: { opponent_id: 'p124', game_server: 'game1.example.com:9000' },
      });
      expect(b.body.match_id).toBe(a.body.match_id);
      expect(await running.server.rooms.getRoom(a.body.room_id as string)).toMatchObject({
        matchId: a.body.match_id,
        players: ['p123', 'p124'],
        status: 'waiting',
      });
      expect(await call(base, 'GET', '/healthz')).toMatchObject({ status: 200 });
    } finally {
      await running.close();
    }
  });

  it.skipIf(!hasPostgres)(
    'closes its PostgreSQL pool when it cannot listen (EADDRINUSE), so the process can exit',
    async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as { port: number }).port;
      const db = await createPostgresDatabase('mmexample');
      const app = `mmexample_${randomBytes(4).toString('hex')}`;
      const url = new URL(postgresUrl);
      url.searchParams.set('application_name', app);
      url.searchParams.set('options', `-c search_path=${db.schema}`);
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      const connections = async () =>
        (
          await admin.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [app],
          )
        ).rows[0]!.n;
      try {
        await expect(
          startMatchServer({
            port,
            host: '127.0.0.1',
            databaseUrl: url.toString(),
            gameServers: ['game1:9000'],
            maxRatingDiff: 100,
            auth: 'none',
          }),
        ).rejects.toMatchObject({ code: 'EADDRINUSE' });
        // The migration ran on a pooled connection; the pool is ended, so the server's backend goes
        // (it exits just after the client hangs up, hence the bounded re-check).
        let n = await connections();
        for (let i = 0; i < 200 && n > 0; i++) {
          await new Promise((r) => setImmediate(r));
          n = await connections();
        }
        expect(n).toBe(0);
      } finally {
        await admin.end();
        await db.close();
        await new Promise((resolve) => taken.close(resolve));
      }
    },
  );
});
