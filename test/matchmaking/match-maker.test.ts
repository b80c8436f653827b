import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSeededRandom, type Timers } from '../../src/core/index.js';
import {
  type GameServerAllocator,
  MatchMaker,
  MatchQueue,
  MemoryRoomManager,
  type RoomManager,
} from '../../src/matchmaking/index.js';
import { createPgliteDatabase, type TestDatabase } from './support/databases.js';

/** Timers fired by hand. */
function manualTimers() {
  const pending: { cb: () => void; ms: number }[] = [];
  const timers: Timers = {
    setTimeout(cb, ms) {
      const timer = { cb, ms };
      pending.push(timer);
      return timer;
    },
    clearTimeout(handle) {
      const i = pending.indexOf(handle as (typeof pending)[number]);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  const fire = () => pending.shift()!.cb();
  return { timers, pending, fire };
}

/** A promise resolved from outside, and a signal for when someone started waiting on it. */
function gate<T>() {
  let open: (value: T) => void = () => {};
  let started: () => void = () => {};
  const entered = new Promise<void>((resolve) => {
    started = resolve;
  });
  const opened = new Promise<T>((resolve) => {
    open = resolve;
  });
  return {
    entered,
    open: (value: T) => open(value),
    wait: () => {
      started();
      return opened;
    },
  };
}

describe('MatchMaker with a hung store', () => {
  let db: TestDatabase;
  let queue: MatchQueue;
  beforeAll(async () => {
    db = await createPgliteDatabase();
    queue = new MatchQueue(db.client);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.truncate();
    await queue.enqueue({ playerId: 'a', rating: 1500 });
    await queue.enqueue({ playerId: 'b', rating: 1500 });
  });

  const queued = async () =>
    (
      await db.client.query<{ player_id: string }>('SELECT player_id FROM match_queue ORDER BY player_id')
    ).rows.map((r) => r.player_id);

  it('a room store that does not answer aborts the round after storeTimeoutMs; the late room is closed later', async () => {
    const memory = new MemoryRoomManager({ random: createSeededRandom(1) });
    const hang = gate<void>();
    let hung = true;
    const made: string[] = [];
    const rooms: RoomManager = {
      createRoom: async (matchId, players) => {
        if (hung) await hang.wait();
        const roomId = await memory.createRoom(matchId, players);
        made.push(roomId);
        return roomId;
      },
      addPlayerToRoom: (r, p) => memory.addPlayerToRoom(r, p),
      setStatus: (r, s) => memory.setStatus(r, s),
      getRoom: (r) => memory.getRoom(r),
      closeRoom: (r) => memory.closeRoom(r),
    };
    const allocated: string[] = [];
    const released: [string, string][] = [];
    const allocator: GameServerAllocator = {
      allocate: async ({ matchId }) => {
        allocated.push(matchId);
        return 'g:1';
      },
      release: async (server, matchId) => {
        released.push([server, matchId]);
      },
    };
    const { timers, pending, fire } = manualTimers();
    const maker = new MatchMaker({ queue, rooms, allocator, timers, storeTimeoutMs: 1500 });
    const round = maker.runRound();
    await hang.entered;
    expect(pending.map((t) => t.ms)).toEqual([1500]);
    fire();
    await expect(round).rejects.toMatchObject({ code: 'ERR_MATCH_SERVICE_UNAVAILABLE', store: 'redis' });
    // Rolled back: both still queued, no match, the room (still being made) awaits the clean-up.
    expect(await queued()).toEqual(['a', 'b']);
    expect(maker.pendingCleanup).toBe(1);
    expect(released).toEqual([]);

    // The store answers late: its room exists now, but its match never will.
    hang.open();
    hung = false;
    await new Promise((r) => setImmediate(r));
    expect(made).toHaveLength(1);
    const { matches } = await maker.runRound();
    expect(maker.pendingCleanup).toBe(0);
    expect(released).toEqual([['g:1', allocated[0]]]);
    expect(matches).toHaveLength(1);
    expect(matches[0]!.matchId).toBe(allocated[1]);
    // The late room is closed; the new match's room stays.
    expect(await memory.getRoom(made[0]!)).toBeUndefined();
    expect(made[1]).toBe(matches[0]!.roomId);
    expect(await memory.getRoom(made[1]!)).toMatchObject({ matchId: allocated[1], players: ['a', 'b'] });
    expect(pending).toEqual([]);
  });

  it('an allocator that does not answer aborts the round; a late server is given back', async () => {
    const hang = gate<string | null>();
    const released: [string, string][] = [];
    const allocated: string[] = [];
    const allocator: GameServerAllocator = {
      allocate: async ({ matchId }) => {
        allocated.push(matchId);
        return hang.wait();
      },
      release: async (server, matchId) => {
        released.push([server, matchId]);
      },
    };
    const { timers, pending, fire } = manualTimers();
    const maker = new MatchMaker({ queue, rooms: new MemoryRoomManager(), allocator, timers });
    const round = maker.runRound();
    await hang.entered;
    expect(pending.map((t) => t.ms)).toEqual([2000]);
    fire();
    await expect(round).rejects.toMatchObject({
      code: 'ERR_MATCH_SERVICE_UNAVAILABLE',
      store: 'game server allocator',
    });
    expect(await queued()).toEqual(['a', 'b']);
    expect(released).toEqual([]);
    hang.open('g:7');
    await new Promise((r) => setImmediate(r));
    expect(released).toEqual([['g:7', allocated[0]]]);
  });

  it('rejects a storeTimeoutMs that is not a positive integer, naming the option', () => {
    const allocator: GameServerAllocator = { allocate: async () => null };
    for (const storeTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(
        () => new MatchMaker({ queue, rooms: new MemoryRoomManager(), allocator, storeTimeoutMs }),
      ).toThrow(/storeTimeoutMs/);
    }
  });
});
