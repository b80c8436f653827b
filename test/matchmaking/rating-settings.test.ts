import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WIDENING,
  parseWidening,
  ratingSettingsFromEnv,
} from '../../examples/match-server/rating-settings.js';
import { InvalidOptionError } from '../../src/core/index.js';

/** The error `fn` throws: must be an InvalidOptionError naming `option`. */
function errorOf(fn: () => unknown, option: string): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
    expect((err as InvalidOptionError).option).toBe(option);
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('examples/match-server rating settings', () => {
  it('defaults: difference under 100, the shipped schedule, widening follows the longer waiter', () => {
    expect(DEFAULT_WIDENING).toBe('10s:200,20s:400,30s:800');
    expect(ratingSettingsFromEnv({})).toEqual({
      maxRatingDiff: 100,
      widening: [
        { afterMs: 10_000, maxRatingDiff: 200 },
        { afterMs: 20_000, maxRatingDiff: 400 },
        { afterMs: 30_000, maxRatingDiff: 800 },
      ],
      wideningFollows: 'longer',
    });
  });

  it('reads every variable', () => {
    expect(
      ratingSettingsFromEnv({
        MATCH_MAX_RATING_DIFF: '50',
        MATCH_WIDENING: ' 500ms:60, 2m:70 ',
        MATCH_WIDENING_FOLLOWS: 'newer',
      }),
    ).toEqual({
      maxRatingDiff: 50,
      widening: [
        { afterMs: 500, maxRatingDiff: 60 },
        { afterMs: 120_000, maxRatingDiff: 70 },
      ],
      wideningFollows: 'newer',
    });
    expect(ratingSettingsFromEnv({ MATCH_WIDENING: 'off' }).widening).toEqual([]);
    expect(ratingSettingsFromEnv({ MATCH_WIDENING: '' }).widening).toEqual([]);
  });

  it('refuses bad values with a typed error naming the variable', () => {
    for (const bad of ['0', '-5', '1.5', 'abc', '99999999', '1e3']) {
      expect(
        errorOf(() => ratingSettingsFromEnv({ MATCH_MAX_RATING_DIFF: bad }), 'MATCH_MAX_RATING_DIFF'),
      ).toContain(`got "${bad}"`);
    }
    const widening = (text: string) =>
      errorOf(() => ratingSettingsFromEnv({ MATCH_WIDENING: text }), 'MATCH_WIDENING');
    expect(widening('10:200')).toContain('step "10:200" is not <wait>:<diff>');
    expect(widening('10s:200,')).toContain('step "" is not');
    expect(widening('10h:200')).toContain('is not <wait>:<diff>');
    expect(widening('-1s:200')).toContain('is not <wait>:<diff>');
    expect(widening('20s:200,10s:400')).toContain('waits must increase');
    expect(widening('10s:200,10s:400')).toContain('waits must increase');
    expect(widening('10s:400,20s:200')).toContain('must not shrink');
    expect(widening('10s:50')).toContain(
      'must not shrink (below the previous step or MATCH_MAX_RATING_DIFF, 100)',
    );
    expect(widening('1441m:200')).toContain('wait over a day');
    expect(widening('1s:2000001')).toContain('difference over 2000000');
    expect(widening(Array.from({ length: 33 }, (_, i) => `${i + 1}s:200`).join(','))).toContain(
      'at most 32 steps',
    );
    expect(
      errorOf(() => ratingSettingsFromEnv({ MATCH_WIDENING_FOLLOWS: 'oldest' }), 'MATCH_WIDENING_FOLLOWS'),
    ).toContain('got "oldest"');
    expect(errorOf(() => ratingSettingsFromEnv({ MAX_RATING_DIFF: '100' }), 'MAX_RATING_DIFF')).toContain(
      'MATCH_MAX_RATING_DIFF',
    );
    expect(errorOf(() => parseWidening('x', 100, 'W'), 'W')).toContain('step "x"');
  });
});
