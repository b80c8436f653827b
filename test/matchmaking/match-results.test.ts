/**
 * Match results and ratings over HTTP, on PGlite and on the real PostgreSQL: the attacks on
 * `POST /match/result` (unsigned, forged, tampered, replayed later) are refused and counted; a
 * report is recorded once, moves both ratings by the exact Elo amounts and frees the players at
 * once; `GET /players/<id>` shows the rating and the recent matches to the player only.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import {
  type Caller,
  eloGain,
  type MatchRefusal,
  type MatchResult,
  MatchServer,
  MemoryRoomManager,
  RESULT_SIGNATURE_HEADER,
  ResultReporter,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import { encodeResultReport, signResultReport } from '../../src/matchmaking/match-result.js';
import { hasPostgres } from '../support/services.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { callAs } from './support/http.js';

const KEY = new Uint8Array(32).fill(7);
const NOW = 1_800_000_000_000;

const authenticate = (request: IncomingMessage): Caller | null => {
  const m = /^Test ([A-Za-z0-9._:-]{1,32})$/.exec(request.headers.authorization ?? '');
  return m === null ? null : { playerId: m[1]! };
};
const as = (who: string) => ({ authorization: `Test ${who}` });

const backends = [
  { name: 'PGlite', skip: false, postgres: false },
  { name: 'PostgreSQL', skip: !hasPostgres, postgres: true },
];

describe.each(backends)('match results on $name', ({ skip, postgres }) => {
  let db: TestDatabase;
  let server: MatchServer;
  let base: string;
  let refused: MatchRefusal[];
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    if (skip) return;
    db = postgres ? await createPostgresDatabase('mmresults', 5) : await createPgliteDatabase();
    server = new MatchServer({
      db: db.client,
      authenticate,
      allocator: new StaticGameServerAllocator(['127.0.0.1:9000']),
      rooms: new MemoryRoomManager({ random: createSeededRandom(3) }),
      random: createSeededRandom(4),
      results: { key: KEY, clock },
      addressRateLimit: null,
      playerRateLimit: null,
      maxWaitMs: 5_000,
      observer: { requestRefused: (reason) => refused.push(reason) },
    });
    const { port } = await server.listen(0);
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (skip) return;
    await server.close();
    await db.close();
  });
  beforeEach(async () => {
    if (skip) return;
    refused = [];
    clock.set(NOW);
    await db.truncate();
  });

  /** Queues both players and returns their match id (player1 first in the answer's view). */
  async function match(p1: string, r1: number, p2: string, r2: number): Promise<string> {
    const [a, b] = await Promise.all([
      callAs(base, 'POST', '/match/request', { rating: r1 }, as(p1)),
      callAs(base, 'POST', '/match/request', { rating: r2 }, as(p2)),
    ]);
    expect(a.status).toBe(200);
    expect(b.body.match_id).toBe(a.body.match_id);
    return a.body.match_id as string;
  }

  /** The match's stored player order, which `score` and `rating_changes` follow. */
  async function players(matchId: string): Promise<[string, string]> {
    const m = await server.queue.getMatch(matchId);
    return [m!.player1Id, m!.player2Id];
  }

  async function rating(playerId: string): Promise<number> {
    const { rows } = await db.client.query<{ rating: number }>('SELECT rating FROM players WHERE id = $1', [
      playerId,
    ]);
    return rows[0]!.rating;
  }

  function post(body: string, signature: string | undefined) {
    return callAs(
      base,
      'POST',
      '/match/result',
      body,
      signature === undefined ? {} : { [RESULT_SIGNATURE_HEADER]: signature },
    );
  }
  const signed = (result: MatchResult, at = NOW, key: Uint8Array = KEY) => {
    const body = encodeResultReport(result, at);
    return post(body, signResultReport(body, key));
  };
  const result = (
    matchId: string,
    winnerId: string | null,
    extra: Partial<MatchResult> = {},
  ): MatchResult => ({
    matchId,
    winnerId,
    score1: 5,
    score2: 3,
    ticks: 4321,
    ending: winnerId === null ? 'abandoned' : 'score',
    ...extra,
  });

  it.skipIf(skip)('refuses unsigned, forged and tampered reports, counts them, changes nothing', async () => {
    const id = await match('a1', 1500, 'a2', 1500);
    const body = encodeResultReport(result(id, 'a1'), NOW);
    expect((await post(body, undefined)).status).toBe(401);
    expect((await post(body, signResultReport(body, new Uint8Array(32).fill(8)))).status).toBe(401);
    const tampered = body.replace('"winner_id":"a1"', '"winner_id":"a2"');
    const answer = await post(tampered, signResultReport(body, KEY));
    expect(answer.status).toBe(401);
    expect(answer.body.error!.code).toBe('ERR_MATCH_UNAUTHENTICATED');
    expect((await post(body, 'sha256=')).status).toBe(401);
    expect(refused).toEqual(['result_signature', 'result_signature', 'result_signature', 'result_signature']);
    expect([await rating('a1'), await rating('a2')]).toEqual([1500, 1500]);
    expect((await callAs(base, 'GET', '/match/request/a1', undefined, as('a1'))).body.status).toBe('matched');
  });

  it.skipIf(skip)('refuses a genuine report replayed outside the window (either way), counted', async () => {
    const id = await match('b1', 1500, 'b2', 1500);
    expect((await signed(result(id, 'b1'), NOW - 60_001)).status).toBe(401);
    expect((await signed(result(id, 'b1'), NOW + 60_001)).status).toBe(401);
    expect(refused).toEqual(['result_stale', 'result_stale']);
    expect(await rating('b1')).toBe(1500);
    // At the window's edge it is still good.
    expect((await signed(result(id, 'b1'), NOW - 60_000)).status).toBe(200);
  });

  it.skipIf(skip)(
    'records once: both ratings move by the exact Elo amounts, a repeat changes nothing',
    async () => {
      const id = await match('c1', 1500, 'c2', 1560);
      const [first, second] = await players(id);
      const winner = 'c1';
      const loser = 'c2';
      // The winner was rated 60 below: expected 1/(1+10^(60/400)) = 0.41441, gain round(32*0.58559) = 19.
      expect(eloGain(1500, 1560, 32)).toBe(19);
      const answer = await signed(result(id, winner));
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        status: 'recorded',
        match_id: id,
        rating_changes: first === winner ? [19, -19] : [-19, 19],
      });
      expect(await rating(winner)).toBe(1519);
      expect(await rating(loser)).toBe(1541);
      const again = await signed(result(id, winner), NOW + 1000);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'duplicate', match_id: id });
      expect([await rating(winner), await rating(loser)]).toEqual([1519, 1541]);
      const other = await signed(result(id, loser));
      expect(other.status).toBe(409);
      expect(other.body.error!.code).toBe('ERR_MATCH_RESULT_CONFLICT');
      expect([await rating(winner), await rating(loser)]).toEqual([1519, 1541]);
      const { rows } = await db.client.query<Record<string, unknown>>(
        `SELECT winner_id, score1, score2, ticks, ending, rating_change1, rating_change2, finished_at IS NOT NULL AS done
         FROM matches WHERE id = $1`,
        [id],
      );
      expect(rows[0]).toEqual({
        winner_id: winner,
        score1: 5,
        score2: 3,
        ticks: 4321,
        ending: 'score',
        rating_change1: first === winner ? 19 : -19,
        rating_change2: second === winner ? 19 : -19,
        done: true,
      });
    },
  );

  it.skipIf(skip)('the same report sent 6 times at once is recorded once (one rating change)', async () => {
    const id = await match('h1', 1500, 'h2', 1500);
    const answers = await Promise.all(Array.from({ length: 6 }, () => signed(result(id, 'h1'))));
    const states = answers.map((a) => a.body.status).sort();
    expect(states).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'recorded']);
    expect([await rating('h1'), await rating('h2')]).toEqual([1516, 1484]);
  });

  it.skipIf(skip)('frees both players the moment the result lands: they are matched again', async () => {
    const id = await match('d1', 1500, 'd2', 1500);
    expect((await signed(result(id, 'd2', { ending: 'forfeit', score1: 1, score2: 0 }))).status).toBe(200);
    expect([await rating('d1'), await rating('d2')]).toEqual([1484, 1516]);
    const next = await match('d1', 0, 'd2', 0);
    expect(next).not.toBe(id);
  });

  it.skipIf(skip)('an abandoned match moves no rating; unknown matches and strangers are 404', async () => {
    const id = await match('e1', 1500, 'e2', 1550);
    expect((await signed(result('m_nosuchmatch', 'e1'))).status).toBe(404);
    const stranger = await signed(result(id, 'zz'));
    expect(stranger.status).toBe(404);
    expect(stranger.body.error!.code).toBe('ERR_MATCH_UNKNOWN_MATCH');
    const bad = await signed({ ...result(id, null), ending: 'score' });
    expect(bad.status).toBe(400);
    const answer = await signed(result(id, null, { score1: 0, score2: 0, ticks: 0 }));
    expect(answer.body).toEqual({ status: 'recorded', match_id: id, rating_changes: [0, 0] });
    expect([await rating('e1'), await rating('e2')]).toEqual([1500, 1550]);
  });

  it.skipIf(skip)(
    'GET /players/<id> shows the caller its rating and recent matches, nobody else',
    async () => {
      const id = await match('f1', 1500, 'f2', 1500);
      expect((await signed(result(id, 'f1'))).status).toBe(200);
      const [first] = await players(id);
      const mine = await callAs(base, 'GET', '/players/f1', undefined, as('f1'));
      expect(mine.status).toBe(200);
      const [played] = mine.body.recent_matches as Record<string, unknown>[];
      expect(mine.body.rating).toBe(1516);
      expect(mine.body.current_match_id).toBeNull();
      expect(played).toMatchObject({
        match_id: id,
        opponent_id: 'f2',
        won: true,
        score: first === 'f1' ? [5, 3] : [3, 5],
        ending: 'score',
        rating_change: 16,
      });
      expect(played!.finished_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const theirs = await callAs(base, 'GET', '/players/f2', undefined, as('f1'));
      expect(theirs.status).toBe(403);
      expect((await callAs(base, 'GET', '/players/f1')).status).toBe(401);
      expect((await callAs(base, 'GET', '/players/ghost', undefined, as('ghost'))).status).toBe(404);
      expect(refused).toEqual(['forbidden', 'unauthenticated']);
    },
  );

  it.skipIf(skip)('a ResultReporter on the real HTTP path gets its report recorded', async () => {
    const id = await match('g1', 1500, 'g2', 1500);
    const reporter = new ResultReporter({ url: base, key: KEY, clock });
    expect(reporter.report(result(id, 'g2'))).toBe(true);
    await reporter.flushed();
    expect(reporter.stats).toEqual({ queued: 1, acknowledged: 1, retries: 0, rejected: 0, dropped: 0 });
    expect(await rating('g2')).toBe(1516);
    reporter.close();
  });
});
