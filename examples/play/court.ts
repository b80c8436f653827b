/**
 * The Pong court as text: a pure function from what to draw to the terminal's lines, in plain
 * ASCII (a border of `+-|`, paddles `#`, the ball `O`, a dotted net) so any terminal shows it.
 */
import { PONG } from '../pong-server/pong-game.js';

/** Everything one frame shows. */
export interface CourtView {
  ballX: number;
  ballY: number;
  paddle1Y: number;
  paddle2Y: number;
  score1: number;
  score2: number;
  /** 0 while playing, else the winning side. */
  winner: 0 | 1 | 2;
  /** The human's side (1 is the left paddle). */
  side: 1 | 2;
  /** What the opponent is called. */
  opponent: string;
  /** Round trip to the server, ms. */
  rttMs: number;
  /** Estimated packet loss, 0..1. */
  loss: number;
  /** The newest snapshot's server tick. */
  serverTick: number;
  /** The server tick being drawn (interpolated, behind `serverTick`). */
  renderTick: number;
}

/** Court size in characters, inside the border. */
export const COURT = { cols: 60, rows: 20 } as const;

const col = (x: number) => Math.min(COURT.cols - 1, Math.max(0, Math.floor((x / PONG.width) * COURT.cols)));
const row = (y: number) => Math.min(COURT.rows - 1, Math.max(0, Math.floor((y / PONG.height) * COURT.rows)));

/** The lines of one frame: a status line, the court with its border, and a help line. */
export function drawCourt(v: CourtView): string[] {
  const grid = Array.from({ length: COURT.rows }, (_, r) => {
    const line = Array<string>(COURT.cols).fill(' ');
    if (r % 2 === 0) line[COURT.cols / 2] = ':';
    return line;
  });
  const half = PONG.paddleHeight / 2;
  const paddle = (x: number, y: number) => {
    const c = col(x);
    for (let r = row(y - half); r <= row(y + half - 1); r++) grid[r]![c] = '#';
  };
  paddle(PONG.paddleInset + PONG.paddleWidth / 2, v.paddle1Y);
  paddle(PONG.width - PONG.paddleInset - PONG.paddleWidth / 2, v.paddle2Y);
  grid[row(v.ballY)]![col(v.ballX)] = 'O';
  const [you, them] = v.side === 1 ? [v.score1, v.score2] : [v.score2, v.score1];
  const left = v.side === 1 ? `you ${v.score1}` : `${v.opponent} ${v.score1}`;
  const right = v.side === 1 ? `${v.score2} ${v.opponent}` : `${v.score2} you`;
  const border = `+${'-'.repeat(COURT.cols)}+`;
  const lines = [
    `PONG  ${left} : ${right}   tick ${v.serverTick} (drawing ${Math.floor(v.renderTick)})  ` +
      `ping ${v.rttMs.toFixed(1)} ms  loss ${(v.loss * 100).toFixed(1)}%`,
    border,
    ...grid.map((line) => `|${line.join('')}|`),
    border,
  ];
  if (v.winner !== 0)
    lines.push(`${v.winner === v.side ? 'You win' : `${v.opponent} wins`} ${you}:${them}.  q quits`);
  else lines.push('Up/Down arrows move your paddle, q quits');
  return lines;
}
