/**
 * @internal The bit-packed header of a delta (wire version 2): the tick's low bits, the baseline
 * distance and the predictor's reference distance. Layout in docs/snapshots.md.
 */
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';

/** Low bits of the tick sent in a delta; the client restores the rest from its newest tick. */
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

export function writeDeltaHeader(w: BitWriter, h: DeltaHeader): void {
  w.write(h.tick % 2 ** TICK_BITS, TICK_BITS);
  writeDistance(w, h.distance);
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
 * Reads a delta header. The tick is the one with the sent low bits in
 * `(newestTick + MAX_DISTANCE - 2^TICK_BITS, newestTick + MAX_DISTANCE]`: a delta is never more
 * than `MAX_DISTANCE` ahead of a baseline the client acknowledged, so never that far ahead of its
 * newest tick; a packet older than the window's back end would be misread (see the docs).
 * @returns the header; `tick` may be < 1 when the client is far behind (then it holds no baseline).
 */
export function readDeltaHeader(r: BitReader, newestTick: number): DeltaHeader {
  const low = r.read(TICK_BITS);
  const span = 2 ** TICK_BITS;
  const high = newestTick + MAX_DISTANCE;
  const tick = high - ((((high - low) % span) + span) % span);
  const distance = readDistance(r);
  const refDistance = r.read(1) === 1 ? distance : r.read(1) === 0 ? 0 : readDistance(r);
  const nearDistance = refDistance === 0 ? 0 : r.read(1) === 1 ? 1 : readDistance(r);
  return { tick, distance, refDistance, nearDistance };
}
