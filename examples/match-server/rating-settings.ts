/**
 * The rating rule of the example match server, read from the environment:
 *
 * - `MATCH_MAX_RATING_DIFF`: players are paired when their ratings differ by less than this
 *   (default 100).
 * - `MATCH_WIDENING`: the widening schedule, `<wait>:<diff>` steps separated by commas, waits in
 *   `ms`, `s` or `m` (default {@link DEFAULT_WIDENING}); `off` turns widening off.
 * - `MATCH_WIDENING_FOLLOWS`: `longer` (default) or `newer`, whose wait widens a pair's allowance
 *   (see `MatcherOptions.wideningFollows`).
 *
 * Every bad value throws an {@link InvalidOptionError} (`ERR_INVALID_OPTION`) whose `option` is the
 * variable's name.
 */
import { InvalidOptionError } from '../../src/core/index.js';
import type { WideningFollows, WideningStep } from '../../src/matchmaking/index.js';

/** The schedule the example ships with: after 10 s a gap under 200, after 20 s 400, after 30 s 800 (the cap). */
export const DEFAULT_WIDENING = '10s:200,20s:400,30s:800';

/** The rating rule of the example server. */
export interface RatingSettings {
  /** Ratings must differ by less than this. */
  maxRatingDiff: number;
  /** Widening steps (empty: off). */
  widening: WideningStep[];
  /** Whose wait widens a pair's allowance. */
  wideningFollows: WideningFollows;
}

/** Largest accepted difference: ratings are integers within ±1,000,000. */
const MAX_DIFF = 2_000_000;
/** Longest accepted wait of a step: a day. */
const MAX_AFTER_MS = 86_400_000;
const MAX_STEPS = 32;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const STEP = /^(\d{1,9})(ms|s|m):(\d{1,7})$/;

/**
 * Parses a widening schedule such as `10s:200,20s:400,30s:800` (`off` or empty: no widening).
 *
 * @param text - the schedule.
 * @param maxRatingDiff - the base difference the steps must not fall below.
 * @param name - the option name errors carry (default `MATCH_WIDENING`).
 * @throws {@link InvalidOptionError} for a malformed step, a wait over a day, a difference over
 * 2,000,000, more than 32 steps, waits that do not increase or a difference that shrinks.
 */
export function parseWidening(text: string, maxRatingDiff: number, name = 'MATCH_WIDENING'): WideningStep[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'off') return [];
  const parts = trimmed.split(',').map((s) => s.trim());
  if (parts.length > MAX_STEPS)
    throw new InvalidOptionError(name, `at most ${MAX_STEPS} steps, got ${parts.length}`);
  const steps: WideningStep[] = [];
  let previous = { afterMs: -1, maxRatingDiff };
  for (const part of parts) {
    const m = STEP.exec(part);
    if (m === null) {
      throw new InvalidOptionError(
        name,
        `step "${part}" is not <wait>:<diff> with a wait in ms, s or m (e.g. 10s:200)`,
      );
    }
    const step = { afterMs: Number(m[1]) * UNIT_MS[m[2]!]!, maxRatingDiff: Number(m[3]) };
    if (step.afterMs > MAX_AFTER_MS) throw new InvalidOptionError(name, `step "${part}": wait over a day`);
    if (step.maxRatingDiff > MAX_DIFF) {
      throw new InvalidOptionError(name, `step "${part}": difference over ${MAX_DIFF}`);
    }
    if (step.afterMs <= previous.afterMs) {
      throw new InvalidOptionError(name, `step "${part}": waits must increase from step to step`);
    }
    if (step.maxRatingDiff < previous.maxRatingDiff) {
      throw new InvalidOptionError(
        name,
        `step "${part}": the difference must not shrink (below the previous step or MATCH_MAX_RATING_DIFF, ${previous.maxRatingDiff})`,
      );
    }
    steps.push(step);
    previous = step;
  }
  return steps;
}

/**
 * Reads {@link RatingSettings} from the environment (see the module comment for the variables).
 *
 * @throws {@link InvalidOptionError} naming the variable; also for `MAX_RATING_DIFF`, the old
 * name of `MATCH_MAX_RATING_DIFF`, so a renamed setting is never silently ignored.
 */
export function ratingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RatingSettings {
  if (env.MAX_RATING_DIFF !== undefined) {
    throw new InvalidOptionError('MAX_RATING_DIFF', 'was renamed: set MATCH_MAX_RATING_DIFF instead');
  }
  const rawDiff = env.MATCH_MAX_RATING_DIFF ?? '';
  let maxRatingDiff = 100;
  if (rawDiff !== '') {
    maxRatingDiff = /^\d{1,7}$/.test(rawDiff.trim()) ? Number(rawDiff.trim()) : Number.NaN;
    if (!(maxRatingDiff >= 1 && maxRatingDiff <= MAX_DIFF)) {
      throw new InvalidOptionError(
        'MATCH_MAX_RATING_DIFF',
        `must be an integer from 1 to ${MAX_DIFF}, got "${rawDiff}"`,
      );
    }
  }
  const widening = parseWidening(env.MATCH_WIDENING ?? DEFAULT_WIDENING, maxRatingDiff);
  const follows = (env.MATCH_WIDENING_FOLLOWS ?? '').trim() || 'longer';
  if (follows !== 'longer' && follows !== 'newer') {
    throw new InvalidOptionError('MATCH_WIDENING_FOLLOWS', `must be "longer" or "newer", got "${follows}"`);
  }
  return { maxRatingDiff, widening, wideningFollows: follows };
}
