/**
 * PostgreSQL that hangs (a TCP proxy that stops forwarding for 10 s, as a frozen database or a
 * network partition looks to the client), not one that refuses: every call must still end within
 * its timeout, the server answers 503 while frozen, nothing is half made and service resumes by
 * itself. The machine's shared PostgreSQL is never touched.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom, type Logger } from '../../src/core/index.js';
import { MatchServer, pgPoolClient, StaticGameServerAllocator } from '../../src/matchmaking/index.js';
import { hasPostgres, postgresUrl } from '../support/services.js';
import { createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { call, requestMatch } from './support/http.js';
import { TcpProxy } from './support/tcp-proxy.js';

const FREEZE_MS = 10_000;
const TIMEOUT_MS = 1000;

describe.skipIf(!hasPostgres)('PostgreSQL frozen for 10 s', () => {
  let db: TestDatabase;
  const proxy = new TcpProxy(new URL(postgresUrl).hostname, Number(new URL(postgresUrl).port || 5432));
  let pool: pg.Pool;
  const lines: [string, string][] = [];
  const logger: Logger = {
    debug: () => {},
    info: (_obj, msg) => lines.push(['info', msg ?? '']),
    warn: (_obj, msg) => lines.push(['warn', msg ?? '']),
    error: (_obj, msg) => lines.push(['error', msg ?? '']),
  };

  beforeAll(async () => {
    db = await createPostgresDatabase('mmfreeze');
    await proxy.start();
    const url = new URL(postgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    pool = new pg.Pool({ connectionString: url.toString(), options: `-c search_path=${db.schema}`, max: 10 });
  });
  afterAll(async () => {
    proxy.thaw();
    await pool.end();
    await proxy.stop();
    await db.close();
  });

  it('answers 503 within the timeout while frozen, closes, and resumes by itself', async () => {
    // The round frozen mid-transaction holds the (database-wide) round lock: PostgreSQL ends that
    // session after 1.5 s instead of letting it block other servers for the whole freeze.
    const sql = pgPoolClient(pool, logger, { timeoutMs: TIMEOUT_MS, idleInTransactionMs: 1500 });
    const start = async () => {
      const server = new MatchServer({
        authenticate: 'none',
        db: sql,
        allocator: new StaticGameServerAllocator(['game1:9000']),
        tickIntervalMs: 50,
        maxWaitMs: 30_000,
        random: createSeededRandom(1),
        logger,
      });
      return { server, base: `http://127.0.0.1:${(await server.listen(0)).port}` };
    };
    const a = await start();
    const b = await start();
    const waiting = requestMatch(a.base, { player_id: 'w', rating: 1500 });
    while ((await call(a.base, 'GET', '/match/request/w')).status !== 200)
      await new Promise((r) => setImmediate(r));

    proxy.freeze();
    const frozenAt = performance.now();
    const stillFrozen = () => performance.now() - frozenAt < FREEZE_MS;
    // Every answer below arrives while PostgreSQL still does not answer at all.
    const [refused, health, cancel] = await Promise.all([
      requestMatch(a.base, { player_id: 'x', rating: 1510 }),
      call(a.base, 'GET', '/healthz'),
      call(b.base, 'DELETE', '/match/request/w'),
    ]);
    expect(stillFrozen()).toBe(true);
    for (const answer of [refused, health, cancel]) {
      expect(answer).toEqual({
        status: 503,
        body: { error: { code: 'ERR_MATCH_SERVICE_UNAVAILABLE', message: 'postgres is unavailable' } },
      });
    }
    // The long-poll waiting since before the freeze is told too (it stays queued).
    expect(await waiting).toMatchObject({
      status: 503,
      body: { error: { code: 'ERR_MATCH_SERVICE_UNAVAILABLE' } },
    });
    expect(stillFrozen()).toBe(true);
    // close() does not hang on the frozen database either.
    await b.server.close();
    expect(stillFrozen()).toBe(true);

    await new Promise((r) => setTimeout(r, Math.max(0, FREEZE_MS - (performance.now() - frozenAt))));
    proxy.thaw();

    // The same server, untouched, works again: both players are matched.
    const [w, x] = await Promise.all([
      requestMatch(a.base, { player_id: 'w', rating: 1500 }),
      requestMatch(a.base, { player_id: 'x', rating: 1510 }),
    ]);
    expect([w.status, x.status]).toEqual([200, 200]);
    expect(w.body.match_id).toBe(x.body.match_id);
    expect((await call(a.base, 'GET', '/healthz')).status).toBe(200);
    await a.server.close();

    // Nothing half made: one match, both players point at it, nobody is left queued.
    const { rows: matches } = await db.client.query<{ id: string }>('SELECT id FROM matches');
    expect(matches).toHaveLength(1);
    const { rows: players } = await db.client.query<{ id: string; current_match_id: string | null }>(
      'SELECT id, current_match_id FROM players ORDER BY id',
    );
    expect(players).toEqual([
      { id: 'w', current_match_id: matches[0]!.id },
      { id: 'x', current_match_id: matches[0]!.id },
    ]);
    expect((await db.client.query('SELECT * FROM match_queue')).rows).toEqual([]);
  }, 40_000);

  it('a statement that runs past the timeout is cancelled by PostgreSQL; the connection stays usable', async () => {
    const direct = new pg.Pool({ connectionString: postgresUrl, max: 1 });
    try {
      const sql = pgPoolClient(direct, logger, { timeoutMs: 200 });
      await expect(sql.query('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
      await expect(
        sql.transaction(async (tx) => {
          await tx.query('SELECT 1');
          await tx.query('SELECT pg_sleep(5)');
        }),
      ).rejects.toThrow(/statement timeout/);
      expect((await sql.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
      expect(
        (
          await sql.query<{ s: string; i: string }>(
            "SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i",
          )
        ).rows,
      ).toEqual([{ s: '200ms', i: '10s' }]);
      expect(direct.totalCount).toBe(1);
    } finally {
      await direct.end();
    }
  });

  it('rejects a bad timeoutMs naming it', () => {
    expect(() => pgPoolClient(pool, logger, { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => pgPoolClient(pool, logger, { idleInTransactionMs: -1 })).toThrow(/idleInTransactionMs/);
  });
});
