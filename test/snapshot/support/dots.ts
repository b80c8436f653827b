/** A tiny schema whose packets are small enough to check byte by byte. */
import { BitReader } from '../../../src/snapshot/bit-reader.js';
import { type DeltaHeader, readDeltaHeader } from '../../../src/snapshot/delta-header.js';
import { pong } from '../../../src/snapshot/generated/snapshot.js';
import { boolField, defineSchema, intField } from '../../../src/snapshot/index.js';

export const dotSchema = defineSchema({
  version: 7,
  entities: { dot: { x: intField(0, 15), on: boolField() } },
});

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The schema hash as it appears on the wire (fixed32, little-endian). */
export function hashHex(hash: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(hash);
  return b.toString('hex');
}

/**
 * The header of a delta packet (its tick restored against `newestTick`), or undefined for a full
 * snapshot.
 */
export function deltaHeader(bytes: Uint8Array, newestTick: number): DeltaHeader | undefined {
  const m = pong.netcode.snapshot.SnapshotPacket.decode(bytes);
  return m.delta.length === 0 ? undefined : readDeltaHeader(new BitReader(m.delta), newestTick);
}
