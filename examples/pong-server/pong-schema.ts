/** The Pong world as snapshot entities: one ball, two paddles and the scoreboard. */
import { defineSchema, floatField, intField } from '../../src/snapshot/index.js';
import { PONG, type PongState } from './pong-game.js';

const pongEntityDefinitions = {
  ball: { x: floatField(-50, PONG.width + 50, 0.25), y: floatField(0, PONG.height, 0.25) },
  paddle: { side: intField(1, 2), y: floatField(0, PONG.height, 0.25) },
  score: { p1: intField(0, 99), p2: intField(0, 99), winner: intField(0, 2) },
};

/** The entity definitions of the Pong world. */
export type PongEntities = typeof pongEntityDefinitions;

export const pongSchema = defineSchema({ version: 1, entities: pongEntityDefinitions, maxEntityId: 15 });

/** Entity ids of the Pong world. */
export const PONG_IDS = { ball: 0, paddle1: 1, paddle2: 2, score: 3 } as const;

/** The snapshot entities of a match state. */
export function pongEntities(s: PongState) {
  return [
    { id: PONG_IDS.ball, type: 'ball', x: s.ballX, y: s.ballY },
    { id: PONG_IDS.paddle1, type: 'paddle', side: 1, y: s.paddle1Y },
    { id: PONG_IDS.paddle2, type: 'paddle', side: 2, y: s.paddle2Y },
    { id: PONG_IDS.score, type: 'score', p1: s.score1, p2: s.score2, winner: s.winner },
  ] as const;
}
