import type { MatchResult } from '../../src/matchmaking/index.js';
import type { PongResult } from './pong-room.js';

/** A Pong room's end as the match server's result report (seat 1 is the match's first player). */
export const toMatchResult = (r: PongResult): MatchResult => ({
  matchId: r.matchId,
  winnerId: r.winnerId ?? null,
  score1: r.score1,
  score2: r.score2,
  ticks: r.ticks,
  ending: r.ending,
});
