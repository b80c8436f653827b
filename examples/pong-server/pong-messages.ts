/**
 * Pong's own messages, inside the room envelope of `@pong/netcode/server` (which carries the
 * welcome, the inputs with their ticks and the snapshots):
 *
 * | message | kind | bytes |
 * |---|---|---|
 * | input | in the room's input frames | i8 paddle direction (-1, 0, 1) |
 * | game over | reliable game message | u8 5, u8 winner, u8 score1, u8 score2 |
 *
 * Parsing never throws: anything else decodes to `undefined`, which the caller counts.
 */
import type { PaddleInput } from './pong-game.js';

/** Bytes of one Pong input. */
export const PONG_INPUT_BYTES = 1;

export function encodeInput(input: PaddleInput): Uint8Array {
  return Uint8Array.of(input & 0xff);
}

/** The direction in an input, or `undefined` for anything but -1, 0 or 1. */
export function decodeInput(bytes: Uint8Array): PaddleInput | undefined {
  if (bytes.length !== PONG_INPUT_BYTES) return undefined;
  const v = (bytes[0]! << 24) >> 24;
  return v === -1 || v === 0 || v === 1 ? v : undefined;
}

/** The end of a match. */
export interface GameOver {
  winner: 1 | 2;
  score1: number;
  score2: number;
}

const GAME_OVER = 5;

export function encodeGameOver(m: GameOver): Uint8Array {
  return Uint8Array.of(GAME_OVER, m.winner, m.score1, m.score2);
}

export function decodeGameOver(bytes: Uint8Array): GameOver | undefined {
  if (bytes.length !== 4 || bytes[0] !== GAME_OVER || (bytes[1] !== 1 && bytes[1] !== 2)) return undefined;
  return { winner: bytes[1], score1: bytes[2]!, score2: bytes[3]! };
}
