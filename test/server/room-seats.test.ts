/**
 * The room base's seats on a MemoryNetwork with a ManualClock: join, leave, reconnect within the
 * grace period, a seat lost after it, and the seat-takeover attack of issue 9 refused and counted.
 */
import { describe, expect, it } from 'vitest';
import { readSeatClaim } from '../../src/server/index.js';
import type { Connection } from '../../src/transport/index.js';
import { world } from './room-harness.js';

async function seated() {
  const w = world({ reconnectGraceMs: 2_000 });
  const aliceToken = w.issue({ playerId: 'alice' });
  const alice = w.connect(aliceToken);
  const bob = w.connect(w.issue({ playerId: 'bob' }));
  await w.until(() => alice.welcomed && bob.welcomed, 100);
  return { w, alice, bob, aliceToken };
}

describe('Room seats', () => {
  it('seats each player in the seat its token names and sends both snapshots', async () => {
    const { w, alice, bob } = await seated();
    expect(alice.room.seat).toBe(0);
    expect(bob.room.seat).toBe(1);
    expect(alice.room.welcome).toMatchObject({ seats: 2, tickRate: 60, ticksPerSnapshot: 1 });
    expect(w.room.allSeated).toBe(true);
    expect(w.room.events).toEqual(['join:alice', 'join:bob']);
    await w.until(() => alice.room.latest !== undefined && bob.room.latest !== undefined, 10);
    expect([...alice.room.latest!.entities.values()]).toEqual([
      { id: 0, type: 'dot', x: 0 },
      { id: 1, type: 'dot', x: 0 },
    ]);
    expect(w.host.rooms.size).toBe(1);
  });

  it('refuses the opponent holding its own valid token for the other seat, and counts it', async () => {
    const { w, alice, bob } = await seated();
    // Bob's side gets a second token naming alice (as a match server giving out the ids would):
    // a different token from the one alice holds, so the live seat is not his to take.
    // The connection layer refuses it first: alice is connected from another address.
    const thief = w.connect(w.issue({ playerId: 'alice' }));
    await w.until(() => thief.refused, 100);
    expect(thief.welcomed).toBe(false);
    expect(w.host.connections.counters.tokensRefused.player_in_use).toBe(1);
    // And the room, behind it, would not hand the live seat to another token either.
    const other = { playerId: 'alice', matchId: 'm1', roomId: 'r1', tokenId: 'not-alices' };
    expect(w.room.admit(thief.client as unknown as Connection, other)).toBe('seat_taken');
    expect(alice.connection!.connected).toBe(true);
    expect(w.room.seats[0]!.connection!.connected).toBe(true);
    expect(w.room.events).toEqual(['join:alice', 'join:bob']);
    // Bob's own connection naming alice's seat in its frames: dropped, counted, alice's dot untouched.
    w.raw(bob, [1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1]);
    await w.step();
    await w.step();
    expect(w.host.counters.inputsRejected.wrong_seat).toBe(1);
    expect(w.room.xs).toEqual([0, 0]);
  });

  it('refuses tokens for no seat, another match, an unknown room, and a connection with no claim; each counted', async () => {
    // A claim reader that finds no claim on mallory's connection (the default reads every verified token).
    const w = world({
      readClaim: (c) => (c.token?.playerId === 'nobody' ? undefined : readSeatClaim(c)),
    });
    const mallory = w.connect(w.issue({ playerId: 'mallory' }));
    const otherMatch = w.connect(w.issue({ playerId: 'alice', matchId: 'm2' }));
    const lost = w.connect(w.issue({ playerId: 'alice', roomId: 'r9' }));
    const nobody = w.connect(w.issue({ playerId: 'nobody' }));
    const gone = (p: typeof mallory) => p.connection !== undefined && !p.connection.connected;
    await w.until(() => gone(mallory) && gone(otherMatch) && gone(lost) && gone(nobody), 100);
    expect(w.host.counters.seatsRefused).toMatchObject({
      no_seat: 1,
      wrong_match: 1,
      no_room: 1,
      unclaimed: 1,
    });
    expect(w.room.seats.map((s) => s.state)).toEqual(['empty', 'empty']);
  });

  it('lets a player come back within the grace period, to the same seat', async () => {
    const { w, alice } = await seated();
    alice.client.close();
    await w.until(() => w.room.seats[0]!.state === 'away', 100);
    expect(w.room.events).toEqual(['join:alice', 'join:bob', 'leave:alice']);
    const again = w.connect(w.issue({ playerId: 'alice' })); // a fresh token from the match server
    await w.until(() => again.welcomed, 100);
    expect(again.room.seat).toBe(0);
    expect(w.room.seats[0]!.state).toBe('connected');
    expect(w.room.events.at(-1)).toBe('rejoin:alice');
    expect(w.host.counters.reconnects).toBe(1);
    expect(w.host.counters.seatsLost).toBe(0);
  });

  it('refuses a copy of a live token used from a new address (token_in_use); the holder keeps the seat', async () => {
    const { w, alice, aliceToken } = await seated();
    const copy = w.connect(aliceToken);
    await w.until(() => copy.refused, 100);
    expect(w.host.connections.counters.tokensRefused.token_in_use).toBe(1);
    expect(alice.connection!.connected).toBe(true);
    expect(w.room.events).toEqual(['join:alice', 'join:bob']);
  });

  it('empties a seat whose player does not come back within the grace period', async () => {
    const { w, bob } = await seated();
    bob.client.close();
    await w.until(() => w.room.seats[1]!.state === 'away', 100);
    const awaySince = w.clock.now();
    await w.until(() => w.room.seats[1]!.state === 'empty', 200);
    expect(w.clock.now() - awaySince).toBeGreaterThanOrEqual(2_000);
    expect(w.clock.now() - awaySince).toBeLessThan(2_000 + 1000 / 60 + 1);
    expect(w.room.events).toEqual(['join:alice', 'join:bob', 'leave:bob', 'lost:bob']);
    expect(w.host.counters.seatsLost).toBe(1);
  });

  it('refuses the claim (no_room) when the game cannot build its room, and keeps serving', async () => {
    const w = world({
      createRoom: () => {
        throw new Error('no roster for this room');
      },
    });
    const alice = w.connect(w.issue({ playerId: 'alice' }));
    await w.until(() => alice.connection !== undefined && !alice.connection.connected, 100);
    expect(w.host.counters.seatsRefused.no_room).toBe(1);
    expect(w.host.rooms.size).toBe(0);
    expect(w.host.loop.failedTicks).toBe(0);
  });

  it('refuses a new room past maxRooms, and a closed room stays closed', async () => {
    const w = world({ maxRooms: 1 });
    const alice = w.connect(w.issue({ playerId: 'alice' }));
    await w.until(() => alice.welcomed, 100);
    const other = w.connect(w.issue({ playerId: 'carol', roomId: 'r2' }));
    await w.until(() => other.connection !== undefined && !other.connection.connected, 100);
    expect(w.host.counters.seatsRefused.full).toBe(1);
    w.room.end(0);
    await w.until(() => w.host.rooms.size === 0 && !alice.connection!.connected, 10);
    const late = w.connect(w.issue({ playerId: 'bob' }));
    await w.until(() => late.connection !== undefined && !late.connection.connected, 100);
    expect(w.host.counters.seatsRefused.room_closed).toBe(1);
  });
});
