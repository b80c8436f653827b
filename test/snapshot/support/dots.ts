/** A tiny schema whose packets are small enough to check byte by byte. */
import { BitReader } from '../../../src/snapshot/bit-reader.js';
import { type DeltaHeader, readBaselineTick, readDeltaHeader } from '../../../src/snapshot/delta-header.js';
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
 * The header of a delta packet (its baseline tick restored against `newestTick`), or undefined
 * for a full snapshot.
 * @param baselineDistance - the distance of the packet that delivered the baseline (0: full).
 */
export function deltaHeader(
  bytes: Uint8Array,
  newestTick: number,
  baselineDistance = 0,
): DeltaHeader | undefined {
  const m = pong.netcode.snapshot.SnapshotPacket.decode(bytes);
  if (m.delta.length === 0) return undefined;
  const r = new BitReader(m.delta, true);
  return readDeltaHeader(r, readBaselineTick(r, newestTick), baselineDistance);
}
