/**
 * The example's caller identity: a JWT (HS256, signed with a secret the account service and the
 * match server share) in `Authorization: Bearer <token>`. `sub` is the player id, an optional
 * integer `rating` claim is the player's authoritative rating, `exp` is required, `aud` must be
 * `pong-match`. Made with `jose` (no dependencies, maintained, only HS256 accepted here).
 */
import type { IncomingMessage } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';
import type { Authenticate, Caller } from '../../src/matchmaking/index.js';

/** The `aud` every match token carries, so a token minted for another service is refused. */
export const MATCH_TOKEN_AUDIENCE = 'pong-match';

/** Same rule as the match API's player ids. */
const PLAYER_ID = /^[A-Za-z0-9._:-]{1,32}$/;
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** Checks a JWT secret: at least 32 bytes (HS256's key size). */
export function checkSecret(secret: Uint8Array): Uint8Array {
  if (secret.byteLength < 32) throw new Error('the match token secret must be at least 32 bytes');
  return secret;
}

/**
 * The `authenticate` hook: the caller from a valid bearer token, `null` (401) for a missing,
 * malformed, expired, wrongly signed or wrongly addressed one.
 */
export function bearerAuthenticate(secret: Uint8Array): Authenticate {
  const key = checkSecret(secret);
  return async (request: IncomingMessage): Promise<Caller | null> => {
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) return null;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience: MATCH_TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'exp'],
      });
      if (typeof payload.sub !== 'string' || !PLAYER_ID.test(payload.sub)) return null;
      const rating = payload.rating;
      if (rating === undefined) return { playerId: payload.sub };
      if (typeof rating !== 'number' || !Number.isInteger(rating) || Math.abs(rating) > 1_000_000)
        return null;
      return { playerId: payload.sub, rating };
    } catch {
      return null; // jose's JOSEError subclasses: bad signature, expired, malformed ...
    }
  };
}

/** Mints a match token, as an account service would (the demo, tests and `token.ts` use it). */
export async function signMatchToken(
  secret: Uint8Array,
  playerId: string,
  options: { rating?: number; expiresInSeconds?: number } = {},
): Promise<string> {
  const claims = options.rating === undefined ? {} : { rating: options.rating };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(playerId)
    .setAudience(MATCH_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${options.expiresInSeconds ?? 3600}s`)
    .sign(checkSecret(secret));
}
