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
    // payload bits: more 1 | id "next" 1 | create 10 | mask x=1 on=0 | x 0011 | end 0 -> 1110 1000 110(0 0000)
    expect(hex(s.encodeFor('a'))).toBe(`0801 1d${hashHex(dotSchema.hash)} 2202 e8c0`.replace(/ /g, ''));
  });

  it('encodes a one-field change of one entity in exactly 6 bytes', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    s.receiveAck('a', ack(1));
    s.capture(2, [{ id: 0, type: 'dot', x: 4, on: false }]);
    // delta field (2a, length 04). Header: tick low bits 0000000010 | distance 1: 0 000 |
    // no reference 00 -> 00 80. Entity: more 1 | next 1 | update 0 | mask 10 | x 0100 -> d2 0(0)
    expect(hex(s.encodeFor('a'))).toBe('2a04 0080 d200'.replace(/ /g, ''));
  });

  it('sends only the 2-byte header when nothing changed, and flips booleans with no value bits', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    s.receiveAck('a', ack(1));
    s.capture(2, [{ id: 0, type: 'dot', x: 3, on: false }]);
    expect(hex(s.encodeFor('a'))).toBe('2a020080');
    s.capture(3, [{ id: 0, type: 'dot', x: 3, on: true }]);
    // tick 0000000011 | distance 2: 0 001 | no reference 00 -> 00 c4;
    // more 1 | next 1 | update 0 | mask 01 -> 1100 1(000)
    expect(hex(s.encodeFor('a'))).toBe('2a0300c4c8');
  });

  it('encodes removal and creation', () => {
    const s = server();
    s.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    s.receiveAck('a', ack(1));
    s.capture(2, [{ id: 5, type: 'dot', x: 0, on: true }]);
    // header 00 80; remove 0: 1 | 1 | 11 ; create 5 (gap 4 -> 01 + 11): 1 | 01 11 | 10 | mask 01
    // 1111 1011 1100 1(000) -> fb c8
    expect(hex(s.encodeFor('a'))).toBe('2a040080fbc8');
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
    // tick 0000000011 | distance 1: 0 000 | far reference at the same distance: 1 |
    // near reference at distance 1: 1 -> 00 c3
    expect(hex(at(3, 14))).toBe('2a0200c3');
    roller.receiveAck('a', client.createAck());
    // predicted 16, actual 17. Header: tick 0000000100 | 0 000 | 1 | 1, then the entity:
    // more 1 | next 1 | update 0 | mask 1 | tiny 1 + zigzag(+1) 00
    // -> 0000 0001 0000 0011 | 1101 100(0) = 01 03 d8
    expect(hex(at(4, 17))).toBe('2a030103d8');
    // Tick 4 unacknowledged: baseline 3; the far reference at the same distance is tick 1, the
    // near one tick 2.
    expect(deltaHeader(at(5, 20), 4)).toEqual({ tick: 5, distance: 2, refDistance: 2, nearDistance: 1 });
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
