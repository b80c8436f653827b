/**
 * One Pong match on a game server: two seats, the authoritative state stepped every tick, and a
 * delta snapshot to each player every tick. Inputs are validated (only -1, 0 or 1, only from the
 * seat's own connection); anything else is counted and ignored.
 */
import type { RandomSource } from '../../src/core/index.js';
import { DeltaSnapshotter } from '../../src/snapshot/index.js';
import type { Connection } from '../../src/transport/index.js';
import { newPongState, type PaddleInput, type PongState, stepPong } from './pong-game.js';
import { decodePong, encodePong } from './pong-messages.js';
import { pongEntities, pongSchema } from './pong-schema.js';

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

interface Seat {
  playerId: string;
  connection: Connection | undefined;
  input: PaddleInput;
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
  /** Ticks to wait for both players before the room is abandoned. */
  joinTimeoutTicks: number;
  /** Ticks a finished room lingers (so the reliable game-over message is delivered) before it disconnects its players. */
  lingerTicks: number;
}

export class PongRoom {
  readonly roomId: string;
  readonly matchId: string;
  private readonly seats: [Seat, Seat];
  private readonly random: RandomSource;
  private readonly snapshotter = new DeltaSnapshotter({ schema: pongSchema });
  private readonly scoreToWin: number;
  private readonly onEnd: (result: PongResult) => void;
  private state: PongState | undefined;
  private ticks = 0;
  private ended = false;
  /** Ticks waited for the players, then ticks lingered after the end. */
  private idleTicks = 0;
  private readonly joinTimeoutTicks: number;
  private readonly lingerTicks: number;
  /** Messages from players that were not valid Pong messages. */
  invalidMessages = 0;

  constructor(options: PongRoomOptions) {
    this.roomId = options.roomId;
    this.matchId = options.matchId;
    this.seats = [
      { playerId: options.players[0], connection: undefined, input: 0 },
      { playerId: options.players[1], connection: undefined, input: 0 },
    ];
    this.random = options.random;
    this.scoreToWin = options.scoreToWin;
    this.onEnd = options.onEnd;
    this.joinTimeoutTicks = options.joinTimeoutTicks;
    this.lingerTicks = options.lingerTicks;
  }

  get playing(): boolean {
    return this.state !== undefined && !this.ended;
  }

  /** Seats a connected player; returns false when the player has no seat here. */
  join(playerId: string, connection: Connection): boolean {
    const index = this.seats.findIndex((s) => s.playerId === playerId);
    const seat = this.seats[index];
    if (seat === undefined || this.ended) return false;
    // A player reconnecting replaces their old connection; the old one's disconnect must not
    // count as leaving, so the seat changes hands before it is closed.
    const previous = seat.connection;
    seat.connection = connection;
    previous?.disconnect();
    const clientId = String(index + 1);
    this.snapshotter.removeClient(clientId);
    this.snapshotter.addClient(clientId);
    connection.send(encodePong({ type: 'welcome', side: (index + 1) as 1 | 2 }), 'reliable');
    connection.on('message', (payload) => this.onMessage(index, payload));
    connection.on('disconnect', () => {
      if (seat.connection === connection) this.leave(index);
    });
    if (this.seats.every((s) => s.connection !== undefined) && this.state === undefined) {
      this.state = newPongState(this.random);
    }
    return true;
  }

  private onMessage(index: number, payload: Uint8Array): void {
    const message = decodePong(payload);
    const seat = this.seats[index]!;
    if (message?.type === 'input') seat.input = message.input;
    else if (message?.type === 'ack') {
      if (!this.snapshotter.receiveAck(String(index + 1), message.body).ok) this.invalidMessages++;
    } else this.invalidMessages++;
  }

  private leave(index: number): void {
    this.seats[index]!.connection = undefined;
    if (this.ended) return;
    const other = this.seats[1 - index]!;
    this.finish(this.state === undefined ? 'abandoned' : 'forfeit', this.state ? other.playerId : undefined);
  }

  /**
   * Advances the match one tick and sends each player its snapshot. Returns false once the room
   * is done (abandoned for want of players, or finished and lingered) and can be dropped.
   */
  tick(tick: number, dt: number): boolean {
    if (this.ended) {
      if (++this.idleTicks < this.lingerTicks) return true;
      for (const seat of this.seats) seat.connection?.disconnect();
      return false;
    }
    if (this.state === undefined) {
      if (++this.idleTicks >= this.joinTimeoutTicks) this.abandon();
      return true;
    }
    const state = this.state;
    stepPong(state, dt, this.seats[0].input, this.seats[1].input, this.random, this.scoreToWin);
    this.ticks++;
    this.snapshotter.capture(tick + 1, pongEntities(state));
    for (let i = 0; i < 2; i++) {
      const connection = this.seats[i]!.connection;
      if (connection?.connected) {
        connection.send(
          encodePong({ type: 'snapshot', body: this.snapshotter.encodeFor(String(i + 1)) }),
          'unreliable',
        );
      }
    }
    if (state.winner !== 0) this.finish('score', this.seats[state.winner - 1]!.playerId);
    return true;
  }

  /** Ends the match now (server shutdown, or the players never all arrived). */
  abandon(): void {
    if (!this.ended) this.finish('abandoned', undefined);
  }

  private finish(ending: PongResult['ending'], winnerId: string | undefined): void {
    this.ended = true;
    this.idleTicks = 0;
    const s = this.state;
    const winner = winnerId === this.seats[0].playerId ? 1 : winnerId === this.seats[1].playerId ? 2 : 0;
    if (winner !== 0) {
      const over = encodePong({ type: 'gameOver', winner, score1: s?.score1 ?? 0, score2: s?.score2 ?? 0 });
      for (const seat of this.seats) seat.connection?.send(over, 'reliable');
    }
    this.onEnd({
      roomId: this.roomId,
      matchId: this.matchId,
      winnerId,
      score1: s?.score1 ?? 0,
      score2: s?.score2 ?? 0,
      ticks: this.ticks,
      ending,
    });
  }
}
