/**
 * ResultReporter on injected time and an injected HTTP call: the backoff doubles up to its cap,
 * a result is retried until acknowledged, refusals are final and counted, the queue is bounded,
 * and each attempt is signed over a body stamped with that attempt's time.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ManualClock, ManualTimers } from '../../src/core/index.js';
import { type MatchResult, RESULT_SIGNATURE_HEADER, ResultReporter } from '../../src/matchmaking/index.js';
import { resultSignatureValid } from '../../src/matchmaking/match-result.js';

const KEY = new Uint8Array(32).fill(1);
const result = (matchId: string): MatchResult => ({
  matchId,
  winnerId: 'p1',
  score1: 5,
  score2: 2,
  ticks: 900,
  ending: 'score',
});

/** A scripted match server: answers the statuses in order (a string rejects, as a network error). */
function scripted(answers: (number | string)[]) {
  const calls: { at: number; url: string; body: Record<string, unknown>; valid: boolean }[] = [];
  return {
    calls,
    post: async (url: string, body: string, headers: Record<string, string>) => {
      calls.push({
        at: clock.now(),
        url,
        body: JSON.parse(body) as Record<string, unknown>,
        valid: resultSignatureValid(Buffer.from(body), headers[RESULT_SIGNATURE_HEADER], KEY),
      });
      const answer = answers.shift() ?? 200;
      if (typeof answer === 'string') throw new Error(answer);
      return answer;
    },
  };
}
let clock: ManualClock;

/** Lets the reporter's awaited post calls settle. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(answers: (number | string)[], extra: { maxQueue?: number } = {}) {
  clock = new ManualClock(1_000_000);
  const timers = new ManualTimers(clock);
  const server = scripted(answers);
  const reporter = new ResultReporter({
    url: 'http://match:8080/',
    key: KEY,
    clock,
    timers,
    post: server.post,
    initialBackoffMs: 500,
    maxBackoffMs: 4000,
    ...extra,
  });
  return { timers, server, reporter };
}

describe('ResultReporter', () => {
  it('retries failures with doubling backoff up to the cap, re-stamping and re-signing each attempt', async () => {
    const { timers, server, reporter } = setup(['ECONNREFUSED', 503, 429, 'timeout', 500, 200]);
    reporter.report(result('m1'));
    await settle();
    for (const wait of [500, 1000, 2000, 4000, 4000]) {
      timers.advance(wait - 1);
      await settle();
      const before = server.calls.length;
      timers.advance(1);
      await settle();
      expect(server.calls.length).toBe(before + 1);
    }
    expect(server.calls.map((c) => c.at - 1_000_000)).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    expect(server.calls.map((c) => c.body.reported_at)).toEqual(server.calls.map((c) => c.at));
    expect(server.calls.every((c) => c.valid && c.url === 'http://match:8080/match/result')).toBe(true);
    expect(reporter.stats).toEqual({ queued: 1, acknowledged: 1, retries: 5, rejected: 0, dropped: 0 });
    expect(reporter.pending).toBe(0);
    // Acknowledged: the backoff starts over.
    reporter.report(result('m2'));
    await settle();
    expect(server.calls.length).toBe(7);
    expect(timers.pending).toBe(0);
  });

  it('sends in order, holds later results behind a failing one, and resolves flushed() when done', async () => {
    const { timers, server, reporter } = setup([503]);
    reporter.report(result('m1'));
    reporter.report(result('m2'));
    let flushed = false;
    void reporter.flushed().then(() => {
      flushed = true;
    });
    await settle();
    expect(server.calls.map((c) => c.body.match_id)).toEqual(['m1']);
    expect(reporter.pending).toBe(2);
    timers.advance(500);
    await settle();
    expect(server.calls.map((c) => c.body.match_id)).toEqual(['m1', 'm1', 'm2']);
    expect(flushed).toBe(true);
  });

  it('gives up on a refusal (401 forged key, 404, 409) and counts it', async () => {
    const { server, reporter } = setup([401, 404, 409]);
    for (const id of ['m1', 'm2', 'm3']) reporter.report(result(id));
    await settle();
    expect(server.calls).toHaveLength(3);
    expect(reporter.stats).toEqual({ queued: 3, acknowledged: 0, retries: 0, rejected: 3, dropped: 0 });
    expect(reporter.pending).toBe(0);
  });

  it('bounds its queue: past maxQueue report() returns false and counts dropped', async () => {
    const { reporter } = setup(['down'], { maxQueue: 2 });
    expect(reporter.report(result('m1'))).toBe(true);
    expect(reporter.report(result('m2'))).toBe(true);
    expect(reporter.report(result('m3'))).toBe(false);
    expect(reporter.stats.dropped).toBe(1);
    expect(reporter.pending).toBe(2);
    reporter.close();
  });

  it('refuses a short key', () => {
    expect(() => new ResultReporter({ url: 'http://x', key: new Uint8Array(16) })).toThrow(
      InvalidOptionError,
    );
  });
});
