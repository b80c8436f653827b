import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import {
  MatchMaker,
  MatchQueue,
  MemoryGameServerRegistry,
  MemoryRoomManager,
} from '../../src/matchmaking/index.js';
import { createPgliteDatabase, type TestDatabase } from './support/databases.js';

describe('MatchMaker on a game-server registry', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('waits for a live server, fills it to capacity, skips dead and draining ones', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const registry = new MemoryGameServerRegistry({ clock, ttlMs: 3000 });
    const queue = new MatchQueue(db.client);
    const maker = new MatchMaker({
      queue,
      rooms: new MemoryRoomManager({ random: createSeededRandom(1) }),
      allocator: registry,
      random: createSeededRandom(2),
      recheckMs: 0,
    });
    for (let i = 0; i < 8; i++) await queue.enqueue({ playerId: `p${i}`, rating: 1500 });
    expect((await maker.runRound()).matches).toEqual([]);
    expect(await queue.status('p0')).toMatchObject({ state: 'queued', reason: 'no_game_server' });

    const report = { region: null, capacity: 2, version: '1', matches: [] };
    await registry.heartbeat({ address: 'g1:9000', ...report });
    await registry.heartbeat({ address: 'g2:9000', ...report });
    await registry.drain('g2:9000');
    await registry.heartbeat({ address: 'g3:9000', ...report });
    clock.advance(3000); // g3 never heartbeats again: it is dead by now
    await registry.heartbeat({ address: 'g1:9000', ...report });
    await registry.heartbeat({ address: 'g2:9000', ...report, draining: true });
    const { matches } = await maker.runRound();
    // Only g1 takes matches, and only as many as its capacity; the other players keep waiting.
    expect(matches.map((m) => m.gameServer)).toEqual(['g1:9000', 'g1:9000']);
    expect(await queue.size()).toBe(4);
    expect(await queue.status('p4')).toMatchObject({ state: 'queued', reason: 'no_game_server' });
  });
});
