/**
 * The rules of Pong, as a pure, deterministic simulation: the server steps it at a fixed rate
 * with the players' latest inputs; nothing here reads a clock or a socket.
 */
import type { RandomSource } from '../../src/core/index.js';

/** Field and gameplay constants, in field units (the field is `width` x `height`). */
export const PONG = {
  width: 800,
  height: 600,
  paddleHeight: 100,
  paddleWidth: 10,
  paddleInset: 30,
  /** Paddle speed, units per second. */
  paddleSpeed: 450,
  ballSize: 10,
  /** Serve speed, units per second; it grows with every return. */
  ballSpeed: 350,
  ballSpeedUp: 1.06,
  maxBallSpeed: 900,
  scoreToWin: 5,
} as const;

/** A player's input: move the paddle up (-1), not at all (0) or down (+1). */
export type PaddleInput = -1 | 0 | 1;

/** The whole state of one match. */
export interface PongState {
  ballX: number;
  ballY: number;
  ballVX: number;
  ballVY: number;
  paddle1Y: number;
  paddle2Y: number;
  score1: number;
  score2: number;
  /** 0 while playing, else the winner (1 or 2). */
  winner: 0 | 1 | 2;
}

export function newPongState(random: RandomSource): PongState {
  const state: PongState = {
    ballX: 0,
    ballY: 0,
    ballVX: 0,
    ballVY: 0,
    paddle1Y: PONG.height / 2,
    paddle2Y: PONG.height / 2,
    score1: 0,
    score2: 0,
    winner: 0,
  };
  serve(state, random, random.next() < 0.5 ? 1 : -1);
  return state;
}

function serve(state: PongState, random: RandomSource, direction: 1 | -1): void {
  const angle = (random.next() - 0.5) * (Math.PI / 3);
  state.ballX = PONG.width / 2;
  state.ballY = PONG.height / 2;
  state.ballVX = Math.cos(angle) * PONG.ballSpeed * direction;
  state.ballVY = Math.sin(angle) * PONG.ballSpeed;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** Advances the match by `dt` seconds with each player's input. Returns the scorer, if any. */
export function stepPong(
  state: PongState,
  dt: number,
  input1: PaddleInput,
  input2: PaddleInput,
  random: RandomSource,
  scoreToWin: number = PONG.scoreToWin,
): 0 | 1 | 2 {
  if (state.winner !== 0) return 0;
  const half = PONG.paddleHeight / 2;
  state.paddle1Y = clamp(state.paddle1Y + input1 * PONG.paddleSpeed * dt, half, PONG.height - half);
  state.paddle2Y = clamp(state.paddle2Y + input2 * PONG.paddleSpeed * dt, half, PONG.height - half);

  state.ballX += state.ballVX * dt;
  state.ballY += state.ballVY * dt;
  const r = PONG.ballSize / 2;
  if (state.ballY < r) {
    state.ballY = 2 * r - state.ballY;
    state.ballVY = Math.abs(state.ballVY);
  } else if (state.ballY > PONG.height - r) {
    state.ballY = 2 * (PONG.height - r) - state.ballY;
    state.ballVY = -Math.abs(state.ballVY);
  }

  const leftFace = PONG.paddleInset + PONG.paddleWidth;
  const rightFace = PONG.width - PONG.paddleInset - PONG.paddleWidth;
  if (state.ballVX < 0 && state.ballX - r <= leftFace && state.ballX - r > leftFace - PONG.paddleWidth * 2) {
    if (Math.abs(state.ballY - state.paddle1Y) <= half + r) bounce(state, state.paddle1Y, 1);
  } else if (
    state.ballVX > 0 &&
    state.ballX + r >= rightFace &&
    state.ballX + r < rightFace + PONG.paddleWidth * 2
  ) {
    if (Math.abs(state.ballY - state.paddle2Y) <= half + r) bounce(state, state.paddle2Y, -1);
  }

  let scorer: 0 | 1 | 2 = 0;
  if (state.ballX < 0) scorer = 2;
  else if (state.ballX > PONG.width) scorer = 1;
  if (scorer !== 0) {
    if (scorer === 1) state.score1++;
    else state.score2++;
    if (state.score1 >= scoreToWin) state.winner = 1;
    else if (state.score2 >= scoreToWin) state.winner = 2;
    serve(state, random, scorer === 1 ? -1 : 1);
  }
  return scorer;
}

function bounce(state: PongState, paddleY: number, direction: 1 | -1): void {
  const offset = (state.ballY - paddleY) / (PONG.paddleHeight / 2); // -1..1
  const speed = Math.min(Math.hypot(state.ballVX, state.ballVY) * PONG.ballSpeedUp, PONG.maxBallSpeed);
  const angle = offset * (Math.PI / 4);
  state.ballVX = Math.cos(angle) * speed * direction;
  state.ballVY = Math.sin(angle) * speed;
}

/**
 * A bot's decision: chase the ball's height when it comes towards the bot's side, drift back to
 * the middle otherwise. `skill` in [0, 1] sets how much it misjudges.
 */
export function botInput(state: PongState, side: 1 | 2, skill: number, random: RandomSource): PaddleInput {
  const paddleY = side === 1 ? state.paddle1Y : state.paddle2Y;
  const coming = side === 1 ? state.ballVX < 0 : state.ballVX > 0;
  const target = coming
    ? state.ballY + (random.next() - 0.5) * (1 - skill) * PONG.paddleHeight * 3
    : PONG.height / 2;
  const dead = PONG.paddleHeight * 0.15;
  if (target < paddleY - dead) return -1;
  if (target > paddleY + dead) return 1;
  return 0;
}
