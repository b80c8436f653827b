/**
 * Connect tokens for tests of the Pong example: a fresh key, the issuer the match server would
 * hold and the verifier a game server at `serverAddress` would hold, and match answers carrying
 * a token for each player (with the match's roster, as `MatchServer` seals it).
 */
import { randomBytes } from 'node:crypto';
import type { MatchAssignment } from '../../examples/pong-server/bot-player.js';
import { PONG_PROTOCOL_ID } from '../../examples/pong-server/pong-server.js';
import { createSeededRandom, epochClock } from '../../src/core/index.js';
import { encodeMatchRoster } from '../../src/matchmaking/index.js';
import { ConnectTokenIssuer, ConnectTokenVerifier } from '../../src/transport/index.js';

export function pongTokens(serverAddress: string, clock = epochClock) {
  const key = { id: 1, key: randomBytes(32) };
  const issuer = new ConnectTokenIssuer({
    key,
    protocolId: PONG_PROTOCOL_ID,
    clock,
    random: createSeededRandom(7),
  });
  return {
    issuer,
    verifier: new ConnectTokenVerifier({
      keys: [key],
      protocolId: PONG_PROTOCOL_ID,
      serverAddresses: [serverAddress],
      clock,
    }),
    /** The raw public token for `playerId` in a match of `players`. */
    token(playerId: string, matchId: string, roomId: string, players: readonly string[]): Uint8Array {
      return issuer.issue({
        playerId,
        matchId,
        roomId,
        serverAddress,
        userData: encodeMatchRoster(players)!,
      });
    },
    /** The match server's answer to `playerId`, in a match against `opponent`. */
    assignment(playerId: string, opponent: string, matchId: string, roomId: string): MatchAssignment {
      const token = this.token(playerId, matchId, roomId, [playerId, opponent]);
      return {
        match_id: matchId,
        room_id: roomId,
        game_server: serverAddress,
        opponent_id: opponent,
        connect_token: Buffer.from(token).toString('base64'),
      };
    },
  };
}
