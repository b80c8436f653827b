/**
 * The same Pong on Colyseus 0.18: the example's rules (stepPong) in a `Room` with a 60 Hz
 * simulation interval and `setPatchRate(1000 / 60)`, the state a schema-5 `schema()` class.
 * `frameMeter` sums every room's step and patch time per 16.7 ms frame and measures how late
 * each room's simulation interval fires.
 */
import { performance } from 'node:perf_hooks';
import { type Client, Room } from '@colyseus/core';
import { schema, t } from 'colyseus-schema-5';
import { createSeededRandom } from '../../src/core/index.js';
import { newPongState, type PaddleInput, type PongState, stepPong } from './pong-adapter.js';
import { Samples } from './probe.js';

const PERIOD_MS = 1000 / 60;

export const PongSchemaState = schema(
  {
    ballX: t.float32(),
    ballY: t.float32(),
    paddle1Y: t.float32(),
    paddle2Y: t.float32(),
    score1: t.uint8(),
    score2: t.uint8(),
    winner: t.uint8(),
  },
  'PongState',
);
type PongSchemaState = InstanceType<typeof PongSchemaState>;

/** Frame sums, ticks and lateness across every room of the process. */
class FrameMeter {
  private origin = performance.now();
  private frames = new Map<number, number>();
  readonly lateMs = new Samples();
  ticks = 0;

  add(began: number, ms: number): void {
    const frame = Math.floor((began - this.origin) / PERIOD_MS);
    this.frames.set(frame, (this.frames.get(frame) ?? 0) + ms);
  }

  reset(): void {
    this.origin = performance.now();
    this.frames.clear();
    this.lateMs.reset();
    this.ticks = 0;
  }

  /** Per-frame busy time; frames in which no room ran count as 0. */
  framePercentile(p: number): number {
    const last = Math.floor((performance.now() - this.origin) / PERIOD_MS);
    const all = new Samples();
    for (let f = 0; f < last; f++) all.add(this.frames.get(f) ?? 0);
    return all.percentile(p);
  }
}

export const frameMeter = new FrameMeter();
/** Clients joined across every room. */
export const joined = { clients: 0 };
const random = createSeededRandom(4);

export class PongColyseusRoom extends Room {
  override maxClients = 2;
  private game: PongState | undefined;
  private readonly paddleInputs: [PaddleInput, PaddleInput] = [0, 0];
  private readonly sides = new Map<string, 0 | 1>();
  private lastTickAt = 0;

  override onCreate(): void {
    this.state = new PongSchemaState();
    this.onMessage('input', (client: Client, input: unknown) => {
      const side = this.sides.get(client.sessionId);
      if (side !== undefined && (input === -1 || input === 0 || input === 1)) this.paddleInputs[side] = input;
    });
    this.setSimulationInterval(() => this.step(), PERIOD_MS);
    this.setPatchRate(PERIOD_MS);
  }

  override onJoin(client: Client): void {
    const side = this.sides.size === 0 ? 0 : 1;
    this.sides.set(client.sessionId, side);
    joined.clients++;
    client.send('welcome', side + 1);
    if (this.sides.size === 2) {
      this.game = newPongState(random);
      void this.lock();
    }
  }

  override onLeave(client: Client): void {
    if (this.sides.delete(client.sessionId)) joined.clients--;
  }

  private step(): void {
    const began = performance.now();
    if (this.lastTickAt !== 0) frameMeter.lateMs.add(Math.max(0, began - this.lastTickAt - PERIOD_MS));
    this.lastTickAt = began;
    frameMeter.ticks++;
    const game = this.game;
    if (game !== undefined && game.winner === 0) {
      stepPong(game, 1 / 60, this.paddleInputs[0], this.paddleInputs[1], random, 99);
      const s = this.state as PongSchemaState;
      s.ballX = game.ballX;
      s.ballY = game.ballY;
      s.paddle1Y = game.paddle1Y;
      s.paddle2Y = game.paddle2Y;
      s.score1 = game.score1;
      s.score2 = game.score2;
      s.winner = game.winner;
    }
    frameMeter.add(began, performance.now() - began);
  }

  override broadcastPatch(): boolean {
    const began = performance.now();
    const changed = super.broadcastPatch();
    frameMeter.add(began, performance.now() - began);
    return changed;
  }
}
