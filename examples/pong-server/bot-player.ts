/**
 * A bot player: asks the match server for a match over HTTP, connects to the game server it was
 * given over UDP, and plays Pong from the snapshots it receives until the match ends.
 */
import { request } from 'undici';
import { type Clock, type RandomSource, systemClock } from '../../src/core/index.js';
import { RoomClient } from '../../src/server/index.js';
import type { DecodedSnapshot } from '../../src/snapshot/index.js';
import {
  ConnectionClient,
  decodeConnectToken,
  type PeerAddress,
  UdpTransport,
} from '../../src/transport/index.js';
import { botInput, type PongState } from './pong-game.js';
import { decodeGameOver, encodeInput, PONG_INPUT_BYTES } from './pong-messages.js';
import { PONG_IDS, type PongEntities, pongSchema } from './pong-schema.js';

/** What the match server answered. */
export interface MatchAssignment {
  match_id: string;
  room_id: string;
  game_server: string;
  opponent_id: string;
  /** The connect token (base64) the game server admits this player with. */
  connect_token: string;
}

export interface BotOptions {
  matchServerUrl: string;
  playerId: string;
  rating: number;
  random: RandomSource;
  /** 0 (hopeless) to 1 (never misses). */
  skill: number;
  clock?: Clock;
  /** Give up on the whole match after this long (default 120 s). */
  timeoutMs?: number;
  /** The match server's credentials, sent as the `Authorization` header (e.g. `Bearer <jwt>`). */
  authorization?: string;
  /** Connect through this address instead of the assigned one (e.g. a `LossyUdpProxy`). */
  via?: (assigned: PeerAddress) => PeerAddress;
}

export interface BotOutcome {
  playerId: string;
  assignment: MatchAssignment;
  side: 1 | 2 | undefined;
  won: boolean;
  score: [number, number];
  snapshotsDecoded: number;
  snapshotErrors: number;
  rttMs: number;
}

/**
 * Asks for a match until one is made (each 202 is repeated, which the server makes idempotent).
 * `authorization` is sent as the `Authorization` header when given.
 */
export async function requestMatch(
  url: string,
  playerId: string,
  rating: number,
  authorization?: string,
): Promise<MatchAssignment> {
  for (;;) {
    const res = await request(`${url}/match/request`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: JSON.stringify({ player_id: playerId, rating }),
    });
    const body = (await res.body.json()) as Record<string, unknown>;
    if (res.statusCode === 200) return body as unknown as MatchAssignment;
    if (res.statusCode !== 202)
      throw new Error(`match request for ${playerId}: ${res.statusCode} ${JSON.stringify(body)}`);
  }
}

export function parseHostPort(s: string): PeerAddress {
  const i = s.lastIndexOf(':');
  return { address: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/** The Pong state a bot can see in a snapshot; ball velocity is estimated from the previous one. */
function visibleState(now: DecodedSnapshot<PongEntities>, prev: PongState | undefined): PongState {
  const get = (id: number) => now.entities.get(id) as Record<string, number> | undefined;
  const ball = get(PONG_IDS.ball);
  const score = get(PONG_IDS.score);
  const x = ball?.x ?? 400;
  const y = ball?.y ?? 300;
  return {
    ballX: x,
    ballY: y,
    ballVX: prev ? x - prev.ballX : 0,
    ballVY: prev ? y - prev.ballY : 0,
    paddle1Y: get(PONG_IDS.paddle1)?.y ?? 300,
    paddle2Y: get(PONG_IDS.paddle2)?.y ?? 300,
    score1: score?.p1 ?? 0,
    score2: score?.p2 ?? 0,
    winner: (score?.winner ?? 0) as 0 | 1 | 2,
  };
}

/** Plays one whole match: asks the match server for one, then plays it. */
export async function playMatch(options: BotOptions): Promise<BotOutcome> {
  const assignment = await requestMatch(
    options.matchServerUrl,
    options.playerId,
    options.rating,
    options.authorization,
  );
  return playAssignment(assignment, options);
}

/** Plays the match the match server assigned, on the game server it named. */
export async function playAssignment(
  assignment: MatchAssignment,
  options: Omit<BotOptions, 'matchServerUrl' | 'rating' | 'authorization'>,
): Promise<BotOutcome> {
  const clock = options.clock ?? systemClock;
  const token = decodeConnectToken(Buffer.from(assignment.connect_token, 'base64'));
  const assigned = parseHostPort(token.serverAddress);
  const server = options.via ? options.via(assigned) : assigned;
  const transport = await UdpTransport.bind({
    host: server.address.includes(':') ? '::1' : '127.0.0.1',
    port: 0,
  });
  const client = new ConnectionClient({
    transport,
    server,
    token,
    clock,
    random: options.random,
  });
  let seen: PongState | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Made on the 'connect' event, which fires with the handshake, before any message of the same batch.
  let joined: RoomClient<PongEntities> | undefined;
  client.on('connect', (connection) => {
    joined = new RoomClient({ connection, schema: pongSchema, inputSize: PONG_INPUT_BYTES, clock });
  });
  try {
    client.start(10);
    const connection = await client.connect();
    const room = joined!;
    const sideOf = () => (room.seat === undefined ? undefined : ((room.seat + 1) as 1 | 2));
    const outcome = await new Promise<BotOutcome>((resolve, reject) => {
      const finish = (won: boolean, score: [number, number]) => {
        const s = room.snapshots.counters;
        resolve({
          playerId: options.playerId,
          assignment,
          side: sideOf(),
          won,
          score,
          snapshotsDecoded: s.decoded,
          snapshotErrors: s.malformed + s.truncated + s.unknownBaseline,
          rttMs: connection.channel.rttMs,
        });
      };
      const deadline = setTimeout(
        () => reject(new Error(`${options.playerId}: match timed out`)),
        options.timeoutMs ?? 120_000,
      );
      room.on('snapshot', (snapshot) => {
        seen = visibleState(snapshot, seen);
      });
      room.on('message', (message) => {
        const over = decodeGameOver(message);
        if (over === undefined) return;
        clearTimeout(deadline);
        finish(over.winner === sideOf(), [over.score1, over.score2]);
      });
      connection.on('disconnect', (reason) => {
        clearTimeout(deadline);
        if (seen?.winner) finish(seen.winner === sideOf(), [seen.score1, seen.score2]);
        else reject(new Error(`${options.playerId}: disconnected (${reason}) before the match ended`));
      });
      timer = setInterval(() => {
        // One packet per tick: this tick's input (with the last few, against loss) and the snapshot ack.
        const side = sideOf();
        if (side !== undefined && seen !== undefined && connection.connected)
          room.sendInput(encodeInput(botInput(seen, side, options.skill, options.random)));
      }, 1000 / 60);
    });
    return outcome;
  } finally {
    clearInterval(timer);
    client.close();
    await transport.close();
  }
}
