import type { Connection } from '../transport/index.js';

/**
 * What a connection's connect token says about who it is: the part of the transport's
 * `VerifiedConnectToken` a room needs to seat it. Any object of that shape fits (structural), so
 * the verified token itself can be passed as is.
 */
export interface SeatClaim {
  /** The player the token was issued to: the only seat this connection may take. */
  readonly playerId: string;
  /** The match the token was issued for. */
  readonly matchId: string;
  /** The room the token was issued for. */
  readonly roomId: string;
  /**
   * Unique per issued token. A seat held by a live connection can be retaken only with the same
   * token (a reconnect from a new address); `undefined` when the token has no id.
   */
  readonly tokenId?: string;
}

/** Reads a connection's {@link SeatClaim}; `undefined` when it has none (the connection is refused). */
export type ClaimReader = (connection: Connection) => SeatClaim | undefined;

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

/** True when `v` has the shape of a {@link SeatClaim} (checked at run time: it came off the network). */
export function isSeatClaim(v: unknown): v is SeatClaim {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    isText(c.playerId) &&
    isText(c.matchId) &&
    isText(c.roomId) &&
    (c.tokenId === undefined || isText(c.tokenId))
  );
}

/**
 * The default {@link ClaimReader}, and the one seam between rooms and the connect-token layer:
 * the verified connect token on the connection (`connection.token`, sealed by the match side).
 */
export function readSeatClaim(connection: Connection): SeatClaim | undefined {
  const token: unknown = connection.token;
  return isSeatClaim(token) ? token : undefined;
}
