import { createHmac, timingSafeEqual } from 'node:crypto';
import { MatchError } from './errors.js';
import { parseJsonObject, parsePlayerId } from './http-io.js';

/** How a match ended. */
export type MatchEnding =
  /** A player reached the score to win. */
  | 'score'
  /** A player left; the other wins. */
  | 'forfeit'
  /** The match never started (a player never came): no winner, no rating change. */
  | 'abandoned';

/** The end of a match, as a game server reports it. */
export interface MatchResult {
  /** `matches.id`. */
  readonly matchId: string;
  /** The winner (one of the match's two players), `null` for `abandoned`. */
  readonly winnerId: string | null;
  /** Points of the match's first player. */
  readonly score1: number;
  /** Points of the match's second player. */
  readonly score2: number;
  /** Simulation ticks played. */
  readonly ticks: number;
  /** How it ended. */
  readonly ending: MatchEnding;
}

/** The header carrying a result report's signature: `sha256=<hex HMAC-SHA256 of the body>`. */
export const RESULT_SIGNATURE_HEADER = 'x-result-signature';

const ENDINGS: readonly MatchEnding[] = ['score', 'forfeit', 'abandoned'];
const MAX_COUNT = 2_147_483_647;

const invalid = (message: string) => new MatchError('ERR_MATCH_INVALID_REQUEST', message);

/** @internal The JSON body of `POST /match/result` for `result`, stamped `reportedAt` (epoch ms). */
export function encodeResultReport(result: MatchResult, reportedAt: number): string {
  return JSON.stringify({
    match_id: result.matchId,
    winner_id: result.winnerId,
    score: [result.score1, result.score2],
    ticks: result.ticks,
    ending: result.ending,
    reported_at: Math.round(reportedAt),
  });
}

/** @internal `sha256=<hex>`: the HMAC-SHA256 of `body` under `key`. */
export function signResultReport(body: Uint8Array | string, key: Uint8Array): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/** @internal Whether `signature` (the header's value) is `body`'s under `key`, in constant time. */
export function resultSignatureValid(body: Uint8Array, signature: unknown, key: Uint8Array): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(signResultReport(body, key));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const count = (value: unknown, field: string): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_COUNT)
    throw invalid(`"${field}" must be a non-negative integer`);
  return value;
};

/** @internal Parses a signed report body: the result and its `reported_at` (epoch ms). */
export function parseResultReport(body: Buffer): { result: MatchResult; reportedAt: number } {
  const f = parseJsonObject(body);
  const matchId = parsePlayerId(f.match_id, 'match_id');
  const ending = f.ending as MatchEnding;
  if (!ENDINGS.includes(ending)) throw invalid('"ending" must be "score", "forfeit" or "abandoned"');
  const winnerId =
    f.winner_id === null || f.winner_id === undefined ? null : parsePlayerId(f.winner_id, 'winner_id');
  if ((winnerId === null) !== (ending === 'abandoned'))
    throw invalid('"winner_id" is required unless the match was abandoned, and must be null then');
  if (!Array.isArray(f.score) || f.score.length !== 2) throw invalid('"score" must be [first, second]');
  const reportedAt = f.reported_at;
  if (typeof reportedAt !== 'number' || !Number.isFinite(reportedAt))
    throw invalid('"reported_at" must be epoch milliseconds');
  return {
    result: {
      matchId,
      winnerId,
      score1: count(f.score[0], 'score'),
      score2: count(f.score[1], 'score'),
      ticks: count(f.ticks, 'ticks'),
      ending,
    },
    reportedAt,
  };
}
