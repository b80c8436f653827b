/** Packet numbers remembered per direction (netcode.io: 256). @internal */
export const REPLAY_WINDOW = 256;

/**
 * Replay protection for one direction of a sealed connection (netcode.io's algorithm, in the
 * channel's `SequenceBuffer` shape): a ring of the last {@link REPLAY_WINDOW} packet numbers
 * received. A number more than the window behind the newest is refused as too old; one inside it
 * is refused if it, or a newer number sharing its slot, was received. Check with
 * {@link ReplayWindow.seen} before opening a packet and {@link ReplayWindow.accept} only after its
 * tag verified, so forged packets move nothing.
 * @internal
 */
export class ReplayWindow {
  /** Newest packet number accepted, -1 before the first. */
  private newest = -1;
  private readonly slots = new Float64Array(REPLAY_WINDOW).fill(-1);

  /** Why `packetNumber` must be refused (`too_old`, `duplicate`), or `undefined` when it is new. */
  seen(packetNumber: number): 'too_old' | 'duplicate' | undefined {
    if (packetNumber + REPLAY_WINDOW <= this.newest) return 'too_old';
    const held = this.slots[packetNumber % REPLAY_WINDOW]!;
    return held >= packetNumber ? 'duplicate' : undefined;
  }

  /** Records an authenticated packet number. */
  accept(packetNumber: number): void {
    this.slots[packetNumber % REPLAY_WINDOW] = packetNumber;
    if (packetNumber > this.newest) this.newest = packetNumber;
  }
}
