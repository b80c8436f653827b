import { InvalidOptionError } from '../core/index.js';

/** One waiting player as the {@link Matcher} sees it. */
export interface QueueEntry {
  /** The player's id (unique within one call; later duplicates are ignored). */
  readonly playerId: string;
  /** The player's rating. */
  readonly rating: number;
  /** Region the player asked for; `null`/absent players match only each other. */
  readonly region?: string | null;
  /** How long the player has waited so far, in milliseconds. */
  readonly waitedMs: number;
}

/** Two players the {@link Matcher} put together; `player1` is the one who waited longer. */
export interface MatchPair {
  /** The longer-waiting player. */
  readonly player1: QueueEntry;
  /** The other player. */
  readonly player2: QueueEntry;
}

/** After a player has waited `afterMs`, they accept opponents up to `maxRatingDiff` away. */
export interface WideningStep {
  /** Waiting time in milliseconds from which this step applies. */
  readonly afterMs: number;
  /** The allowed rating difference (exclusive) from then on. */
  readonly maxRatingDiff: number;
}

/**
 * Whose waiting time sets the allowance of a pair when widening is on (see
 * {@link MatcherOptions.wideningFollows}).
 */
export type WideningFollows = 'newer' | 'longer';

/** Options of {@link Matcher}. */
export interface MatcherOptions {
  /** Two players may be paired when their ratings differ by less than this (default 100). */
  readonly maxRatingDiff?: number;
  /**
   * Widening of the allowed difference with waiting time, in increasing `afterMs` order; empty
   * (the default) turns widening off. The last step is the cap: no allowance ever exceeds its
   * `maxRatingDiff`.
   */
  readonly widening?: readonly WideningStep[];
  /**
   * Which player's wait widens a pair's allowance (default `'newer'`):
   * - `'newer'`: the difference must be below BOTH players' allowances, i.e. the allowance of
   *   the player who has waited less. A newcomer is never handed a far-away opponent, but a lone
   *   outlier is only rescued by someone who has waited about as long.
   * - `'longer'`: the difference must be below the allowance of the player who has waited
   *   LONGER (as FlexMatch's expansions follow the oldest ticket), once the other player has
   *   waited at least the first step's `afterMs`: before that, a newcomer only takes partners
   *   within `maxRatingDiff`, so a close partner arriving meanwhile is preferred.
   *
   * With either rule, among pairings with the same number of pairs the one with the fewest
   * widened pairs (difference of `maxRatingDiff` or more) wins, so a widened pair never takes a
   * player from a partner within `maxRatingDiff` without making an extra pair.
   */
  readonly wideningFollows?: WideningFollows;
}

interface Score {
  pairs: number;
  /** Pairs whose difference is `maxRatingDiff` or more. */
  widened: number;
  waitSeconds: number;
  ratingDiff: number;
}

const better = (a: Score, b: Score): boolean =>
  a.pairs !== b.pairs
    ? a.pairs > b.pairs
    : a.widened !== b.widened
      ? a.widened < b.widened
      : a.waitSeconds !== b.waitSeconds
        ? a.waitSeconds > b.waitSeconds
        : a.ratingDiff < b.ratingDiff;

/**
 * The pairing algorithm: a pure function from the queue to pairs.
 *
 * Players are grouped by region and sorted by rating; a dynamic programme over each sorted group
 * picks the pairing of rating neighbours that (1) makes the most pairs, then (2) matches the
 * longest-waiting players (waits compared in whole seconds), then (3) has the smallest total
 * rating difference (with widening, the fewest widened pairs come before (2)). Players the
 * programme left unpaired go through it again on their own, so two leftovers separated only by
 * paired players can still meet. Without widening the pair count is the maximum any pairing can
 * reach (pairing only neighbours loses nothing when one threshold applies to everyone); with
 * ratings 1000, 1200, 1250 it pairs 1200 with 1250, where stepping two at a time would pair none.
 *
 * @example
 * ```ts
 * const pairs = new Matcher({ maxRatingDiff: 100 }).pair(entries);
 * ```
 */
export class Matcher {
  /** The base allowed difference (exclusive). */
  readonly maxRatingDiff: number;
  /** Whose wait widens a pair's allowance. */
  readonly wideningFollows: WideningFollows;
  private readonly widening: readonly WideningStep[];

  /** @param options - see {@link MatcherOptions}. */
  constructor(options: MatcherOptions = {}) {
    const base = options.maxRatingDiff ?? 100;
    if (!Number.isFinite(base) || base <= 0) {
      throw new InvalidOptionError('maxRatingDiff', `must be a positive number, got ${base}`);
    }
    const widening = options.widening ?? [];
    let previous = { afterMs: -1, maxRatingDiff: base };
    for (const step of widening) {
      if (!Number.isFinite(step.afterMs) || step.afterMs <= previous.afterMs || step.afterMs < 0) {
        throw new InvalidOptionError('widening', 'afterMs must be >= 0, finite and strictly increasing');
      }
      if (!(step.maxRatingDiff >= previous.maxRatingDiff)) {
        throw new InvalidOptionError('widening', 'maxRatingDiff must not shrink from one step to the next');
      }
      previous = step;
    }
    const follows = options.wideningFollows ?? 'newer';
    if (follows !== 'newer' && follows !== 'longer') {
      throw new InvalidOptionError('wideningFollows', `must be 'newer' or 'longer', got ${String(follows)}`);
    }
    this.maxRatingDiff = base;
    this.widening = [...widening];
    this.wideningFollows = follows;
  }

  /**
   * @param waitedMs - how long a player has waited.
   * @returns the rating difference (exclusive) that player accepts now.
   */
  allowance(waitedMs: number): number {
    let allowed = this.maxRatingDiff;
    for (const step of this.widening) {
      if (waitedMs >= step.afterMs) allowed = step.maxRatingDiff;
    }
    return allowed;
  }

  /**
   * @param waitedMs - how long a player has waited.
   * @returns milliseconds until that player's allowance next grows, or `undefined` when it never
   * will (no widening step ahead).
   */
  nextWidening(waitedMs: number): number | undefined {
    const step = this.widening.find((s) => s.afterMs > waitedMs);
    return step === undefined ? undefined : step.afterMs - waitedMs;
  }

  /**
   * @returns whether `a` and `b` may play each other: different players, same region, ratings
   * closer than the pair's allowance (see {@link MatcherOptions.wideningFollows}).
   */
  canPair(a: QueueEntry, b: QueueEntry): boolean {
    if (a.playerId === b.playerId || (a.region ?? null) !== (b.region ?? null)) return false;
    const diff = Math.abs(a.rating - b.rating);
    if (diff < this.maxRatingDiff) return true;
    const newer = Math.min(a.waitedMs, b.waitedMs);
    if (this.wideningFollows === 'newer') return diff < this.allowance(newer);
    const first = this.widening[0];
    return (
      first !== undefined && newer >= first.afterMs && diff < this.allowance(Math.max(a.waitedMs, b.waitedMs))
    );
  }

  /**
   * Pairs the queue. Pure: the same entries always give the same pairs.
   *
   * @param entries - the waiting players, in any order.
   * @returns the pairs, longest-waiting first; every player appears at most once.
   */
  pair(entries: readonly QueueEntry[]): MatchPair[] {
    const seen = new Set<string>();
    const groups = new Map<string | null, QueueEntry[]>();
    for (const entry of entries) {
      if (seen.has(entry.playerId)) continue;
      seen.add(entry.playerId);
      const region = entry.region ?? null;
      let group = groups.get(region);
      if (group === undefined) {
        group = [];
        groups.set(region, group);
      }
      group.push(entry);
    }
    const pairs: MatchPair[] = [];
    for (const group of groups.values()) {
      group.sort(
        (a, b) =>
          a.rating - b.rating ||
          b.waitedMs - a.waitedMs ||
          (a.playerId < b.playerId ? -1 : a.playerId > b.playerId ? 1 : 0),
      );
      // Leftovers (still in rating order) get another pass until no new pair forms: with widening,
      // two unpaired players may be valid together though a paired player sat between them.
      let left = group;
      while (left.length >= 2) {
        const paired = this.pairGroup(left, pairs);
        if (paired.size === 0) break;
        left = left.filter((e) => !paired.has(e));
      }
    }
    return pairs.sort(
      (x, y) =>
        y.player1.waitedMs - x.player1.waitedMs ||
        (x.player1.playerId < y.player1.playerId ? -1 : x.player1.playerId > y.player1.playerId ? 1 : 0),
    );
  }

  /** Pairs rating neighbours of `group` (sorted by rating) into `out`; returns who was paired. */
  private pairGroup(group: readonly QueueEntry[], out: MatchPair[]): Set<QueueEntry> {
    const n = group.length;
    // best[i]: the best score over the first i players; took[i]: whether player i-1 pairs with i-2.
    const best: Score[] = [{ pairs: 0, widened: 0, waitSeconds: 0, ratingDiff: 0 }];
    const took: boolean[] = [false];
    for (let i = 1; i <= n; i++) {
      let score = best[i - 1]!;
      let pairHere = false;
      if (i >= 2) {
        const a = group[i - 2]!;
        const b = group[i - 1]!;
        if (this.canPair(a, b)) {
          const prev = best[i - 2]!;
          const diff = Math.abs(a.rating - b.rating);
          const candidate: Score = {
            pairs: prev.pairs + 1,
            widened: prev.widened + (diff < this.maxRatingDiff ? 0 : 1),
            waitSeconds: prev.waitSeconds + Math.floor(a.waitedMs / 1000) + Math.floor(b.waitedMs / 1000),
            ratingDiff: prev.ratingDiff + diff,
          };
          if (better(candidate, score)) {
            score = candidate;
            pairHere = true;
          }
        }
      }
      best.push(score);
      took.push(pairHere);
    }
    const paired = new Set<QueueEntry>();
    for (let i = n; i >= 2; ) {
      if (took[i]) {
        const a = group[i - 2]!;
        const b = group[i - 1]!;
        out.push(a.waitedMs >= b.waitedMs ? { player1: a, player2: b } : { player1: b, player2: a });
        paired.add(a).add(b);
        i -= 2;
      } else {
        i -= 1;
      }
    }
    return paired;
  }
}
