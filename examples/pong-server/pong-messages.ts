/**
 * The Pong game's messages over a connection. One type byte, then the body:
 *
 * | type | kind | body |
 * |---|---|---|
 * | 1 input | sequenced | i8 paddle direction (-1, 0, 1) |
 * | 2 snapshot ack | unreliable | the snapshot module's `SnapshotAck` |
 * | 3 snapshot | unreliable | the snapshot module's `SnapshotPacket` |
 * | 4 welcome | reliable | u8 side (1 or 2) |
 * | 5 game over | reliable | u8 winner, u8 score1, u8 score2 |
 *
 * Parsing never throws: anything else decodes to `undefined`, which the caller counts.
 */
import type { PaddleInput } from './pong-game.js';

export type PongMessage =
  | { type: 'input'; input: PaddleInput }
  | { type: 'ack'; body: Uint8Array }
  | { type: 'snapshot'; body: Uint8Array }
  | { type: 'welcome'; side: 1 | 2 }
  | { type: 'gameOver'; winner: 1 | 2; score1: number; score2: number };

const TYPE = { input: 1, ack: 2, snapshot: 3, welcome: 4, gameOver: 5 } as const;

export function encodePong(m: PongMessage): Uint8Array {
  switch (m.type) {
    case 'input':
      return Uint8Array.of(TYPE.input, m.input & 0xff);
    case 'ack':
    case 'snapshot': {
      const out = new Uint8Array(1 + m.body.length);
      out[0] = TYPE[m.type];
      out.set(m.body, 1);
      return out;
    }
    case 'welcome':
      return Uint8Array.of(TYPE.welcome, m.side);
    case 'gameOver':
      return Uint8Array.of(TYPE.gameOver, m.winner, m.score1, m.score2);
  }
}

export function decodePong(bytes: Uint8Array): PongMessage | undefined {
  const type = bytes[0];
  switch (type) {
    case TYPE.input: {
      if (bytes.length !== 2) return undefined;
      const v = (bytes[1]! << 24) >> 24;
      return v === -1 || v === 0 || v === 1 ? { type: 'input', input: v } : undefined;
    }
    case TYPE.ack:
      return bytes.length > 1 ? { type: 'ack', body: bytes.subarray(1) } : undefined;
    case TYPE.snapshot:
      return bytes.length > 1 ? { type: 'snapshot', body: bytes.subarray(1) } : undefined;
    case TYPE.welcome:
      return bytes.length === 2 && (bytes[1] === 1 || bytes[1] === 2)
        ? { type: 'welcome', side: bytes[1] }
        : undefined;
    case TYPE.gameOver: {
      if (bytes.length !== 4 || (bytes[1] !== 1 && bytes[1] !== 2)) return undefined;
      return { type: 'gameOver', winner: bytes[1], score1: bytes[2]!, score2: bytes[3]! };
    }
    default:
      return undefined;
  }
}

/** The connect token the demo's players present: who they are and which room they were given. */
export interface PongTicket {
  player_id: string;
  match_id: string;
  room_id: string;
}

export function encodeTicket(t: PongTicket): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(t));
}

export function decodeTicket(bytes: Uint8Array): PongTicket | undefined {
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
    const ok = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 32;
    return ok(v.player_id) && ok(v.match_id) && ok(v.room_id)
      ? { player_id: v.player_id, match_id: v.match_id, room_id: v.room_id }
      : undefined;
  } catch {
    return undefined;
  }
}
