/**
 * Pong's rules on the library's room base: two seats, the match starts when both players are
 * here, pauses while one is away, and ends at the score to win, by forfeit (a player gone past the
 * grace period) or abandoned (the second player never came).
 */
import type { RandomSource } from '../../src/core/index.js';
import { Room, type RoomContext, type Seat } from '../../src/server/index.js';
import { newPongState, type PaddleInput, type PongState, stepPong } from './pong-game.js';
import { decodeInput, encodeGameOver, PONG_INPUT_BYTES } from './pong-messages.js';
import { type PongEntities, pongEntities, pongSchema } from './pong-schema.js';

/** How a match ended. */
export interface PongResult {
  roomId: string;
  matchId: string;
  winnerId: string | undefined;
  score1: number;
  score2: number;
  ticks: number;
  /** `score` (someone reached the score to win), `forfeit` (a player left) or `abandoned` (never started). */
  ending: 'score' | 'forfeit' | 'abandoned';
}

export interface PongRoomOptions {
  roomId: string;
  matchId: string;
  /** The two players, seat 1 first. */
  players: readonly [string, string];
  random: RandomSource;
  /** Points that win the match. */
  scoreToWin: number;
  /** Called once when the match ends. */
  onEnd: (result: PongResult) => void;
  /** How long to wait for both players before the room is abandoned, in ms. */
  joinTimeoutMs: number;
  /** How long a finished room lingers (so the reliable game-over message is delivered), in ms. */
  lingerMs: number;
}

export class PongRoom extends Room<PongEntities> {
  private readonly random: RandomSource;
  private readonly scoreToWin: number;
  private readonly onEnd: (result: PongResult) => void;
  private readonly joinDeadline: number;
  private readonly lingerMs: number;
  private readonly state: PongState;
  private readonly inputs: [PaddleInput, PaddleInput] = [0, 0];
  private started = false;
  private played = 0;

  constructor(context: RoomContext, options: PongRoomOptions) {
    super(context, {
      roomId: options.roomId,
      matchId: options.matchId,
      players: options.players,
      schema: pongSchema,
      inputSize: PONG_INPUT_BYTES,
    });
    this.random = options.random;
    this.scoreToWin = options.scoreToWin;
    this.onEnd = options.onEnd;
    this.joinDeadline = this.clock.now() + options.joinTimeoutMs;
    this.lingerMs = options.lingerMs;
    this.state = newPongState(options.random);
  }

  /** True while the ball is in play. */
  get playing(): boolean {
    return this.started && !this.ended;
  }

  /** A paddle moves at most its speed: only -1, 0 and 1 are possible. */
  protected override isInputPossible(_seat: Seat, input: Uint8Array): boolean {
    return decodeInput(input) !== undefined;
  }

  protected override applyInput(seat: Seat, input: Uint8Array): void {
    this.inputs[seat.index] = decodeInput(input)!;
  }

  protected override update(_tick: number, dt: number): void {
    if (!this.started) {
      if (this.allSeated) this.started = true;
      else if (this.clock.now() >= this.joinDeadline) this.finish('abandoned', undefined);
      return;
    }
    if (!this.allSeated) return; // paused while a player is away
    stepPong(this.state, dt, this.inputs[0], this.inputs[1], this.random, this.scoreToWin);
    this.played++;
    if (this.state.winner !== 0) this.finish('score', this.seats[this.state.winner - 1]!.playerId);
  }

  protected override snapshotEntities() {
    return pongEntities(this.state);
  }

  protected override onSeatLost(seat: Seat): void {
    if (!this.started) this.finish('abandoned', undefined);
    else this.finish('forfeit', this.seats[1 - seat.index]!.playerId);
  }

  protected override onDispose(): void {
    this.abandon();
  }

  /** Ends the match now (server shutdown, or the players never all arrived). */
  abandon(): void {
    if (!this.ended) this.finish('abandoned', undefined);
  }

  private finish(ending: PongResult['ending'], winnerId: string | undefined): void {
    const s = this.state;
    const winner = winnerId === this.seats[0]!.playerId ? 1 : winnerId === this.seats[1]!.playerId ? 2 : 0;
    if (winner !== 0) this.broadcast(encodeGameOver({ winner, score1: s.score1, score2: s.score2 }));
    this.end(this.lingerMs);
    this.onEnd({
      roomId: this.roomId,
      matchId: this.matchId,
      winnerId,
      score1: s.score1,
      score2: s.score2,
      ticks: this.played,
      ending,
    });
  }
}
