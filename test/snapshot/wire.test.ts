/**
 * The hand-written envelopes (src/snapshot/wire.ts) against protobufjs's generated code: the
 * same bytes out, and the same verdict and fields on any bytes in, canonical or not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitWriter } from '../../src/snapshot/bit-writer.js';
import { pong } from '../../src/snapshot/generated/snapshot.js';
import {
  decodeAck,
  decodePacket,
  encodeAck,
  encodeDeltaPacket,
  encodePacket,
} from '../../src/snapshot/wire.js';

const { SnapshotAck, SnapshotPacket } = pong.netcode.snapshot;
const uint32 = fc.nat({ max: 0xffff_ffff });
const list = (b: Uint8Array) => Array.from(b);

const ACK_FIELDS = ['tick', 'schemaHash', 'requestFull'];
const PACKET_FIELDS = ['tick', 'schemaHash', 'payload', 'delta'];

/** protobufjs's verdict on bytes (the fields read as the old decoders read them), in the shape of ours. */
function reference(fields: string[], decode: () => Record<string, unknown>): unknown {
  try {
    const m = decode();
    return Object.fromEntries(
      fields.map((k) => {
        const v = m[k];
        return [k, v instanceof Uint8Array || Array.isArray(v) ? Array.from(v as ArrayLike<number>) : v];
      }),
    );
  } catch (err) {
    return (err as Error).constructor.name === 'RangeError' && String(err).includes('index out of range')
      ? 'ERR_SNAPSHOT_TRUNCATED'
      : 'ERR_SNAPSHOT_MALFORMED';
  }
}

function ours(result: ReturnType<typeof decodeAck> | ReturnType<typeof decodePacket>): unknown {
  if (!result.ok) return result.error.code;
  return Object.fromEntries(
    Object.entries(result.value).map(([k, v]) => [k, v instanceof Uint8Array ? list(v) : v]),
  );
}

/** Byte strings near the canonical forms: fields of both messages, in any order, some cut short. */
const fieldBytes = fc.oneof(
  fc.tuple(fc.constantFrom(0x08, 0x18), uint32).map(([k, v]) => [k, ...varint(v)]),
  fc
    .tuple(fc.constantFrom(0x15, 0x1d), uint32)
    .map(([k, v]) => [k, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]),
  fc
    .tuple(fc.constantFrom(0x22, 0x2a), fc.uint8Array({ maxLength: 140 }))
    .map(([k, b]) => [k, ...varint(b.length), ...b]),
  fc.constantFrom([0x18, 0], [0x18, 1], [0x18, 2], [0x08, 0xff, 0xff, 0xff, 0xff, 0x1f], [0x08, 0x80]),
  fc.uint8Array({ maxLength: 3 }).map(list),
);
const nearCanonical = fc.tuple(fc.array(fieldBytes, { maxLength: 5 }), fc.nat(8)).map(([fields, cut]) => {
  const all = fields.flat();
  return Uint8Array.from(cut === 0 ? all.slice(0, Math.max(0, all.length - 1)) : all);
});

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

describe('snapshot envelopes', () => {
  it('encodeAck writes exactly what protobufjs writes', () => {
    fc.assert(
      fc.property(
        fc.oneof(uint32, fc.constant(0)),
        fc.oneof(uint32, fc.constant(0)),
        fc.boolean(),
        (tick, schemaHash, requestFull) => {
          const fields = { tick, schemaHash, requestFull };
          expect(list(encodeAck(fields))).toEqual(list(SnapshotAck.encode(fields).finish()));
        },
      ),
    );
  });

  it('encodeDeltaPacket writes exactly encodePacket({ delta: finishTrimmed() }), lengths past one varint byte included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(7), (bytes, extraBits) => {
        const writer = new BitWriter(4);
        for (const b of bytes) writer.write(b, 8);
        writer.write(0, extraBits);
        expect(list(encodeDeltaPacket(writer))).toEqual(
          list(encodePacket({ delta: writer.finishTrimmed() })),
        );
      }),
    );
  });

  it('decodeAck agrees with protobufjs on any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(nearCanonical, fc.uint8Array({ maxLength: 24 })), (bytes) => {
        expect(ours(decodeAck(bytes))).toEqual(
          reference(ACK_FIELDS, () => SnapshotAck.decode(bytes) as never),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('decodePacket agrees with protobufjs on any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(nearCanonical, fc.uint8Array({ maxLength: 24 })), (bytes) => {
        expect(ours(decodePacket(bytes))).toEqual(
          reference(PACKET_FIELDS, () => SnapshotPacket.decode(bytes) as never),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a length that runs past the end as truncated, and a 6-byte varint as malformed, as protobufjs does', () => {
    expect(ours(decodePacket(Uint8Array.of(0x2a, 5, 1, 2)))).toBe('ERR_SNAPSHOT_TRUNCATED');
    expect(ours(decodeAck(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)))).toEqual(
      reference(
        ACK_FIELDS,
        () => SnapshotAck.decode(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)) as never,
      ),
    );
    expect(ours(decodeAck(Uint8Array.of(0x15, 1, 2)))).toBe('ERR_SNAPSHOT_TRUNCATED');
  });
});
