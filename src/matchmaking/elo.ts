/** The Elo K-factor the match server uses unless told otherwise: at most 32 points move per match. */
export const DEFAULT_ELO_K = 32;

/**
 * The rating changes of one decided match under Elo: the winner's expected score is
 * `1 / (1 + 10^((loser - winner) / 400))` and the winner gains `round(k * (1 - expected))`; the
 * loser loses exactly as much, so ratings stay integers and the sum of all ratings never moves.
 * Pong has no draws.
 *
 * @param winner - the winner's rating before the match.
 * @param loser - the loser's rating before the match.
 * @param k - the K-factor (default {@link DEFAULT_ELO_K}).
 * @returns the points the winner gains (the loser loses the same).
 */
export function eloGain(winner: number, loser: number, k = DEFAULT_ELO_K): number {
  const expected = 1 / (1 + 10 ** ((loser - winner) / 400));
  return Math.round(k * (1 - expected));
}
