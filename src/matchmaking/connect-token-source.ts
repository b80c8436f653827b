import type { decodeMatchRoster, encodeMatchRoster } from './match-roster.js';

/**
 * What a match grants one player, handed to {@link ConnectTokenSource.issue}. The same shape as the
 * transport module's `ConnectTokenGrant` (this module does not import it), so a
 * `ConnectTokenIssuer` from `@pong/netcode/transport` is a {@link ConnectTokenSource} as it is.
 */
export interface MatchTokenGrant {
  /** The player the token admits. */
  readonly playerId: string;
  /** The match the player was put in. */
  readonly matchId: string;
  /** The match's room. */
  readonly roomId: string;
  /** `host:port` of the game server the client dials (the match's `game_server`). */
  readonly serverAddress: string;
  /** The match's players, {@link encodeMatchRoster | encoded}: read it with {@link decodeMatchRoster}. */
  readonly userData: Uint8Array;
}

/**
 * Issues connect tokens for made matches: the match server adds the token, base64, to a matched
 * player's answer as `connect_token`. Typically a `ConnectTokenIssuer` sharing its key with the
 * game servers.
 */
export interface ConnectTokenSource {
  /** The public connect token the client receives for `grant`. */
  issue(grant: MatchTokenGrant): Uint8Array;
}
