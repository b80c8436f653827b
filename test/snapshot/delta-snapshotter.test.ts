import { describe, expect, it } from 'vitest';
import { InvalidOptionError, InvalidStateError } from '../../src/core/index.js';
import { pong } from '../../src/snapshot/generated/snapshot.js';
import {
  DeltaSnapshotter,
  defineSchema,
  floatField,
  InvalidEntityError,
  SnapshotClient,
  type SnapshotObserver,
} from '../../src/snapshot/index.js';
import { deltaHeader, dotSchema, hashHex, hex } from './support/dots.js';

const { SnapshotAck, SnapshotPacket } = pong.netcode.snapshot;
const rollSchema = defineSchema({ version: 1, entities: { ball: { x: floatField(0, 100, 1) } } });
const ack = (tick: number, requestFull = false, schemaHash = dotSchema.hash) =>
  SnapshotAck.encode({ tick, schemaHash, requestFull }).finish();

function server(bufferSize = 4) {
  const s = new DeltaSnapshotter({ schema: dotSchema, bufferSize });
  s.addClient('a');
  return s;
}

describe('DeltaSnapshotter wire bytes', () => {
  it('encodes a full snapshot in exactly 11 bytes', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    // payload bits: creation 1 | id "next" 1 | mask x=1 on=0 | x 0011 | end 0 -> 1110 0011 0(000 0000)
    expect(hex(s.encodeFor('a'))).toBe(`0801 1d${hashHex(dotSchema.hash)} 2202 e300`.replace(/ /g, ''));
  });

  it('encodes a one-field change of one entity in exactly 5 bytes', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    s.receiveAck('a', ack(1));
    s.capture(2, [{ id: 0, type: 'dot', x: 4, on: false }]);
    // delta field (2a, length 03). Header: baseline tick low bits 0000000001 | not the usual 0 |
    // distance not as before 0, then 1: 0 000 | no reference 00. Entity: skip 0: 1 | mask 10 |
    // x 0100 -> 0000 0000 0100 0000 0011 0010 0(000 0000): the zero last byte is not sent.
    expect(hex(s.encodeFor('a'))).toBe('2a03 0040 32'.replace(/ /g, ''));
  });

  it('sends only the header when nothing changed, and flips booleans with no value bits', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    s.receiveAck('a', ack(1));
    s.capture(2, [{ id: 0, type: 'dot', x: 3, on: false }]);
    // 0000000001 | 0 | 0 0 000 | 00, nothing listed: 00 40 (00)
    expect(hex(s.encodeFor('a'))).toBe('2a020040');
    s.capture(3, [{ id: 0, type: 'dot', x: 3, on: true }]);
    // baseline 0000000001 | 0 | distance 2: 0 0 001 | no reference 00 -> 00 41 + 00;
    // skip 0: 1 | mask 01 -> 0010 1(000)
    expect(hex(s.encodeFor('a'))).toBe('2a03004128');
  });

  it('encodes removal and creation', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    s.receiveAck('a', ack(1));
    s.capture(2, [{ id: 5, type: 'dot', x: 0, on: true }]);
    // header 00 40 + 00; remove 0: skip 0 1 | mask 00; create 5 (gap 5 from -1: 001 + 0000):
    // 1 | 001 0000 | mask 01 -> 0010 0100 1000 0010 -> 24 82
    expect(hex(s.encodeFor('a'))).toBe('2a0400402482');
  });

  it('predicts along two acknowledged snapshots and names the reference', () => {
    const client = new SnapshotClient({ schema: rollSchema, bufferSize: 8 });
    const roller = new DeltaSnapshotter({ schema: rollSchema, bufferSize: 8 });
    roller.addClient('a');
    const at = (tick: number, x: number) => {
      roller.capture(tick, [{ id: 0, type: 'ball', x }]);
      const bytes = roller.encodeFor('a');
      const r = client.receive(bytes);
      expect(r.ok && r.snapshot.entities.get(0)).toEqual({ id: 0, type: 'ball', x });
      return bytes;
    };
    at(1, 10);
    roller.receiveAck('a', client.createAck());
    at(2, 12);
    roller.receiveAck('a', client.createAck());
    // x moves 2 per tick: 2 * 12 - 10 = 14 is predicted exactly, so nothing is listed.
    // baseline 0000000010 | the usual 1: distance as before (tick 2 came at distance 1), far
    // reference at that distance (tick 1), near at 1 (tick 1) -> 00 a(0)
    expect(hex(at(3, 14))).toBe('2a0200a0');
    roller.receiveAck('a', client.createAck());
    // predicted 16, actual 17. Header: baseline 0000000011 | 1, then the entity:
    // skip 0: 1 | mask 1 | tiny 1 + zigzag(+1) 00 -> 0000 0000 1111 1100 = 00 fc
    expect(hex(at(4, 17))).toBe('2a0200fc');
    // Tick 4 unacknowledged: baseline 3 at distance 2, not as before; the far reference at the
    // same distance is tick 1, the near one tick 2.
    expect(deltaHeader(at(5, 20), 4, 1)).toEqual({ tick: 5, distance: 2, refDistance: 2, nearDistance: 1 });
  });
});

describe('DeltaSnapshotter wire v3 paths', () => {
  const usualBit = (bytes: Uint8Array) => SnapshotPacket.decode(bytes).delta[1]! & 0x20; // bit 10 of the delta

  it('says "as before" in one bit only when the baseline tick went out to the client at one distance', () => {
    const s = server(8);
    const client = new SnapshotClient({ schema: dotSchema, bufferSize: 8 });
    const step = (tick: number) => {
      s.capture(tick, [{ id: 0, type: 'dot', x: tick % 16, on: false }]);
      const bytes = s.encodeFor('a');
      expect(client.receive(bytes).ok).toBe(true);
      s.receiveAck('a', client.createAck());
      return bytes;
    };
    step(1); // full
    expect(usualBit(step(2))).toBe(0); // baseline 1 came full: distance spelled out
    expect(usualBit(step(3))).toBe(0x20); // baseline 2 came at distance 1, and so does tick 3
    // Tick 4 goes out twice, as a delta and (after a full request) as a full snapshot: the client
    // may hold either, so deltas against tick 4 spell their distance out.
    s.capture(4, [{ id: 0, type: 'dot', x: 4, on: false }]);
    const first = s.encodeFor('a');
    s.receiveAck('a', ack(3, true));
    expect(client.receive(s.encodeFor('a')).ok).toBe(true);
    expect(client.receive(first).ok).toBe(false); // stale
    s.receiveAck('a', client.createAck());
    expect(usualBit(step(5))).toBe(0);
    expect(usualBit(step(6))).toBe(0x20);
    expect(client.latest?.entities.get(0)).toEqual({ id: 0, type: 'dot', x: 6, on: false });
  });

  it('codes a stuttering entity against the alternative prediction when that is cheaper', () => {
    const paddle = defineSchema({ version: 1, entities: { p: { y: floatField(0, 10000, 1) } } });
    const s = new DeltaSnapshotter({ schema: paddle });
    const client = new SnapshotClient({ schema: paddle });
    s.addClient('a');
    const inFlight: Uint8Array[] = [];
    let y = 1000;
    let bytes = 0;
    for (let tick = 1; tick <= 80; tick++) {
      // Moves 2 ticks in 3: over the 3 ticks between baseline and tick, the far line (3 ticks
      // back) is exact, the near one (1 tick back) is 120 off; packets say "the alternative".
      y += tick % 3 !== 0 ? 120 : 0;
      s.capture(tick, [{ id: 0, type: 'p', y }]);
      inFlight.push(s.encodeFor('a'));
      bytes += inFlight.at(-1)!.length;
      if (inFlight.length > 3) {
        const r = client.receive(inFlight.shift()!); // 3 ticks late
        expect(r.ok && r.snapshot.entities.get(0)?.y).toBe(
          1000 + 120 * (r.ok ? stutterMoves(r.snapshot.tick) : 0),
        );
        s.receiveAck('a', client.createAck());
      }
    }
    expect(bytes / 80).toBeLessThan(6);
  });

  it('skips long runs of unchanged entities with a gamma code and codes removals as empty masks', () => {
    const s = server();
    const client = new SnapshotClient({ schema: dotSchema });
    const world = (last: number, drop = -1) =>
      Array.from({ length: 40 }, (_, id) => ({
        id,
        type: 'dot' as const,
        x: id === 39 ? last : 1,
        on: false,
      })).filter((e) => e.id !== drop);
    s.capture(1, world(1));
    expect(client.receive(s.encodeFor('a')).ok).toBe(true);
    s.receiveAck('a', client.createAck());
    s.capture(2, world(2, 3));
    // header 18 bits | skip 3: 000 + gamma(1) 1 | removal 00 | skip 35: 000 + gamma(33) 00000 100001
    // | mask 10 | x 0010 -> 47 bits, 6 bytes
    const bytes = s.encodeFor('a');
    expect(SnapshotPacket.decode(bytes).delta.length).toBe(6);
    const r = client.receive(bytes);
    expect(r.ok && r.snapshot.entities.size).toBe(39);
    expect(r.ok && r.snapshot.entities.get(39)).toEqual({ id: 39, type: 'dot', x: 2, on: false });
  });
});

describe('DeltaSnapshotter baselines', () => {
  it('falls back to a full snapshot when the acked baseline has left the ring', () => {
    const s = server(4);
    const client = new SnapshotClient({ schema: dotSchema, bufferSize: 4 });
    s.capture(1, [{ id: 0, type: 'dot', x: 1, on: false }]);
    expect(client.receive(s.encodeFor('a')).ok).toBe(true);
    expect(s.receiveAck('a', client.createAck())).toEqual({ ok: true, baselineTick: 1 });
    for (let t = 2; t <= 4; t++) s.capture(t, [{ id: 0, type: 'dot', x: t, on: false }]);
    expect(deltaHeader(s.encodeFor('a'), 1)).toEqual({
      tick: 4,
      distance: 3,
      refDistance: 0,
      nearDistance: 0,
    });
    s.capture(5, [{ id: 0, type: 'dot', x: 5, on: false }]); // tick 1 is overwritten by tick 5
    const full = SnapshotPacket.decode(s.encodeFor('a'));
    expect(full.delta.length).toBe(0);
    expect(full.tick).toBe(5);
    expect(full.schemaHash).toBe(dotSchema.hash);
    expect(s.counters).toMatchObject({ fullSnapshots: 2, deltaSnapshots: 1, baselinesExpired: 1 });
    const r = client.receive(s.encodeFor('a'));
    expect(r.ok && [...r.snapshot.entities.values()]).toEqual([{ id: 0, type: 'dot', x: 5, on: false }]);
  });

  it('gives a late joiner a full snapshot while others get deltas, sharing cached bytes', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 1, on: false }]);
    s.encodeFor('a');
    s.receiveAck('a', ack(1));
    s.capture(2, [
      { id: 0, type: 'dot', x: 2, on: false },
      { id: 1, type: 'dot', x: 9, on: true },
    ]);
    s.addClient('late');
    s.addClient('late2');
    const late = s.encodeFor('late');
    expect(s.encodeFor('late2')).toBe(late);
    expect(deltaHeader(late, 0)).toBeUndefined();
    expect(deltaHeader(s.encodeFor('a'), 1)).toEqual({
      tick: 2,
      distance: 1,
      refDistance: 0,
      nearDistance: 0,
    });
    const client = new SnapshotClient({ schema: dotSchema });
    const r = client.receive(late);
    expect(r.ok && [...r.snapshot.entities.keys()]).toEqual([0, 1]);
  });

  it('moves the baseline only forward, resets it on a full request, and counts bad acks', () => {
    const rejected: string[] = [];
    const observer: SnapshotObserver = { onRejected: (e, id) => rejected.push(`${id}:${e.code}`) };
    const s = new DeltaSnapshotter({ schema: dotSchema, observer });
    s.addClient('a');
    for (let t = 1; t <= 3; t++) s.capture(t, [{ id: 0, type: 'dot', x: t, on: false }]);
    expect(s.receiveAck('a', ack(2))).toEqual({ ok: true, baselineTick: 2 });
    expect(s.receiveAck('a', ack(1))).toEqual({ ok: true, baselineTick: 2 });
    expect(s.receiveAck('a', ack(2, true))).toEqual({ ok: true, baselineTick: 0 });
    expect(s.receiveAck('a', ack(3))).toEqual({ ok: true, baselineTick: 3 });
    expect(s.receiveAck('a', ack(0))).toEqual({ ok: true, baselineTick: 0 }); // a restarted client holds nothing
    expect(s.receiveAck('a', ack(9)).ok).toBe(false);
    expect(s.receiveAck('a', ack(3, false, dotSchema.hash ^ 1)).ok).toBe(false);
    expect(s.receiveAck('a', new Uint8Array([0x0a, 0x05])).ok).toBe(false);
    expect(s.receiveAck('a', new Uint8Array([0x08])).ok).toBe(false);
    expect(rejected).toEqual([
      'a:ERR_SNAPSHOT_MALFORMED',
      'a:ERR_SNAPSHOT_SCHEMA_MISMATCH',
      'a:ERR_SNAPSHOT_TRUNCATED',
      'a:ERR_SNAPSHOT_TRUNCATED',
    ]);
    expect(s.counters).toMatchObject({ acksAccepted: 5, acksRejected: 4, fullRequests: 1 });
  });
});

describe('DeltaSnapshotter validation', () => {
  it('validates options, ticks, entities and clients', () => {
    expect(() => new DeltaSnapshotter({ schema: dotSchema, bufferSize: 1 })).toThrow(InvalidOptionError);
    const s = server();
    expect(() => s.encodeFor('a')).toThrow(InvalidStateError);
    expect(() => s.encodeFor('nobody')).toThrow(InvalidStateError);
    expect(() => s.addClient('a')).toThrow(InvalidStateError);
    s.capture(5, []);
    expect(() => s.capture(5, [])).toThrow(InvalidOptionError);
    expect(() => s.capture(6.5, [])).toThrow(InvalidOptionError);
    expect(() =>
      s.capture(6, [
        { id: 1, type: 'dot', x: 1, on: false },
        { id: 1, type: 'dot', x: 2, on: false },
      ]),
    ).toThrow(InvalidEntityError);
    expect(() => s.capture(6, [{ id: 1, type: 'dot', x: 16, on: false }])).toThrow(InvalidEntityError);
    expect(s.latestTick).toBe(5);
    expect(s.removeClient('a')).toBe(true);
    expect(s.clientCount).toBe(0);
  });
});

/** Moves of the stuttering paddle up to `tick`. */
function stutterMoves(tick: number): number {
  let n = 0;
  for (let t = 1; t <= tick; t++) if (t % 3 !== 0) n++;
  return n;
}
