/**
 * Inputs (design §4.3): stamped with their tick and a sequence, buffered per seat, applied at
 * their tick; every refusal counted by reason; the snapshot rate apart from the tick rate; the
 * client helper's one packet per tick.
 */
import { describe, expect, it } from 'vitest';
import type { InputRejection } from '../../src/server/index.js';
import { frame, world } from './room-harness.js';

async function seated(options: Parameters<typeof world>[0] = {}) {
  const w = world(options);
  const alice = w.connect(w.issue({ playerId: 'alice' }));
  const bob = w.connect(w.issue({ playerId: 'bob' }));
  await w.until(() => alice.welcomed && bob.welcomed, 100);
  return { w, alice, bob };
}

const rejected = (counts: Record<InputRejection, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

describe('Room inputs', () => {
  it('applies an input at the tick it is stamped for, not when it arrives', async () => {
    const { w, alice } = await seated();
    const at = w.room.tick + 10;
    w.raw(alice, frame(0, at, 0, [[0, 1]]));
    await w.until(() => w.room.tick >= at + 2, 20);
    expect(w.room.applied).toEqual([`${at}:alice:1`]);
    expect(w.host.counters.inputsApplied).toBe(1);
    expect(w.host.counters.inputsLate).toBe(0);
  });

  it('repeats inputs in each frame without applying any twice, and applies a late one at the next tick', async () => {
    const { w, alice } = await seated();
    const t = w.room.tick;
    // seq 0 for t+5, then a frame repeating it with seq 1 for t+6.
    w.raw(alice, frame(0, t + 5, 0, [[0, 1]]));
    w.raw(
      alice,
      frame(0, t + 6, 1, [
        [0, -1],
        [1, 1],
      ]),
    );
    await w.until(() => w.room.tick >= t + 8, 20);
    expect(w.room.applied).toEqual([`${t + 5}:alice:1`, `${t + 6}:alice:-1`]);
    expect(w.host.counters.inputsRedundant).toBe(1);
    // Two ticks late, inside the window (15 ticks at 60 Hz): applied at the next tick, counted late.
    // Sent after tick `now` ran, it arrives before tick now + 2, stamped 3 ticks before that.
    const now = w.room.tick;
    w.raw(alice, frame(0, now - 2, 2, [[0, 1]]));
    await w.step();
    await w.step();
    expect(w.room.applied.at(-1)).toBe(`${now + 2}:alice:1`);
    expect(w.host.counters.inputsLate).toBe(1);
  });

  it('counts every refusal by reason: malformed, wrong_seat, rate_limited, future, past, impossible', async () => {
    const { w, alice, bob } = await seated({
      inputRate: { framesPerSecond: 60, burst: 10 },
      maxInputAgeTicks: 3,
    });
    await w.until(() => w.room.tick >= 10, 20);
    const t = w.room.tick;
    w.raw(alice, [1, 0, 0]); // too short
    w.raw(alice, [9, 1, 2, 3]); // unknown message type
    w.raw(alice, [...frame(0, t + 3, 0, [[0, 1]]).slice(0, -1)]); // input cut off
    w.raw(bob, frame(0, t + 3, 0, [[0, 1]])); // bob names alice's seat
    w.raw(alice, frame(0, t + 1000, 1, [[0, 1]])); // far in the future
    w.raw(alice, frame(0, t - 8, 2, [[0, 1]])); // too far in the past (over 3 ticks)
    w.raw(alice, frame(0, t + 4, 3, [[0, 5]])); // a move of 5: impossible
    await w.until(() => w.room.tick >= t + 6, 20);
    expect(rejected(w.host.counters.inputsRejected)).toEqual({
      malformed: 3,
      wrong_seat: 1,
      future: 1,
      past: 1,
      impossible: 1,
    });
    expect(w.room.applied).toEqual([]);
    // Flood: a full bucket of 10 (refilled while idle), 40 frames arriving at one instant: 10 get through.
    const before = w.host.counters.inputsRejected.rate_limited;
    for (let i = 0; i < 40; i++) w.raw(bob, frame(1, w.room.tick + 5, 10 + i, [[0, 0]]));
    await w.step();
    expect(w.host.counters.inputsRejected.rate_limited - before).toBe(40 - 10);
    expect(w.room.xs).toEqual([0, 0]);
  });

  it('sends snapshots at their own rate: 20 Hz on a 60 Hz simulation', async () => {
    const { w, alice } = await seated({ snapshotRate: 20 });
    expect(alice.room.welcome?.ticksPerSnapshot).toBe(3);
    const ticks: number[] = [];
    alice.room.on('snapshot', (s) => ticks.push(s.tick));
    const sent = w.host.counters.snapshotsSent;
    await w.until(() => ticks.length >= 6, 60);
    expect(ticks.every((t) => t % 3 === 0)).toBe(true);
    expect(ticks.slice(1).map((t, i) => t - ticks[i]!)).toEqual([3, 3, 3, 3, 3]);
    // Two seats, one snapshot each per snapshot tick.
    expect((w.host.counters.snapshotsSent - sent) % 2).toBe(0);
  });

  it('the client helper sends input and ack in one packet per tick; the server then sends deltas', async () => {
    const { w, alice, bob } = await seated();
    await w.until(() => alice.room.latest !== undefined, 10);
    const stamped: number[] = [];
    for (let i = 0; i < 30; i++) {
      const frames = alice.room.counters.framesSent;
      const packets = alice.connection!.channel.counters.packetsSent;
      stamped.push(alice.room.sendInput(Uint8Array.of(1)));
      bob.room.sendAck();
      await w.step();
      expect(alice.room.counters.framesSent - frames).toBe(1);
      expect(alice.connection!.channel.counters.packetsSent - packets).toBe(1);
    }
    await w.until(() => w.room.xs[0] === 30, 20);
    expect(w.host.counters.inputsRejected).toMatchObject({ future: 0, past: 0 });
    // Every input applied at the tick it was stamped for, once the round trip is known: the first
    // (stamped before any RTT sample, and the harness ran two ticks in that step) arrives one tick
    // late and is applied at the next tick, counted as late.
    const applied = w.room.applied.filter((a) => a.includes('alice')).map((a) => Number(a.split(':')[0]));
    expect(applied.slice(1)).toEqual(stamped.slice(1));
    expect(applied[0]).toBe(stamped[0]! + 1);
    expect(w.host.counters.inputsLate).toBe(1);
    expect(alice.room.snapshots.counters.decoded).toBeGreaterThan(30);
    const latest = alice.room.latest!;
    expect(latest.full).toBe(false);
    expect(latest.entities.get(0)).toEqual({ id: 0, type: 'dot', x: 30 });
  });
});
