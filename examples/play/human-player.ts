/**
 * The human's connection to a Pong room: the handshake with the connect token, the room client
 * (welcome, snapshots, one input frame per tick) and a render buffer that interpolates between
 * snapshots.
 */
import type { Clock, RandomSource } from '../../src/core/index.js';
import { RoomClient } from '../../src/server/index.js';
import { SnapshotInterpolator } from '../../src/snapshot/index.js';
import {
  type Connection,
  ConnectionClient,
  decodeConnectToken,
  UdpTransport,
} from '../../src/transport/index.js';
import { type MatchAssignment, parseHostPort } from '../pong-server/bot-player.js';
import { PONG_INPUT_BYTES } from '../pong-server/pong-messages.js';
import { type PongEntities, pongSchema } from '../pong-server/pong-schema.js';

export interface HumanPlayer {
  connection: Connection;
  room: RoomClient<PongEntities>;
  /** Made on the welcome (it needs the tick rate). */
  interpolator(): SnapshotInterpolator<PongEntities> | undefined;
  close(): Promise<void>;
}

/** How far behind the newest snapshot to draw: three ticks at 60 Hz, enough for one lost snapshot. */
const RENDER_DELAY_MS = 50;

export async function joinAsHuman(
  assignment: MatchAssignment,
  clock: Clock,
  random: RandomSource,
): Promise<HumanPlayer> {
  const token = decodeConnectToken(Buffer.from(assignment.connect_token, 'base64'));
  const server = parseHostPort(token.serverAddress);
  const transport = await UdpTransport.bind({
    host: server.address.includes(':') ? '::1' : '127.0.0.1',
    port: 0,
  });
  const client = new ConnectionClient({ transport, server, token, clock, random });
  let room: RoomClient<PongEntities> | undefined;
  let interpolator: SnapshotInterpolator<PongEntities> | undefined;
  // Made on 'connect', which fires with the handshake, before any room message of the same batch.
  client.on('connect', (connection) => {
    room = new RoomClient({ connection, schema: pongSchema, inputSize: PONG_INPUT_BYTES, clock });
    room.on('welcome', (welcome) => {
      interpolator ??= new SnapshotInterpolator({
        schema: pongSchema,
        clock,
        tickIntervalMs: 1000 / welcome.tickRate,
        delayMs: RENDER_DELAY_MS,
      });
    });
    room.on('snapshot', (snapshot) => interpolator?.push(snapshot));
  });
  client.start(10);
  try {
    const connection = await client.connect();
    return {
      connection,
      room: room!,
      interpolator: () => interpolator,
      async close() {
        client.close();
        await transport.close();
      },
    };
  } catch (err) {
    client.close();
    await transport.close();
    throw err;
  }
}
