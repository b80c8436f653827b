import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock, type Timers } from '../../src/core/index.js';
import {
  type GameServerAllocator,
  Matcher,
  MatchMaker,
  MatchQueue,
  MemoryRoomManager,
  type RoomManager,
  type SqlClient,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import { hasPostgres } from '../support/services.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from './support/databases.js';

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
      touch: (r) => memory.touch(r),
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

describe('MatchMaker skipping unchanged queues', () => {
  let db: TestDatabase;
  let rounds = 0;
  let counted: SqlClient;
  beforeAll(async () => {
    db = await createPgliteDatabase();
    counted = {
      query: (text, params) => db.client.query(text, params),
      transaction: (fn) => {
        rounds++;
        return db.client.transaction(fn);
      },
    };
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.truncate();
    rounds = 0;
  });
  const setUp = (matcher = new Matcher({ maxRatingDiff: 100 })) => {
    const clock = new ManualClock(0);
    const queue = new MatchQueue(counted);
    const maker = new MatchMaker({
      queue,
      rooms: new MemoryRoomManager(),
      allocator: new StaticGameServerAllocator(['g:1']),
      matcher,
      clock,
      recheckMs: 1000,
    });
    return { clock, queue, maker };
  };

  it('re-reads the queue only after an enqueue, a cancel or recheckMs once a round found no pair', async () => {
    const { clock, queue, maker } = setUp();
    await queue.enqueue({ playerId: 'a', rating: 1000 });
    await queue.enqueue({ playerId: 'b', rating: 1500 });
    expect(await maker.runRound()).toEqual({ skipped: false, busy: false, queueSize: 2, matches: [] });
    expect(rounds).toBe(1);
    clock.advance(999);
    expect(await maker.runRound()).toEqual({ skipped: true, busy: false, queueSize: 2, matches: [] });
    expect(rounds).toBe(1);
    // An enqueue (here through another MatchQueue, as another server would) changes the queue.
    await new MatchQueue(db.client).enqueue({ playerId: 'c', rating: 1520 });
    const { matches } = await maker.runRound();
    expect(rounds).toBe(2);
    expect(matches.map((m) => [m.player1Id, m.player2Id].sort())).toEqual([['b', 'c']]);
    // A round that made matches is never followed by a skip.
    expect((await maker.runRound()).skipped).toBe(false);
    expect(rounds).toBe(3);
    expect((await maker.runRound()).skipped).toBe(true);
    // A repeated request for a queued player changes nothing.
    await queue.enqueue({ playerId: 'a', rating: 1000 });
    expect((await maker.runRound()).skipped).toBe(true);
    // recheckMs after the last real round, it reads the queue again.
    clock.advance(1000);
    expect(await maker.runRound()).toEqual({ skipped: false, busy: false, queueSize: 1, matches: [] });
    expect(rounds).toBe(4);
    await queue.cancel('a');
    expect(await maker.runRound()).toEqual({ skipped: false, busy: false, queueSize: 0, matches: [] });
    expect(rounds).toBe(5);
  });

  it('runs again when a waiting player reaches a widening step', async () => {
    const matcher = new Matcher({ maxRatingDiff: 100, widening: [{ afterMs: 60_000, maxRatingDiff: 1000 }] });
    const { clock, queue, maker } = setUp(matcher);
    await queue.enqueue({ playerId: 'a', rating: 1000 });
    await queue.enqueue({ playerId: 'b', rating: 1500 });
    // Both have waited 59.5 s: the step comes due in 0.5 s, before recheckMs.
    await db.client.query("UPDATE match_queue SET queued_at = queued_at - interval '59500 milliseconds'");
    expect((await maker.runRound()).matches).toEqual([]);
    clock.advance(400);
    expect((await maker.runRound()).skipped).toBe(true);
    expect(rounds).toBe(1);
    await db.client.query("UPDATE match_queue SET queued_at = queued_at - interval '500 milliseconds'");
    clock.advance(100);
    expect((await maker.runRound()).matches).toHaveLength(1);
    expect(rounds).toBe(2);
  });
});

describe.skipIf(!hasPostgres)('MatchMaker beside another server', () => {
  it("reports busy (skipped) while another server's round holds the round lock", async () => {
    const db = await createPostgresDatabase('mmbusy', 3);
    try {
      const queue = new MatchQueue(db.client);
      const maker = new MatchMaker({
        queue,
        rooms: new MemoryRoomManager(),
        allocator: new StaticGameServerAllocator(['g:1']),
      });
      await queue.enqueue({ playerId: 'a', rating: 1500 });
      await queue.enqueue({ playerId: 'b', rating: 1500 });
      const held = gate<void>();
      const release = gate<void>();
      const other = db.client.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(7400413)');
        held.open();
        await release.wait();
      });
      await held.wait();
      expect(await maker.runRound()).toEqual({ skipped: true, busy: true, queueSize: 0, matches: [] });
      release.open();
      await other;
      const outcome = await maker.runRound();
      expect([outcome.skipped, outcome.busy, outcome.matches.length]).toEqual([false, false, 1]);
    } finally {
      await db.close();
    }
  });
});
