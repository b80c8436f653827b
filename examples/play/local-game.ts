/**
 * The game `npm run play` starts when no match server is given: a Pong game server in this
 * process on 127.0.0.1 (an ephemeral UDP port, a connect-token key made fresh for this run), one
 * room for the human and a bot, a connect token for each (the roster sealed in, as the match
 * server would), and the bot already playing.
 */
import { randomBytes } from 'node:crypto';
import { epochClock, type RandomSource, silentLogger } from '../../src/core/index.js';
import { encodeMatchRoster, MemoryRoomManager } from '../../src/matchmaking/index.js';
import { ConnectTokenIssuer, ConnectTokenVerifier, UdpTransport } from '../../src/transport/index.js';
import { type MatchAssignment, playAssignment } from '../pong-server/bot-player.js';
import { PONG_PROTOCOL_ID, PongServer } from '../pong-server/pong-server.js';

/** The human's player id; it sorts before the bot's, so the human takes seat 1, the left paddle. */
export const HUMAN_ID = 'human';
const BOT_ID = 'robot';

export interface LocalGameOptions {
  random: RandomSource;
  /** Points that win the match. */
  scoreToWin: number;
  /** The bot's skill, 0 (hopeless) to 1 (never misses). */
  botSkill: number;
}

export interface LocalGame {
  /** The human's match answer, as a match server would have given it. */
  human: MatchAssignment;
  /** Stops the bot and the server and closes the socket. */
  close(): Promise<void>;
}

export async function startLocalGame(options: LocalGameOptions): Promise<LocalGame> {
  const { random } = options;
  const key = { id: 1, key: randomBytes(32) };
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const serverAddress = `127.0.0.1:${transport.localAddress.port}`;
  const rooms = new MemoryRoomManager({ random });
  const matchId = 'local';
  const players = [HUMAN_ID, BOT_ID];
  const roomId = await rooms.createRoom(matchId, players);
  const server = new PongServer({
    transport,
    connectTokens: new ConnectTokenVerifier({
      keys: [key],
      protocolId: PONG_PROTOCOL_ID,
      serverAddresses: [serverAddress],
      clock: epochClock,
    }),
    rooms,
    random,
    logger: silentLogger, // the terminal is the court
    scoreToWin: options.scoreToWin,
  });
  server.start();
  const issuer = new ConnectTokenIssuer({ key, protocolId: PONG_PROTOCOL_ID, clock: epochClock, random });
  const assignment = (playerId: string, opponent: string): MatchAssignment => ({
    match_id: matchId,
    room_id: roomId,
    game_server: serverAddress,
    opponent_id: opponent,
    connect_token: Buffer.from(
      issuer.issue({ playerId, matchId, roomId, serverAddress, userData: encodeMatchRoster(players)! }),
    ).toString('base64'),
  });
  // The bot plays until the match ends or the server goes; either way it is done, nothing to report.
  const bot = playAssignment(assignment(BOT_ID, HUMAN_ID), {
    playerId: BOT_ID,
    random,
    skill: options.botSkill,
    timeoutMs: 24 * 3600_000,
  }).catch(() => undefined);
  return {
    human: assignment(HUMAN_ID, BOT_ID),
    async close() {
      server.stop();
      await bot;
      await transport.close();
    },
  };
}
