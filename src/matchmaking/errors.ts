import { markError } from '../core/errors.js';
import { NetcodeError } from '../core/index.js';

/**
 * Stable error codes of the matchmaking module. The HTTP API answers every failure with
 * `{"error": {"code": <one of these>, "message": "..."}}`.
 */
export type MatchErrorCode =
  /** The request body is not JSON or a field is missing, mistyped or out of range (400). */
  | 'ERR_MATCH_INVALID_REQUEST'
  /** The request body is larger than the server's limit (413). */
  | 'ERR_MATCH_BODY_TOO_LARGE'
  /** No such route (404). */
  | 'ERR_MATCH_NOT_FOUND'
  /** The route exists but not for this HTTP method (405). */
  | 'ERR_MATCH_METHOD_NOT_ALLOWED'
  /** Cancel or status for a player who is neither queued nor matched (404). */
  | 'ERR_MATCH_NOT_QUEUED'
  /** Cancel came too late: the player is already matched (409). */
  | 'ERR_MATCH_ALREADY_MATCHED'
  /** A waiting request ended because the player cancelled (409). */
  | 'ERR_MATCH_CANCELLED'
  /** PostgreSQL or Redis failed or is unreachable; nothing was half-done, retry later (503). */
  | 'ERR_MATCH_SERVICE_UNAVAILABLE'
  /** The server is shutting down (503). */
  | 'ERR_MATCH_SHUTTING_DOWN'
  /** No credentials, or credentials the server's `authenticate` hook did not accept (401). */
  | 'ERR_MATCH_UNAUTHENTICATED'
  /** The caller asked for or about another player, or set what its credentials fix (403). */
  | 'ERR_MATCH_FORBIDDEN'
  /** Too many requests from this address or for this player; see `Retry-After` (429). */
  | 'ERR_MATCH_RATE_LIMITED'
  /** A result report names a match that does not exist, or a winner who is not its player (404). */
  | 'ERR_MATCH_UNKNOWN_MATCH'
  /** `GET /players/<id>` for a player the server never saw (404). */
  | 'ERR_MATCH_UNKNOWN_PLAYER'
  /** A result report for a match already finished with another result (409). */
  | 'ERR_MATCH_RESULT_CONFLICT';

/** HTTP status for each {@link MatchErrorCode}. @internal */
export const matchErrorStatus: Readonly<Record<MatchErrorCode, number>> = {
  ERR_MATCH_INVALID_REQUEST: 400,
  ERR_MATCH_BODY_TOO_LARGE: 413,
  ERR_MATCH_NOT_FOUND: 404,
  ERR_MATCH_METHOD_NOT_ALLOWED: 405,
  ERR_MATCH_NOT_QUEUED: 404,
  ERR_MATCH_ALREADY_MATCHED: 409,
  ERR_MATCH_CANCELLED: 409,
  ERR_MATCH_SERVICE_UNAVAILABLE: 503,
  ERR_MATCH_SHUTTING_DOWN: 503,
  ERR_MATCH_UNAUTHENTICATED: 401,
  ERR_MATCH_FORBIDDEN: 403,
  ERR_MATCH_RATE_LIMITED: 429,
  ERR_MATCH_UNKNOWN_MATCH: 404,
  ERR_MATCH_UNKNOWN_PLAYER: 404,
  ERR_MATCH_RESULT_CONFLICT: 409,
};

/** A matchmaking failure with a stable {@link MatchErrorCode}; maps 1:1 to an HTTP answer. */
export class MatchError extends NetcodeError {
  static {
    markError(MatchError, 'MatchError');
  }

  /** The stable code. */
  declare readonly code: MatchErrorCode;

  /**
   * @param code - the stable code.
   * @param message - human-readable explanation.
   * @param options - standard `ErrorOptions` (a `cause`).
   */
  constructor(code: MatchErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return matchErrorStatus[this.code];
  }
}

/**
 * A backing store (PostgreSQL or Redis) failed. The operation was undone or never started, so
 * retrying once the store is back is safe. Code `ERR_MATCH_SERVICE_UNAVAILABLE`.
 *
 * The message only names the store (`"redis is unavailable"`), since it is sent to HTTP clients;
 * the underlying error (addresses, authentication failures) stays in `cause`, for logs.
 */
export class StoreUnavailableError extends MatchError {
  static {
    markError(StoreUnavailableError, 'StoreUnavailableError');
  }

  /**
   * @param store - which store failed (`postgres`, `redis`, ...).
   * @param cause - the underlying error.
   */
  constructor(
    /** Which store failed. */
    readonly store: string,
    cause: unknown,
  ) {
    super('ERR_MATCH_SERVICE_UNAVAILABLE', `${store} is unavailable`, { cause });
  }
}

/**
 * A request was refused by a rate limit. Code `ERR_MATCH_RATE_LIMITED`; the answer carries a
 * `Retry-After` header of {@link RateLimitedError.retryAfterSeconds}.
 */
export class RateLimitedError extends MatchError {
  static {
    markError(RateLimitedError, 'RateLimitedError');
  }

  /**
   * @param limit - which limit refused (`address` or `player`).
   * @param retryAfterSeconds - whole seconds until the limit lets a request through again.
   */
  constructor(
    /** Which limit refused: per `address` or per `player`. */
    readonly limit: 'address' | 'player',
    /** Whole seconds until a request would be let through (at least 1). */
    readonly retryAfterSeconds: number,
  ) {
    super('ERR_MATCH_RATE_LIMITED', `too many requests for this ${limit}; retry in ${retryAfterSeconds} s`);
  }
}
