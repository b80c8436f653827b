/** The terminal client's pure parts: keys to paddle directions, and the court drawn as text. */
import { describe, expect, it } from 'vitest';
import { COURT, type CourtView, drawCourt } from '../../examples/play/court.js';
import { PaddleKeys, parseKeys } from '../../examples/play/keyboard.js';
import { ManualClock } from '../../src/core/index.js';

describe('parseKeys', () => {
  it('reads arrows in both cursor-key modes, several in one chunk, and q or Ctrl-C as quit', () => {
    expect(parseKeys('\x1b[A\x1b[A\x1bOB')).toEqual(['up', 'up', 'down']);
    expect(parseKeys('w s k j')).toEqual(['up', 'down', 'up', 'down']);
    expect(parseKeys('q')).toEqual(['quit']);
    expect(parseKeys('\x03')).toEqual(['quit']);
  });

  it('ignores other keys and other escape sequences', () => {
    expect(parseKeys('x\x1b[C\x1b[D\x1b')).toEqual([]);
  });
});

describe('PaddleKeys', () => {
  it('holds a press for holdMs, a newer press replaces it', () => {
    const clock = new ManualClock(0);
    const keys = new PaddleKeys(clock, 150);
    expect(keys.current()).toBe(0);
    keys.press('up');
    expect(keys.current()).toBe(-1);
    clock.advance(149);
    expect(keys.current()).toBe(-1);
    keys.press('down');
    clock.advance(149);
    expect(keys.current()).toBe(1);
    clock.advance(1);
    expect(keys.current()).toBe(0);
  });
});

describe('drawCourt', () => {
  const view: CourtView = {
    ballX: 400,
    ballY: 300,
    paddle1Y: 50,
    paddle2Y: 550,
    score1: 2,
    score2: 3,
    winner: 0,
    side: 1,
    opponent: 'bot',
    rttMs: 12.34,
    loss: 0.051,
    serverTick: 1234,
    renderTick: 1230.6,
  };
  const rows = (lines: string[]) => lines.slice(2, 2 + COURT.rows).map((l) => l.slice(1, -1));

  it('shows the score, ticks, ping and loss, and the court with its border', () => {
    const lines = drawCourt(view);
    expect(lines[0]).toBe('PONG  you 2 : 3 bot   tick 1234 (drawing 1230)  ping 12.3 ms  loss 5.1%');
    expect(lines[1]).toBe(`+${'-'.repeat(COURT.cols)}+`);
    expect(lines[2 + COURT.rows]).toBe(lines[1]);
    expect(lines).toHaveLength(COURT.rows + 4);
  });

  it('puts the ball and both paddles where the field coordinates say', () => {
    const court = rows(drawCourt(view));
    expect(court[10]![30]).toBe('O');
    const left = court.flatMap((l, r) => (l[2] === '#' ? [r] : []));
    const right = court.flatMap((l, r) => (l[COURT.cols - 3] === '#' ? [r] : []));
    expect(left).toEqual([0, 1, 2, 3]); // y 0..100 of 600, 20 rows
    expect(right).toEqual([16, 17, 18, 19]);
  });

  it('keeps a ball past the edge (it is behind a paddle) inside the court', () => {
    const court = rows(drawCourt({ ...view, ballX: -40, ballY: 600 }));
    expect(court[COURT.rows - 1]![0]).toBe('O');
  });

  it('says who won, from the human side', () => {
    expect(drawCourt({ ...view, winner: 2 }).at(-1)).toBe('bot wins 2:3.  q quits');
    expect(drawCourt({ ...view, side: 2, winner: 2 }).at(-1)).toBe('You win 3:2.  q quits');
  });
});
