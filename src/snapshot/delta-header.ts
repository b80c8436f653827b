/**
 * @internal The bit-packed header of a delta (wire version 3): the baseline tick's low bits, the
 * distance to the tick (usually "as before": the distance of the packet that delivered the
 * baseline) and the predictor's reference distances. Layout in docs/snapshots.md.
 */
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';
import { SnapshotMalformedError } from './errors.js';

/** Low bits of the baseline tick sent in a delta; the client restores the rest from its newest tick. */
export const TICK_BITS = 10;
/** Largest baseline (or reference) distance a delta can name; older baselines get full snapshots. */
export const MAX_DISTANCE = 72;

/** What a delta's header says. */
export interface DeltaHeader {
  /** Server tick (absolute, restored on the client). */
  readonly tick: number;
  /** Tick minus baseline tick, 1 to {@link MAX_DISTANCE}. */
  readonly distance: number;
  /** Baseline tick minus the prediction's far reference tick, 1 to {@link MAX_DISTANCE}; 0 = no prediction. */
  readonly refDistance: number;
  /** Baseline tick minus the near reference tick (1 to `refDistance`); 0 when `refDistance` is. */
  readonly nearDistance: number;
}

/** `0` + 3 bits for 1..8, `1` + 6 bits for 9..72. */
function writeDistance(w: BitWriter, d: number): void {
  if (d <= 8) {
    w.write(0, 1);
    w.write(d - 1, 3);
  } else {
    w.write(1, 1);
    w.write(d - 9, 6);
  }
}

function readDistance(r: BitReader): number {
  return r.read(1) === 0 ? r.read(3) + 1 : r.read(6) + 9;
}

/**
 * Writes a delta header.
 * @param baselineDistance - the distance of the delta that delivered the baseline to this client
 * (0 when it came in a full snapshot or is not known for sure): the one-bit "as before" code
 * stands for it.
 */
export function writeDeltaHeader(w: BitWriter, h: DeltaHeader, baselineDistance: number): void {
  w.write((h.tick - h.distance) % 2 ** TICK_BITS, TICK_BITS);
  const same = h.distance === baselineDistance;
  if (same && h.refDistance === h.distance && h.nearDistance === 1) {
    w.write(1, 1); // the usual case: as before, predicted along the baseline's own distance and 1
    return;
  }
  w.write(0, 1);
  if (same) {
    w.write(1, 1);
  } else {
    w.write(0, 1);
    writeDistance(w, h.distance);
  }
  if (h.refDistance === h.distance) {
    w.write(1, 1);
  } else if (h.refDistance === 0) {
    w.write(0b00, 2);
    return;
  } else {
    w.write(0b01, 2);
    writeDistance(w, h.refDistance);
  }
  if (h.nearDistance === 1) {
    w.write(1, 1);
  } else {
    w.write(0, 1);
    writeDistance(w, h.nearDistance);
  }
}

/**
 * Reads the baseline tick of a delta: the tick with the sent low bits in
 * `(newestTick + MAX_DISTANCE - 2^TICK_BITS, newestTick + MAX_DISTANCE]`. A baseline is a tick
 * the client acknowledged, so never newer than its newest, except for a client that restarted
 * and is sent a delta against a tick its predecessor acknowledged: the window reaches that far
 * ahead so that such a baseline reads as one the client does not hold (not as an older tick, which
 * would make the delta look stale and leave the client waiting). A packet whose baseline is older
 * than the window would be misread, see the docs.
 * @returns the baseline tick; < 1 when the client is far behind (then it holds no baseline).
 */
export function readBaselineTick(r: BitReader, newestTick: number): number {
  const low = r.read(TICK_BITS);
  const span = 2 ** TICK_BITS;
  const high = newestTick + MAX_DISTANCE;
  return high - ((((high - low) % span) + span) % span);
}

/**
 * Reads the rest of a delta header, after {@link readBaselineTick}.
 * @param baselineDistance - the distance of the delta that delivered the baseline, 0 when it came
 * in a full snapshot, undefined when the client does not know it; the "as before" code needs it.
 * @returns the header, or undefined when it says "as before" and `baselineDistance` is undefined.
 * @throws SnapshotMalformedError when it says "as before" of a baseline that came in a full snapshot.
 */
export function readDeltaHeader(
  r: BitReader,
  baselineTick: number,
  baselineDistance: number | undefined,
): DeltaHeader | undefined {
  const usual = r.read(1) === 1;
  const same = usual || r.read(1) === 1;
  if (same && baselineDistance === undefined) return undefined;
  if (same && baselineDistance === 0)
    throw new SnapshotMalformedError(`"as before" distance of baseline ${baselineTick}, a full snapshot`);
  const distance = same ? baselineDistance! : readDistance(r);
  const tick = baselineTick + distance;
  if (usual) return { tick, distance, refDistance: distance, nearDistance: 1 };
  const refDistance = r.read(1) === 1 ? distance : r.read(1) === 0 ? 0 : readDistance(r);
  const nearDistance = refDistance === 0 ? 0 : r.read(1) === 1 ? 1 : readDistance(r);
  return { tick, distance, refDistance, nearDistance };
}
