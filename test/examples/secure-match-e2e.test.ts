/**
 * Issue 9 end to end, over real UDP on loopback: a MatchServer (PGlite, memory rooms, bearer
 * credentials) issues connect tokens, one PongServer verifies them, and two bots matched over HTTP
 * play a whole game on sealed packets. Meanwhile the opponent tries every way at the other seat it
 * has (its own token from a second address, the victim's handshake token sniffed off the wire, the
 * victim's sniffed ChallengeResponse replayed), a full copy of the victim's token and the victim's own
 * second token are used from other addresses, and the opponent asks for the victim's match over
 * HTTP. Each is refused and counted by reason; the game is not disturbed.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { PGlite } from '@electric-sql/pglite';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { bearerAuthenticate, signMatchToken } from '../../examples/match-server/bearer-auth.js';
import { parseHostPort, playAssignment, requestMatch } from '../../examples/pong-server/bot-player.js';
import { PONG_PROTOCOL_ID, PongServer } from '../../examples/pong-server/pong-server.js';
import { createSeededRandom, epochClock, systemClock } from '../../src/core/index.js';
import {
  MatchServer,
  MemoryRoomManager,
  migrate,
  pgliteClient,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import {
  ConnectionPacketType,
  readChallengeResponse,
  readPacketType,
} from '../../src/transport/connection-packets.js';
import {
  ConnectFailedError,
  ConnectionClient,
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  type PublicConnectToken,
  UdpTransport,
} from '../../src/transport/index.js';
import { startUdpSniffer } from '../support/udp-sniffer.js';

/** Waits (real time: this is real UDP) until `done`, failing after `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('secure match end to end (real UDP, issue 9)', () => {
  it('two bots matched over HTTP play a full game on tokens and sealed packets; no one else takes a seat', async () => {
    const db = new PGlite();
    const sql = pgliteClient(db);
    await migrate(sql);
    const rooms = new MemoryRoomManager({ random: createSeededRandom(1) });
    const key = { id: 1, key: randomBytes(32) };
    const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const serverAddress = `127.0.0.1:${transport.localAddress.port}`;
    const game = new PongServer({
      transport,
      connectTokens: new ConnectTokenVerifier({
        keys: [key],
        protocolId: PONG_PROTOCOL_ID,
        serverAddresses: [serverAddress],
        clock: epochClock,
      }),
      rooms,
      random: createSeededRandom(2),
      scoreToWin: 2,
    });
    game.start();
    const secret = randomBytes(32);
    const matchServer = new MatchServer({
      authenticate: bearerAuthenticate(secret),
      connectTokens: new ConnectTokenIssuer({
        key,
        protocolId: PONG_PROTOCOL_ID,
        clock: epochClock,
        random: createSeededRandom(3),
      }),
      db: sql,
      rooms,
      allocator: new StaticGameServerAllocator([serverAddress]),
      random: createSeededRandom(4),
      tickIntervalMs: 20,
    });
    const { port } = await matchServer.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const sniffer = await startUdpSniffer(transport.localAddress);
    const closers: (() => Promise<void> | void)[] = [];
    try {
      const auth = { alice: `Bearer ${await signMatchToken(secret, 'alice')}` };
      const bobAuth = `Bearer ${await signMatchToken(secret, 'bob')}`;
      const [alice, bob] = await Promise.all([
        requestMatch(url, 'alice', 1500, auth.alice),
        requestMatch(url, 'bob', 1510, bobAuth),
      ]);
      expect([alice.opponent_id, bob.opponent_id, alice.match_id]).toEqual(['bob', 'alice', bob.match_id]);
      expect([alice.game_server, bob.game_server]).toEqual([serverAddress, serverAddress]);

      // (c) The opponent asks for the other player's match (its ids and a token) over HTTP: 403.
      const peek = await request(`${url}/match/request/alice`, { headers: { authorization: bobAuth } });
      expect(peek.statusCode).toBe(403);
      expect(((await peek.body.json()) as { error: { code: string } }).error.code).toBe(
        'ERR_MATCH_FORBIDDEN',
      );
      // Alice asking for her own match gets a second, fresh token for the same seat.
      const own = await request(`${url}/match/request/alice`, { headers: { authorization: auth.alice } });
      expect(own.statusCode).toBe(200);
      const aliceAgain = (await own.body.json()) as { match_id: string; connect_token: string };
      expect(aliceAgain.match_id).toBe(alice.match_id);
      expect(aliceAgain.connect_token).not.toBe(alice.connect_token);

      // Both play; alice's packets pass an eavesdropper on the way.
      const games = Promise.all([
        playAssignment(alice, {
          playerId: 'alice',
          random: createSeededRandom(5),
          skill: 0,
          timeoutMs: 50_000,
          via: () => sniffer.address,
        }),
        playAssignment(bob, {
          playerId: 'bob',
          random: createSeededRandom(6),
          skill: 0,
          timeoutMs: 50_000,
        }),
      ]);
      games.catch(() => {}); // awaited below; the attacks may fail first
      await until(() => game.connections.connections.size === 2, 10_000);
      const room = () => game.host.rooms.get(alice.room_id);
      await until(() => room()?.seats.every((s) => s?.state === 'connected') === true, 10_000);

      /** A handshake with `token` from a fresh address; resolves with why it was refused. */
      const attempt = async (token: PublicConnectToken): Promise<string> => {
        const socket = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
        const client = new ConnectionClient({
          transport: socket,
          server: parseHostPort(serverAddress),
          token,
          clock: systemClock,
          random: createSeededRandom(socket.localAddress.port),
        });
        client.start(10);
        try {
          await client.connect();
          return 'connected';
        } catch (err) {
          return err instanceof ConnectFailedError ? err.reason : String(err);
        } finally {
          client.close();
          await socket.close();
        }
      };
      const aliceToken = decodeConnectToken(Buffer.from(alice.connect_token, 'base64'));
      const bobToken = decodeConnectToken(Buffer.from(bob.connect_token, 'base64'));
      const sniffed = sniffer.upstream.filter(
        (p) => readPacketType(p) === ConnectionPacketType.ChallengeResponse,
      );
      expect(sniffed.length).toBeGreaterThan(0);
      const sniffedToken = readChallengeResponse(sniffed[0]!)!.token;
      expect(Buffer.from(sniffedToken).equals(Buffer.from(aliceToken.handshakeToken))).toBe(true);

      // (a) The opponent, holding its own valid token: from a second address, that token is in use.
      expect(await attempt(bobToken)).toBe('denied_token_in_use');
      // (a) With alice's handshake token sniffed off the wire (and its own keys, not hers): no proof.
      expect(await attempt({ ...bobToken, handshakeToken: sniffedToken })).toBe('denied_token_rejected');
      // (a) Replaying alice's sniffed ChallengeResponse whole, from its own address: the cookie names hers.
      const raw = dgram.createSocket('udp4');
      closers.push(() => new Promise<void>((resolve) => raw.close(() => resolve())));
      raw.send(sniffed[0]!, transport.localAddress.port, '127.0.0.1');
      await until(() => game.connections.counters.badCookies === 1, 5_000);
      // (b) A full copy of alice's token (keys and all) from a second address while she is connected.
      expect(await attempt(aliceToken)).toBe('denied_token_in_use');
      // Alice's own second token, from a second address while she is connected: her player is in use.
      expect(await attempt(decodeConnectToken(Buffer.from(aliceAgain.connect_token, 'base64')))).toBe(
        'denied_token_in_use',
      );

      const [a, b] = await games;
      expect(a.score).toEqual(b.score);
      expect(Math.max(...a.score)).toBe(2);
      expect([a.won, b.won].sort()).toEqual([false, true]);
      expect(a.side).not.toBe(b.side);
      expect(a.snapshotErrors + b.snapshotErrors).toBe(0);
      expect(game.results).toHaveLength(1);
      expect(game.results[0]).toMatchObject({
        matchId: alice.match_id,
        roomId: alice.room_id,
        score1: a.side === 1 ? a.score[0] : b.score[0],
        score2: a.side === 1 ? a.score[1] : b.score[1],
      });
      const counters = game.connections.counters;
      expect(counters.tokensRefused).toEqual({
        malformed: 0,
        unknown_key: 0,
        unauthentic: 0,
        expired: 0,
        wrong_server: 0,
        wrong_protocol: 0,
        token_in_use: 2,
        player_in_use: 1,
        no_proof: 1,
      });
      expect(counters.badCookies).toBe(1);
      expect(counters.accepted).toBe(2); // alice and bob, once each
      expect(Object.values(game.host.counters.seatsRefused).reduce((n, v) => n + v, 0)).toBe(0);
      expect(game.host.counters.reconnects).toBe(0);
    } finally {
      for (const close of closers) await close();
      game.stop();
      await sniffer.close();
      await transport.close();
      await matchServer.close();
      await db.close();
    }
  });
});
