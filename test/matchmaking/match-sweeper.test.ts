import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import {
  MatchMaker,
  MatchQueue,
  MatchSweeper,
  MemoryGameServerRegistry,
  MemoryRoomManager,
} from '../../src/matchmaking/index.js';
import { createPgliteDatabase, type TestDatabase } from './support/databases.js';

describe('MatchSweeper', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('ends the matches of a dead server and those a live server no longer runs, once, and frees their players', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const registry = new MemoryGameServerRegistry({ clock, ttlMs: 3000, startWindowMs: 30_000 });
    const rooms = new MemoryRoomManager({ random: createSeededRandom(1) });
    const queue = new MatchQueue(db.client);
    const maker = new MatchMaker({ queue, rooms, allocator: registry, random: createSeededRandom(2) });
    const report = { region: null, version: '1', matches: [] };
    await registry.heartbeat({ address: 'g1:9000', capacity: 1, ...report });
    await registry.heartbeat({ address: 'g2:9000', capacity: 2, ...report });
    for (let i = 0; i < 6; i++) await queue.enqueue({ playerId: `p${i}`, rating: 1500 });
    const { matches } = await maker.runRound();
    expect(matches.map((m) => m.gameServer).sort()).toEqual(['g1:9000', 'g2:9000', 'g2:9000']);
    const onG1 = matches.find((m) => m.gameServer === 'g1:9000')!;
    const [running, gone] = matches.filter((m) => m.gameServer === 'g2:9000');
    // g1 dies; g2 runs one of its matches and never saw the other's players.
    clock.advance(31_000);
    await registry.heartbeat({ address: 'g2:9000', capacity: 2, ...report, matches: [running!.matchId] });
    await db.client.query("UPDATE matches SET started_at = started_at - interval '2 minutes'");

    const sweeper = () => new MatchSweeper({ db: db.client, queue, rooms, registry, graceMs: 60_000 });
    // Two sweepers (two match servers) at once: each match is ended exactly once.
    const results = await Promise.all([sweeper().sweep(), sweeper().sweep()]);
    expect(results.reduce((n, r) => n + r.lost, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.unreported, 0)).toBe(1);

    const { rows } = await db.client.query<{ id: string; result: string | null; finished: boolean }>(
      'SELECT id, result, finished_at IS NOT NULL AS finished FROM matches',
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(onG1.matchId)).toMatchObject({ result: 'server_lost', finished: true });
    expect(byId.get(gone!.matchId)).toMatchObject({ result: 'ended_unreported', finished: true });
    expect(byId.get(running!.matchId)).toMatchObject({ result: null, finished: false });
    for (const m of [onG1, gone!]) {
      expect(await rooms.getRoom(m.roomId)).toBeUndefined();
      expect(await queue.status(m.player1Id)).toEqual({ state: 'idle' });
    }
    expect(await rooms.getRoom(running!.roomId)).toMatchObject({ matchId: running!.matchId });
    expect(await queue.status(running!.player1Id)).toMatchObject({ state: 'matched' });
    expect(await sweeper().sweep()).toEqual({ lost: 0, unreported: 0 });
  });

  it('leaves young matches alone and rejects bad options naming them', async () => {
    const registry = new MemoryGameServerRegistry();
    const queue = new MatchQueue(db.client);
    const rooms = new MemoryRoomManager();
    const base = { db: db.client, queue, rooms, registry };
    await db.truncate();
    await db.client.query(
      "INSERT INTO matches (id, player1_id, player2_id, room_id, game_server) VALUES ('m_new', 'a', 'b', 'r', 'dead:1')",
    );
    expect(await new MatchSweeper(base).sweep()).toEqual({ lost: 0, unreported: 0 });
    expect(() => new MatchSweeper({ ...base, graceMs: 0 })).toThrow(/graceMs/);
    expect(() => new MatchSweeper({ ...base, intervalMs: 1.5 })).toThrow(/intervalMs/);
  });
});
