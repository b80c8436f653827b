import { InvalidOptionError } from '../core/index.js';
import type { EntityRecord } from './schema.js';

/** @internal One captured or decoded snapshot: its tick and its entities sorted by id. */
export interface Frame {
  readonly tick: number;
  readonly records: readonly EntityRecord[];
}

/**
 * @internal Fixed-size ring of frames indexed by `tick % size`. A lookup checks the stored tick,
 * so a frame overwritten by a newer one reads as absent, never as the wrong frame.
 */
export class FrameRing {
  private readonly slots: (Frame | undefined)[];

  /**
   * A ring sized by a user's `bufferSize` option (default 32), validated.
   * @throws InvalidOptionError unless it is an integer in [2, 1024].
   */
  static fromOption(bufferSize: number | undefined): FrameRing {
    const size = bufferSize ?? 32;
    if (!Number.isInteger(size) || size < 2 || size > 1024)
      throw new InvalidOptionError('bufferSize', `must be an integer in [2, 1024], got ${size}`);
    return new FrameRing(size);
  }

  /** @param size - number of slots. */
  constructor(readonly size: number) {
    this.slots = new Array<Frame | undefined>(size).fill(undefined);
  }

  /** Stores a frame, replacing whatever shared its slot. */
  put(frame: Frame): void {
    this.slots[frame.tick % this.size] = frame;
  }

  /** @returns the frame of exactly this tick, if still held. */
  get(tick: number): Frame | undefined {
    const f = this.slots[tick % this.size];
    return f !== undefined && f.tick === tick ? f : undefined;
  }

  /** Forgets every frame. */
  clear(): void {
    this.slots.fill(undefined);
  }
}
