import { DEFAULT_ELO_K, eloGain } from './elo.js';
import type { MatchEnding, MatchResult } from './match-result.js';
import type { SqlClient } from './sql-client.js';

/** A result stored by {@link MatchResults.record}: ratings updated, players freed. */
export interface RecordedOutcome {
  /** Always `recorded`. */
  readonly state: 'recorded';
  /** The first player's rating change (the match's `player1_id`). */
  readonly ratingChange1: number;
  /** The second player's rating change (always `-ratingChange1`). */
  readonly ratingChange2: number;
}

/** A report {@link MatchResults.record} changed nothing for. */
export interface UnchangedOutcome {
  /**
   * `duplicate`: the same result was already stored (a retried or replayed report);
   * `conflict`: the match was already finished with another result (or by the sweeper);
   * `unknown`: no such match; `not_a_player`: the winner is not one of the match's players.
   */
  readonly state: 'duplicate' | 'conflict' | 'unknown' | 'not_a_player';
}

/** What {@link MatchResults.record} did with a report. */
export type RecordOutcome = RecordedOutcome | UnchangedOutcome;

/** One finished match from a player's side, as {@link MatchResults.profile} lists it. */
export interface PlayedMatch {
  /** `matches.id`. */
  readonly matchId: string;
  /** The other player. */
  readonly opponentId: string;
  /** Whether this player won (`null`: no winner, e.g. abandoned or swept). */
  readonly won: boolean | null;
  /** This player's points, then the opponent's (`null` without a reported result). */
  readonly score: readonly [number, number] | null;
  /** How it ended: a {@link MatchEnding}, or the sweeper's reason. */
  readonly ending: string | null;
  /** This player's rating change (0 without one). */
  readonly ratingChange: number;
  /** When it finished, ISO 8601 UTC. */
  readonly finishedAt: string;
}

/** A player's rating and latest finished matches. */
export interface PlayerProfile {
  /** The player id. */
  readonly playerId: string;
  /** The stored rating. */
  readonly rating: number;
  /** The unfinished match, if any. */
  readonly currentMatchId: string | null;
  /** The latest finished matches, newest first. */
  readonly recentMatches: readonly PlayedMatch[];
}

interface FinishedRow {
  player1_id: string;
  player2_id: string;
  finished_at: string | null;
  winner_id: string | null;
  score1: number | null;
  score2: number | null;
  ticks: number | null;
  ending: string | null;
}

const UTC_NOW = "(now() AT TIME ZONE 'UTC')";

const sameResult = (row: FinishedRow, r: MatchResult) =>
  row.ending === r.ending &&
  row.winner_id === r.winnerId &&
  row.score1 === r.score1 &&
  row.score2 === r.score2 &&
  row.ticks === r.ticks;

/**
 * Match results and ratings on the matchmaking database (call {@link migrate} first). A result
 * is stored, both ratings move (Elo, see {@link eloGain}) and both players are freed to queue
 * again, all in ONE transaction that locks the match row, then the two player rows in id order
 * (the order {@link MatchQueue} locks them in), so a result and a matching round never deadlock.
 */
export class MatchResults {
  private readonly sql: SqlClient;
  private readonly k: number;

  /**
   * @param client - the database.
   * @param k - the Elo K-factor (default 32).
   */
  constructor(client: SqlClient, k = DEFAULT_ELO_K) {
    this.sql = client;
    this.k = k;
  }

  /**
   * Records a match's end, idempotently: the same result twice changes the ratings once
   * (`duplicate`); a different result for a finished match is `conflict`.
   */
  async record(result: MatchResult): Promise<RecordOutcome> {
    return this.sql.transaction(async (tx): Promise<RecordOutcome> => {
      const { rows } = await tx.query<FinishedRow>(
        `SELECT player1_id, player2_id, finished_at::text AS finished_at, winner_id, score1, score2, ticks, ending
           FROM matches WHERE id = $1 FOR UPDATE`,
        [result.matchId],
      );
      const match = rows[0];
      if (match === undefined) return { state: 'unknown' };
      if (match.finished_at !== null)
        return sameResult(match, result) ? { state: 'duplicate' } : { state: 'conflict' };
      const { player1_id: p1, player2_id: p2 } = match;
      if (result.winnerId !== null && result.winnerId !== p1 && result.winnerId !== p2)
        return { state: 'not_a_player' };
      const { rows: players } = await tx.query<{ id: string; rating: number }>(
        'SELECT id, rating FROM players WHERE id = ANY($1::varchar[]) ORDER BY id FOR UPDATE',
        [[p1, p2]],
      );
      const rating = new Map(players.map((p) => [p.id, p.rating]));
      let change1 = 0;
      if (result.winnerId !== null) {
        const gain = eloGain(
          rating.get(result.winnerId)!,
          rating.get(result.winnerId === p1 ? p2 : p1)!,
          this.k,
        );
        change1 = result.winnerId === p1 ? gain : -gain;
      }
      const change2 = -change1;
      await tx.query(
        `UPDATE players SET rating = rating + x.change,
                current_match_id = CASE WHEN current_match_id = $3 THEN NULL ELSE current_match_id END
           FROM unnest($1::varchar[], $2::int[]) AS x(id, change)
          WHERE players.id = x.id`,
        [[p1, p2], [change1, change2], result.matchId],
      );
      await tx.query(
        `UPDATE matches SET finished_at = ${UTC_NOW}, result = $2, winner_id = $3, score1 = $4, score2 = $5,
                ticks = $6, ending = $2, rating_change1 = $7, rating_change2 = $8
          WHERE id = $1`,
        [
          result.matchId,
          result.ending,
          result.winnerId,
          result.score1,
          result.score2,
          result.ticks,
          change1,
          change2,
        ],
      );
      return { state: 'recorded', ratingChange1: change1, ratingChange2: change2 };
    });
  }

  /**
   * @param limit - how many finished matches to list (default 10).
   * @returns the player's rating and latest finished matches, or undefined for an unknown player.
   */
  async profile(playerId: string, limit = 10): Promise<PlayerProfile | undefined> {
    const { rows } = await this.sql.query<{ rating: number; current_match_id: string | null }>(
      'SELECT rating, current_match_id FROM players WHERE id = $1',
      [playerId],
    );
    const player = rows[0];
    if (player === undefined) return undefined;
    const { rows: played } = await this.sql.query<
      FinishedRow & {
        id: string;
        result: string | null;
        rating_change1: number | null;
        rating_change2: number | null;
        finished_iso: string;
      }
    >(
      `SELECT id, player1_id, player2_id, winner_id, score1, score2, ending, result, rating_change1, rating_change2,
              to_char(finished_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_iso
         FROM matches
        WHERE (player1_id = $1 OR player2_id = $1) AND finished_at IS NOT NULL
        ORDER BY finished_at DESC, id LIMIT $2`,
      [playerId, limit],
    );
    return {
      playerId,
      rating: player.rating,
      currentMatchId: player.current_match_id,
      recentMatches: played.map((m): PlayedMatch => {
        const first = m.player1_id === playerId;
        const mine = first ? m.score1 : m.score2;
        const theirs = first ? m.score2 : m.score1;
        return {
          matchId: m.id,
          opponentId: first ? m.player2_id : m.player1_id,
          won: m.winner_id === null ? null : m.winner_id === playerId,
          score: mine === null || theirs === null ? null : [mine, theirs],
          ending: (m.ending as MatchEnding | null) ?? m.result,
          ratingChange: (first ? m.rating_change1 : m.rating_change2) ?? 0,
          finishedAt: m.finished_iso,
        };
      }),
    };
  }
}
