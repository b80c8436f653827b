import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSeededRandom,
  type Logger,
  ManualClock,
  OutageLog,
  type Timers,
} from '../../src/core/index.js';
import { MatchServer, type SqlClient, StaticGameServerAllocator } from '../../src/matchmaking/index.js';
import { createPgliteDatabase, type TestDatabase } from './support/databases.js';
import { call, requestMatch } from './support/http.js';

function recorder() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const log = (level: string) => (obj: object, msg?: string) =>
    lines.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  const logger: Logger = { debug: () => {}, info: log('info'), warn: log('warn'), error: log('error') };
  return { lines, logger };
}

describe('OutageLog', () => {
  it('logs the first failure and the recovery with the count and duration, nothing in between', () => {
    const clock = new ManualClock();
    const { lines, logger } = recorder();
    const outage = new OutageLog('postgres', logger, clock);
    outage.succeeded();
    const cause = new Error('ECONNREFUSED');
    for (let i = 0; i < 1000; i++) {
      outage.failed(i === 0 ? cause : new Error('again'));
      clock.advance(10);
    }
    expect([outage.down, outage.count]).toEqual([true, 1000]);
    outage.succeeded();
    outage.succeeded();
    expect(lines).toEqual([
      { level: 'warn', msg: 'postgres is unavailable', obj: { dependency: 'postgres', err: cause } },
      {
        level: 'info',
        msg: 'postgres is available again after 1000 failures',
        obj: { dependency: 'postgres', failures: 1000, downMs: 10_000 },
      },
    ]);
    expect([outage.down, outage.count]).toEqual([false, 0]);
  });
});

describe('MatchServer during a PostgreSQL outage', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('logs one line when it starts and one with the count when it ends, not one per request and round', async () => {
    let down = false;
    const fail = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const flaky: SqlClient = {
      query: (text, params) => (down ? fail() : db.client.query(text, params)),
      transaction: (fn) => (down ? fail() : db.client.transaction(fn)),
    };
    // Timers that never fire: rounds run only when the test calls tick().
    const still: Timers = { setTimeout: () => 0, clearTimeout: () => {} };
    const { lines, logger } = recorder();
    const server = new MatchServer({
      authenticate: 'none',
      db: flaky,
      allocator: new StaticGameServerAllocator(['g:1']),
      timers: still,
      clock: new ManualClock(),
      random: createSeededRandom(1),
      logger,
    });
    const base = `http://127.0.0.1:${(await server.listen(0)).port}`;
    down = true;
    for (let i = 0; i < 10; i++) {
      expect((await requestMatch(base, { player_id: `p${i}`, rating: 1500 })).status).toBe(503);
    }
    for (let i = 0; i < 5; i++) await server.tick();
    expect((await call(base, 'GET', '/match/request/p1')).status).toBe(503);
    expect((await call(base, 'DELETE', '/match/request/p1')).status).toBe(503);
    expect((await call(base, 'GET', '/healthz')).status).toBe(503);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['warn', 'postgres is unavailable']]);
    down = false;
    await server.tick();
    expect((await call(base, 'GET', '/healthz')).status).toBe(200);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'postgres is unavailable'],
      ['info', 'postgres is available again after 18 failures'],
    ]);
    await server.close();
  });
});
