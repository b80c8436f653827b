import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Matcher,
  type MatchPair,
  MatchQueue,
  type MatchRecord,
  migrate,
} from '../../src/matchmaking/index.js';
import { hasPostgres } from '../support/services.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from './support/databases.js';

const backends = [
  { name: 'PGlite', skip: false, create: () => createPgliteDatabase() },
  { name: 'PostgreSQL', skip: !hasPostgres, create: () => createPostgresDatabase('mmqueue') },
];

const matcher = new Matcher({ maxRatingDiff: 100 });
let nextId = 0;
/** Turns pairs into match records with predictable ids (no allocator, no rooms). */
const toMatches = (pairs: readonly MatchPair[]) => ({
  matches: pairs.map(
    (p): MatchRecord => ({
      matchId: `m${++nextId}`,
      player1Id: p.player1.playerId,
      player2Id: p.player2.playerId,
      roomId: `r${nextId}`,
      gameServer: 'game1:9000',
      region: p.player1.region ?? null,
    }),
  ),
});

describe.each(backends)('MatchQueue on $name', ({ skip, create }) => {
  let db: TestDatabase;
  let queue: MatchQueue;
  beforeAll(async () => {
    if (skip) return;
    db = await create();
    queue = new MatchQueue(db.client);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    if (!skip) await db.truncate();
  });
  const round = () =>
    queue.runRound(
      (q) => matcher.pair(q),
      async (pairs) => toMatches(pairs),
    );

  it.skipIf(skip)('migrate is idempotent and creates the specified columns', async () => {
    await migrate(db.client);
    await migrate(db.client);
    const { rows } = await db.client.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ('players', 'match_queue', 'matches')
        ORDER BY table_name, ordinal_position`,
    );
    const cols = rows.map((r) => `${r.table_name}.${r.column_name}:${r.data_type}`);
    expect(cols).toEqual(
      expect.arrayContaining([
        'players.id:character varying',
        'players.rating:integer',
        'players.created_at:timestamp without time zone',
        'match_queue.player_id:character varying',
        'match_queue.rating:integer',
        'match_queue.queued_at:timestamp without time zone',
        'matches.id:character varying',
        'matches.player1_id:character varying',
        'matches.player2_id:character varying',
        'matches.room_id:character varying',
        'matches.game_server:character varying',
        'matches.started_at:timestamp without time zone',
      ]),
    );
  });

  it.skipIf(skip)('enqueue is idempotent and keeps the first rating and place', async () => {
    expect(await queue.enqueue({ playerId: 'a', rating: 1500 })).toEqual({ state: 'queued', added: true });
    expect(await queue.enqueue({ playerId: 'b', rating: 1700 })).toEqual({ state: 'queued', added: true });
    expect(await queue.enqueue({ playerId: 'a', rating: 1510 })).toEqual({ state: 'queued', added: false });
    expect(await queue.size()).toBe(2);
    const a = await queue.status('a');
    expect(a).toMatchObject({ state: 'queued', rating: 1500, region: null, position: 1 });
    expect(await queue.status('b')).toMatchObject({
      state: 'queued',
      position: 2,
      reason: 'waiting_for_opponent',
    });
    expect(await queue.status('nobody')).toEqual({ state: 'idle' });
  });

  it.skipIf(skip)('a round pairs 1200 with 1250, leaves 1000 queued and writes everything', async () => {
    for (const [id, rating] of [
      ['p1000', 1000],
      ['p1200', 1200],
      ['p1250', 1250],
    ] as const) {
      await queue.enqueue({ playerId: id, rating });
    }
    const result = await round();
    expect(result.skipped).toBe(false);
    expect(result.queueSize).toBe(3);
    expect(result.matches).toHaveLength(1);
    const match = result.matches[0]!;
    expect([match.player1Id, match.player2Id].sort()).toEqual(['p1200', 'p1250']);
    expect(await queue.size()).toBe(1);
    expect(await queue.status('p1000')).toMatchObject({ state: 'queued', position: 1 });
    expect(await queue.status('p1200')).toEqual({ state: 'matched', match });
    expect(await queue.getMatch(match.matchId)).toEqual(match);
    const { rows } = await db.client.query('SELECT id, current_match_id FROM players ORDER BY id');
    expect(rows).toEqual([
      { id: 'p1000', current_match_id: null },
      { id: 'p1200', current_match_id: match.matchId },
      { id: 'p1250', current_match_id: match.matchId },
    ]);
    // A repeated request returns the match instead of queueing again.
    expect(await queue.enqueue({ playerId: 'p1250', rating: 1250 })).toEqual({ state: 'matched', match });
    expect(await queue.size()).toBe(1);
    // Finishing the match frees the players to queue again.
    expect(await queue.finishMatch(match.matchId, 'p1200 won')).toBe(true);
    expect(await queue.finishMatch(match.matchId)).toBe(false);
    expect(await queue.enqueue({ playerId: 'p1250', rating: 1260 })).toEqual({
      state: 'queued',
      added: true,
    });
    const { rows: finished } = await db.client.query(
      'SELECT result FROM matches WHERE finished_at IS NOT NULL',
    );
    expect(finished).toEqual([{ result: 'p1200 won' }]);
  });

  it.skipIf(skip)(
    'enqueueMany queues a batch in one statement: duplicates once, matched players get their match',
    async () => {
      await queue.enqueue({ playerId: 'm1', rating: 1500 });
      await queue.enqueue({ playerId: 'm2', rating: 1500 });
      const { matches } = await round();
      const results = await queue.enqueueMany([
        { playerId: 'z', rating: 1000, region: 'eu' },
        { playerId: 'm1', rating: 1500 },
        { playerId: 'a', rating: 1200 },
        { playerId: 'z', rating: 1900 },
      ]);
      expect(results).toEqual([
        { state: 'queued', added: true },
        { state: 'matched', match: matches[0] },
        { state: 'queued', added: true },
        { state: 'queued', added: false },
      ]);
      expect(await queue.status('z')).toMatchObject({ state: 'queued', rating: 1000, region: 'eu' });
      expect(await queue.size()).toBe(2);
    },
  );

  it.skipIf(skip)('cancel removes a queued player and says why when it cannot', async () => {
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1520 });
    await queue.enqueue({ playerId: 'c', rating: 1900 });
    expect(await queue.cancel('c')).toEqual({ state: 'cancelled' });
    expect(await queue.cancel('c')).toEqual({ state: 'idle' });
    const { matches } = await round();
    expect(await queue.cancel('a')).toEqual({ state: 'matched', match: matches[0] });
    expect(await queue.size()).toBe(0);
  });

  it.skipIf(skip)('a failing decide rolls the whole round back', async () => {
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1520 });
    await expect(
      queue.runRound(
        (q) => matcher.pair(q),
        async () => {
          throw new Error('redis down');
        },
      ),
    ).rejects.toThrow('redis down');
    // A failure in the writes themselves (a duplicate match id) also leaves nothing behind.
    await expect(
      queue.runRound(
        (q) => matcher.pair(q),
        async (pairs) => {
          const { matches } = toMatches([...pairs, ...pairs]);
          return { matches: matches.map((m) => ({ ...m, matchId: 'same' })) };
        },
      ),
    ).rejects.toThrow();
    expect(await queue.size()).toBe(2);
    const { rows } = await db.client.query('SELECT count(*)::int AS n FROM matches');
    expect(rows).toEqual([{ n: 0 }]);
    expect(await queue.status('a')).toMatchObject({ state: 'queued', position: 1 });
  });

  it.skipIf(skip)('stores and resets wait reasons, keeping the queue order', async () => {
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1520 });
    const noServer = await queue.runRound(
      (q) => matcher.pair(q),
      async (pairs) => ({
        matches: [],
        reasons: new Map(
          pairs.flatMap((p) => [
            [p.player1.playerId, 'no_game_server' as const],
            [p.player2.playerId, 'no_game_server' as const],
          ]),
        ),
      }),
    );
    expect(noServer.matches).toEqual([]);
    expect(await queue.status('a')).toMatchObject({ state: 'queued', position: 1, reason: 'no_game_server' });
    expect(await queue.status('b')).toMatchObject({ state: 'queued', position: 2, reason: 'no_game_server' });
    await queue.runRound(
      () => [],
      async () => ({ matches: [] }),
    );
    expect(await queue.status('a')).toMatchObject({ reason: 'waiting_for_opponent' });
  });

  it.skipIf(skip)('events() moves after rounds with matches and after cancels only', async () => {
    const e0 = await queue.events();
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'c', rating: 3000 });
    await round();
    expect(await queue.events()).toBe(e0);
    await queue.enqueue({ playerId: 'b', rating: 1500 });
    await round();
    const e1 = await queue.events();
    expect(e1).not.toBe(e0);
    expect(await queue.cancel('nobody')).toEqual({ state: 'idle' });
    expect(await queue.events()).toBe(e1);
    await queue.cancel('c');
    expect(await queue.events()).not.toBe(e1);
  });

  it.skipIf(skip)('events() and changes() move on the first bump of fresh sequences too', async () => {
    // A fresh sequence's last_value is 1 both before and after the first nextval (is_called
    // flips): a token of last_value alone missed the first match ever announced, and waiting
    // requests on other servers then only learnt of it at their maxWaitMs.
    await db.client.query('ALTER SEQUENCE match_events RESTART');
    await db.client.query('ALTER SEQUENCE queue_changes RESTART');
    const e0 = await queue.events();
    const c0 = await queue.changes();
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    const c1 = await queue.changes();
    expect(c1).not.toBe(c0);
    await queue.enqueue({ playerId: 'b', rating: 1500 });
    expect((await round()).matches).toHaveLength(1);
    expect(await queue.events()).not.toBe(e0);
    expect(await queue.changes()).not.toBe(c1);
  });

  it.skipIf(skip)('lookup reports many players at once', async () => {
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1520 });
    await queue.enqueue({ playerId: 'c', rating: 2000 });
    const { matches } = await round();
    const states = await queue.lookup(['a', 'b', 'c', 'zzz']);
    expect(states.get('a')).toEqual(matches[0]);
    expect(states.get('b')).toEqual(matches[0]);
    expect(states.get('c')).toBe('queued');
    expect(states.get('zzz')).toBe('idle');
    expect(await queue.existingMatches([matches[0]!.matchId, 'nope'])).toEqual(
      new Set([matches[0]!.matchId]),
    );
  });

  it.skipIf(skip)('concurrent rounds, repeated requests and cancels never match a player twice', async () => {
    const players = Array.from({ length: 300 }, (_, i) => ({
      playerId: `p${i}`,
      rating: 1000 + ((i * 37) % 500),
    }));
    let stop = false;
    const rounds = Array.from({ length: 3 }, async () => {
      while (!stop) await round();
    });
    await Promise.all(
      players.map(async (p, i) => {
        await queue.enqueue(p);
        await queue.enqueue(p);
        if (i % 10 === 0) await queue.cancel(p.playerId);
        await queue.enqueue(p);
      }),
    );
    // Drain: a few more rounds after the last request.
    for (let i = 0; i < 3; i++) await round();
    stop = true;
    await Promise.all(rounds);
    const { rows: matches } = await db.client.query<{ player1_id: string; player2_id: string; id: string }>(
      'SELECT id, player1_id, player2_id FROM matches',
    );
    const seen = new Map<string, string>();
    for (const m of matches) {
      for (const p of [m.player1_id, m.player2_id]) {
        expect(seen.get(p)).toBeUndefined();
        seen.set(p, m.id);
      }
    }
    const { rows: stale } = await db.client.query(
      'SELECT q.player_id FROM match_queue q JOIN players p ON p.id = q.player_id WHERE p.current_match_id IS NOT NULL',
    );
    expect(stale).toEqual([]);
    // Everyone is either matched or queued, and what is left has no valid partner.
    expect(seen.size + (await queue.size())).toBe(players.length);
    const { rows: left } = await db.client.query<{ player_id: string; rating: number }>(
      'SELECT player_id, rating FROM match_queue',
    );
    expect(matcher.pair(left.map((r) => ({ playerId: r.player_id, rating: r.rating, waitedMs: 0 })))).toEqual(
      [],
    );
  });
});
