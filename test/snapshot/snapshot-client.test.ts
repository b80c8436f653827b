import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/index.js';
import { BitWriter } from '../../src/snapshot/bit-writer.js';
import { writeDeltaHeader } from '../../src/snapshot/delta-header.js';
import { pong } from '../../src/snapshot/generated/snapshot.js';
import {
  DeltaSnapshotter,
  defineSchema,
  intField,
  SnapshotClient,
  SnapshotDecodeError,
} from '../../src/snapshot/index.js';
import { dotSchema } from './support/dots.js';

const { SnapshotAck, SnapshotPacket } = pong.netcode.snapshot;
/** A full snapshot packet with a hand-made payload. */
const packet = (tick: number, payload: number[], schemaHash: number) =>
  SnapshotPacket.encode({ tick, schemaHash, payload: new Uint8Array(payload) }).finish();
/**
 * A delta packet: the header (never "as before"), then `bits` (a string of 0/1) as the entity
 * changes.
 */
function delta(tick: number, distance: number, refDistance: number, bits = ''): Uint8Array {
  const w = new BitWriter();
  writeDeltaHeader(w, { tick, distance, refDistance, nearDistance: refDistance === 0 ? 0 : 1 }, 0);
  for (const b of bits) w.write(b === '1' ? 1 : 0, 1);
  return SnapshotPacket.encode({ delta: w.finish() }).finish();
}

function setup() {
  const server = new DeltaSnapshotter({ schema: dotSchema });
  server.addClient('a');
  const client = new SnapshotClient({ schema: dotSchema });
  return { server, client };
}

function errorCode(r: { ok: boolean; error?: SnapshotDecodeError }): string | undefined {
  if (r.ok) return undefined;
  expect(r.error).toBeInstanceOf(SnapshotDecodeError);
  return r.error!.code;
}

describe('SnapshotClient', () => {
  it('reconstructs state and acks the newest tick', () => {
    const { server, client } = setup();
    server.capture(1, [{ id: 2, type: 'dot', x: 7, on: true }]);
    const r = client.receive(server.encodeFor('a'));
    expect(r).toMatchObject({ ok: true, snapshot: { tick: 1, full: true } });
    expect(r.ok && r.snapshot.entities.get(2)).toEqual({ id: 2, type: 'dot', x: 7, on: true });
    expect(SnapshotAck.decode(client.createAck())).toMatchObject({
      tick: 1,
      schemaHash: dotSchema.hash,
      requestFull: false,
    });
    expect(client.latest?.tick).toBe(1);
  });

  it('rejects a delta against a baseline it does not hold and asks for a full snapshot', () => {
    const { client } = setup();
    const r = client.receive(delta(10, 1, 0));
    expect(errorCode(r)).toBe('ERR_SNAPSHOT_UNKNOWN_BASELINE');
    expect(client.wantsFullSnapshot).toBe(true);
    expect(SnapshotAck.decode(client.createAck())).toMatchObject({ tick: 0, requestFull: true });
    expect(client.counters.unknownBaseline).toBe(1);
    expect(client.latest).toBeUndefined();
  });

  it('rejects wrong schema, truncation, out-of-range values and bad structure without changing state', () => {
    const { server, client } = setup();
    server.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    const full = server.encodeFor('a');
    expect(errorCode(client.receive(packet(1, [0xe8, 0xc0], dotSchema.hash ^ 0x10)))).toBe(
      'ERR_SNAPSHOT_SCHEMA_MISMATCH',
    );
    expect(errorCode(client.receive(full.subarray(0, full.length - 1)))).toBe('ERR_SNAPSHOT_TRUNCATED');
    expect(errorCode(client.receive(packet(1, [0xe8], dotSchema.hash)))).toBe('ERR_SNAPSHOT_TRUNCATED');
    expect(errorCode(client.receive(packet(1, [0xe8, 0xc0, 0x00], dotSchema.hash)))).toBe(
      'ERR_SNAPSHOT_MALFORMED',
    );
    expect(errorCode(client.receive(packet(1, [0xe8, 0xc1], dotSchema.hash)))).toBe('ERR_SNAPSHOT_MALFORMED');
    expect(errorCode(client.receive(packet(0, [0xe8, 0xc0], dotSchema.hash)))).toBe('ERR_SNAPSHOT_MALFORMED');
    expect(errorCode(client.receive(new Uint8Array([0xff, 0xff, 0xff])))).toBe('ERR_SNAPSHOT_TRUNCATED');
    expect(client.latest).toBeUndefined();
    expect(client.receive(full).ok).toBe(true);
    expect(client.wantsFullSnapshot).toBe(false);
    // A skip past the baseline's one entity: skip 2 (001)
    expect(errorCode(client.receive(delta(2, 1, 0, '001')))).toBe('ERR_SNAPSHOT_MALFORMED');
    // A 1 after the end: skip 0 | mask 00 (removed) | no creation 0 | 1
    expect(errorCode(client.receive(delta(2, 1, 0, '10001')))).toBe('ERR_SNAPSHOT_MALFORMED');
    // A delta carrying full-snapshot fields as well.
    const mixed = SnapshotPacket.encode({ tick: 2, delta: new Uint8Array([0, 0x80]) }).finish();
    expect(errorCode(client.receive(mixed))).toBe('ERR_SNAPSHOT_MALFORMED');
    // Creation of entity 0, which the baseline still holds: skip 1 (to the end) | creation 1 |
    // id next 1 | mask 00
    expect(errorCode(client.receive(delta(2, 1, 0, '011100')))).toBe('ERR_SNAPSHOT_MALFORMED');
    expect(client.counters).toEqual({
      decoded: 1,
      full: 1,
      stale: 0,
      truncated: 3,
      malformed: 7,
      schemaMismatch: 1,
      unknownBaseline: 0,
    });
    expect(client.latest?.entities.get(0)).toEqual({ id: 0, type: 'dot', x: 3, on: false });
  });

  it('rejects a value outside the field range', () => {
    const schema = defineSchema({ version: 1, entities: { n: { v: intField(0, 9) } } });
    const client = new SnapshotClient({ schema });
    // creation 1 | id next 1 | mask 1 | v 1111 (15 > 9) | end 0
    const r = client.receive(packet(1, [0b1111_1110], schema.hash));
    expect(errorCode(r)).toBe('ERR_SNAPSHOT_MALFORMED');
    expect(r.ok || r.error.message).toMatch(/"v" value 15 out of range/);
    expect(client.receive(packet(1, [0b1111_0010], schema.hash))).toMatchObject({ ok: true });
    expect(client.latest?.entities.get(0)).toEqual({ id: 0, type: 'n', v: 9 });
  });

  it('restores the baseline tick from its low 10 bits across the wrap, and rejects a missing reference', () => {
    const { server, client } = setup();
    server.capture(1020, [{ id: 0, type: 'dot', x: 1, on: false }]);
    expect(client.receive(server.encodeFor('a')).ok).toBe(true);
    // tick 1030 against 1020 (distance 10): baseline restored as 1020, tick 1030, not 6.
    // skip 0 1 | mask 10 | x 1010
    const r = client.receive(delta(1030, 10, 0, '1101010'));
    expect(r.ok && r.snapshot.tick).toBe(1030);
    expect(r.ok && r.snapshot.entities.get(0)).toEqual({ id: 0, type: 'dot', x: 10, on: false });
    // a prediction reference the client does not hold (1030 - 1 - 5 = 1024)
    expect(errorCode(client.receive(delta(1031, 1, 5)))).toBe('ERR_SNAPSHOT_UNKNOWN_BASELINE');
    // Baseline 2053 has the same low bits as 1029; the window is (newest + 72 - 1024, newest + 72],
    // so it reads as 1029 and the tick as 1030: stale.
    expect(errorCode(client.receive(delta(1030 + 1024, 1, 0)))).toBe('ERR_SNAPSHOT_STALE');
    expect(client.counters).toMatchObject({ decoded: 2, unknownBaseline: 1, stale: 1 });
  });

  it('after a restart, tells an old "as before" delta that is surely stale from one it cannot place', () => {
    const { server, client } = setup();
    const sent = new Map<number, Uint8Array>();
    for (let tick = 1; tick <= 6; tick++) {
      server.capture(tick, [{ id: 0, type: 'dot', x: tick, on: false }]);
      sent.set(tick, server.encodeFor('a'));
      expect(client.receive(sent.get(tick)!).ok).toBe(true);
      server.receiveAck('a', client.createAck());
    }
    // A new client: it acks 0 (holds nothing), gets a full snapshot at tick 10, then tick 100.
    const fresh = new SnapshotClient({ schema: dotSchema });
    server.receiveAck('a', fresh.createAck());
    server.capture(10, [{ id: 0, type: 'dot', x: 10, on: false }]);
    expect(fresh.receive(server.encodeFor('a')).ok).toBe(true);
    // Tick 5's packet (a delta against 4, distance "as before") arrives late: tick 4 is one it
    // never decoded, and 4 + 72 > 10, so the delta could be newer than 10: unknown baseline.
    expect(errorCode(fresh.receive(sent.get(5)!))).toBe('ERR_SNAPSHOT_UNKNOWN_BASELINE');
    server.receiveAck('a', fresh.createAck());
    server.capture(100, [{ id: 0, type: 'dot', x: 11, on: false }]);
    expect(fresh.receive(server.encodeFor('a')).ok).toBe(true);
    expect(fresh.wantsFullSnapshot).toBe(false);
    // Now 4 + 72 <= 100: whatever its distance, it is stale, and no full snapshot is asked for.
    const r = fresh.receive(sent.get(5)!);
    expect(errorCode(r)).toBe('ERR_SNAPSHOT_STALE');
    expect(fresh.wantsFullSnapshot).toBe(false);
    expect(fresh.counters).toMatchObject({ stale: 1, unknownBaseline: 1 });
  });

  it('decodes the next delta whichever of two packets sent for one tick (two baselines) arrived', () => {
    for (const keep of ['first', 'second'] as const) {
      const { server, client } = setup();
      const dot = (x: number) => [{ id: 0, type: 'dot' as const, x, on: x % 2 === 0 }];
      server.capture(1, dot(1));
      expect(client.receive(server.encodeFor('a')).ok).toBe(true);
      server.receiveAck('a', client.createAck());
      server.capture(2, dot(2));
      expect(client.receive(server.encodeFor('a')).ok).toBe(true);
      const ack2 = client.createAck(); // held back for now
      server.capture(3, dot(3));
      const first = server.encodeFor('a'); // against 1: distance 2
      server.receiveAck('a', ack2);
      const second = server.encodeFor('a'); // against 2: distance 1
      expect(client.receive(keep === 'first' ? first : second).ok).toBe(true);
      server.receiveAck('a', client.createAck());
      server.capture(4, dot(4));
      const r = client.receive(server.encodeFor('a'));
      expect(r.ok && r.snapshot.tick).toBe(4);
      expect(r.ok && r.snapshot.entities.get(0)).toEqual({ id: 0, ...dot(4)[0] });
    }
  });

  it('rejects stale and duplicate snapshots without asking for a full one', () => {
    const { server, client } = setup();
    server.capture(1, [{ id: 0, type: 'dot', x: 1, on: false }]);
    const one = server.encodeFor('a');
    server.capture(2, [{ id: 0, type: 'dot', x: 2, on: false }]);
    const two = server.encodeFor('a');
    expect(client.receive(two).ok).toBe(true);
    expect(errorCode(client.receive(one))).toBe('ERR_SNAPSHOT_STALE');
    expect(errorCode(client.receive(two))).toBe('ERR_SNAPSHOT_STALE');
    expect(client.wantsFullSnapshot).toBe(false);
    expect(client.counters.stale).toBe(2);
  });

  it('reports decoded and rejected packets to the observer', () => {
    const events: string[] = [];
    const server = new DeltaSnapshotter({
      schema: dotSchema,
      observer: { onSnapshotEncoded: (id, bytes, full) => events.push(`enc ${id} ${bytes} ${full}`) },
    });
    server.addClient('a');
    const client = new SnapshotClient({
      schema: dotSchema,
      observer: {
        onSnapshotDecoded: (tick, bytes, full) => events.push(`dec ${tick} ${bytes} ${full}`),
        onRejected: (e) => events.push(`rej ${e.code}`),
      },
    });
    server.capture(1, [{ id: 0, type: 'dot', x: 3, on: false }]);
    const full = server.encodeFor('a');
    client.receive(full);
    client.receive(full);
    expect(events).toEqual(['enc a 11 true', 'dec 1 11 true', 'rej ERR_SNAPSHOT_STALE']);
  });

  it('validates options', () => {
    expect(() => new SnapshotClient({ schema: dotSchema, bufferSize: 2000 })).toThrow(InvalidOptionError);
    expect(() => new SnapshotClient({} as never)).toThrow(InvalidOptionError);
  });
});
