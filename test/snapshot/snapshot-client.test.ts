import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/index.js';
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
const packet = (tick: number, baselineDistance: number, payload: number[], schemaHash = 0) =>
  SnapshotPacket.encode({ tick, baselineDistance, schemaHash, payload: new Uint8Array(payload) }).finish();

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
    const r = client.receive(packet(10, 1, [0x00]));
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
    expect(errorCode(client.receive(packet(1, 0, [0xe8, 0xc0], dotSchema.hash ^ 0x10)))).toBe(
      'ERR_SNAPSHOT_SCHEMA_MISMATCH',
    );
    expect(errorCode(client.receive(full.subarray(0, full.length - 1)))).toBe('ERR_SNAPSHOT_TRUNCATED');
    expect(errorCode(client.receive(packet(1, 0, [0xe8], dotSchema.hash)))).toBe('ERR_SNAPSHOT_TRUNCATED');
    expect(errorCode(client.receive(packet(1, 0, [0xe8, 0xc0, 0x00], dotSchema.hash)))).toBe(
      'ERR_SNAPSHOT_MALFORMED',
    );
    expect(errorCode(client.receive(packet(1, 0, [0xe8, 0xc1], dotSchema.hash)))).toBe(
      'ERR_SNAPSHOT_MALFORMED',
    );
    expect(errorCode(client.receive(packet(0, 0, [0xe8, 0xc0], dotSchema.hash)))).toBe(
      'ERR_SNAPSHOT_MALFORMED',
    );
    expect(errorCode(client.receive(new Uint8Array([0xff, 0xff, 0xff])))).toBe('ERR_SNAPSHOT_TRUNCATED');
    expect(client.latest).toBeUndefined();
    expect(client.receive(full).ok).toBe(true);
    expect(client.wantsFullSnapshot).toBe(false);
    // Update of entity 1, absent from the baseline: more 1 | near 01 + 0000 | update 0
    expect(errorCode(client.receive(packet(2, 1, [0b1010_0000, 0x00])))).toBe('ERR_SNAPSHOT_MALFORMED');
    expect(client.counters).toEqual({
      decoded: 1,
      full: 1,
      stale: 0,
      truncated: 3,
      malformed: 4,
      schemaMismatch: 1,
      unknownBaseline: 0,
    });
    expect(client.latest?.entities.get(0)).toEqual({ id: 0, type: 'dot', x: 3, on: false });
  });

  it('rejects a value outside the field range', () => {
    const schema = defineSchema({ version: 1, entities: { n: { v: intField(0, 9) } } });
    const client = new SnapshotClient({ schema });
    // more 1 | next 1 | create 10 | mask 1 | v 1111 (15 > 9) | end 0
    const r = client.receive(packet(1, 0, [0b1110_1111, 0b1000_0000], schema.hash));
    expect(errorCode(r)).toBe('ERR_SNAPSHOT_MALFORMED');
    expect(r.ok || r.error.message).toMatch(/"v" value 15 out of range/);
    expect(client.receive(packet(1, 0, [0b1110_1100, 0b1000_0000], schema.hash))).toMatchObject({ ok: true });
    expect(client.latest?.entities.get(0)).toEqual({ id: 0, type: 'n', v: 9 });
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
