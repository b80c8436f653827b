/**
 * A match's roster in its connect tokens: the match server puts every player of the match into
 * the `userData` of each token it issues, so a game server learns a room's players from the first
 * token that reaches it, sealed by the match side, with no store lookup on the connect path.
 *
 * Format: the player ids as a JSON array of strings (UTF-8), in the match's player order.
 */

/** Most bytes a roster may take (a connect token's user data holds 256). */
export const MAX_ROSTER_BYTES = 256;

/**
 * Encodes a match's player ids for a connect token's `userData`.
 *
 * @returns the bytes, or `undefined` when they would not fit {@link MAX_ROSTER_BYTES}.
 */
export function encodeMatchRoster(players: readonly string[]): Uint8Array | undefined {
  const bytes = new TextEncoder().encode(JSON.stringify(players));
  return bytes.length <= MAX_ROSTER_BYTES ? bytes : undefined;
}

/**
 * Reads the roster a connect token carries. The bytes were sealed by the match side, but are
 * still read defensively: anything but a JSON array of 1-16 distinct non-empty strings is
 * `undefined`.
 */
export function decodeMatchRoster(bytes: Uint8Array): string[] | undefined {
  if (bytes.length === 0 || bytes.length > MAX_ROSTER_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > 16) return undefined;
  if (!value.every((v) => typeof v === 'string' && v.length > 0)) return undefined;
  if (new Set(value).size !== value.length) return undefined;
  return value as string[];
}
