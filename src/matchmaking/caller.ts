import type { IncomingMessage } from 'node:http';

/** Who is calling the match API, as {@link Authenticate} established it from the credentials. */
export interface Caller {
  /** The player the credentials belong to: the only player this caller may queue, read or cancel. */
  readonly playerId: string;
  /**
   * The player's rating when the credentials carry one (e.g. a claim signed by the account
   * service). It is then authoritative: it is stored, and a request naming another rating is
   * refused 403. Without it, a request's rating is only a claim (see {@link MatchServer}).
   */
  readonly rating?: number;
}

/**
 * Establishes the caller of a match API request from its credentials (a bearer token, a session
 * cookie, a client certificate ...). Resolve `null` to refuse the request: 401
 * `ERR_MATCH_UNAUTHENTICATED`. A thrown {@link MatchError} is answered as it is; any other throw
 * (the identity service is down) answers 503 `ERR_MATCH_SERVICE_UNAVAILABLE`.
 *
 * It runs after the per-address rate limit, so its cost per address is bounded by that limit.
 */
export type Authenticate = (request: IncomingMessage) => Caller | null | Promise<Caller | null>;

/**
 * Why the match server refused a request or a connection, as counted by
 * {@link MatchObserver.requestRefused}:
 * - `connection_limit`: a TCP connection over the per-address connection cap (closed at once);
 * - `address_rate`: the address' token bucket was empty (429);
 * - `player_rate`: the caller's token bucket was empty (429);
 * - `unauthenticated`: no or bad credentials (401);
 * - `forbidden`: a request for another player, or a rating other than the credentials' (403);
 * - `result_signature`: a `POST /match/result` without a valid signature (401);
 * - `result_stale`: a signed result report stamped outside the allowed window, e.g. a replay (401).
 */
export type MatchRefusal =
  | 'connection_limit'
  | 'address_rate'
  | 'player_rate'
  | 'unauthenticated'
  | 'forbidden'
  | 'result_signature'
  | 'result_stale';

/** Every {@link MatchRefusal}, in a fixed order (for metrics). */
export const MATCH_REFUSALS: readonly MatchRefusal[] = Object.freeze([
  'connection_limit',
  'address_rate',
  'player_rate',
  'unauthenticated',
  'forbidden',
  'result_signature',
  'result_stale',
]);
