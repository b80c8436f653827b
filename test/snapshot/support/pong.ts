/** A Pong schema and a deterministic match simulation shared by tests and the benchmark. */

import type { EntityOf, SnapshotSchema } from '../../../src/snapshot/index.js';
import { defineSchema, enumField, floatField, intField } from '../../../src/snapshot/index.js';

export const pongSchema = defineSchema({
  version: 1,
  entities: {
    ball: {
      x: floatField(0, 800, 0.05),
      y: floatField(0, 600, 0.05),
      vx: floatField(-1000, 1000, 0.5),
      vy: floatField(-1000, 1000, 0.5),
    },
    paddle: { y: floatField(0, 600, 0.05), side: enumField(['left', 'right']) },
    score: { left: intField(0, 99), right: intField(0, 99) },
  },
});

export type PongEntity = EntityOf<typeof pongSchema extends SnapshotSchema<infer D> ? D : never>;
