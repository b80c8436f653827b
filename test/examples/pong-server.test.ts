/**
 * The Pong game server of the demo, deterministic: a MemoryNetwork, a ManualClock and hand-fired
 * tick timers. Players are admitted only with a connect token sealed for this server, to the seat
 * it names; a reconnect keeps the seat, matches end and rooms are dropped.
 */
import { describe, expect, it } from 'vitest';
import { decodeGameOver, PONG_INPUT_BYTES } from '../../examples/pong-server/pong-messages.js';
import { pongSchema } from '../../examples/pong-server/pong-schema.js';
import { PongServer } from '../../examples/pong-server/pong-server.js';
import { createSeededRandom, ManualClock, type Timers } from '../../src/core/index.js';
import { MemoryRoomManager } from '../../src/matchmaking/index.js';
import { RoomClient } from '../../src/server/index.js';
import {
  type Connection,
  ConnectionClient,
  decodeConnectToken,
  MemoryNetwork,
} from '../../src/transport/index.js';
import { pongTokens } from '../support/pong-tokens.js';

const SERVER = { address: '10.0.0.1', port: 9000 };
const SERVER_ADDRESS = '10.0.0.1:9000';

async function world() {
  const clock = new ManualClock(0);
  const network = new MemoryNetwork({ clock, random: createSeededRandom(1) });
  const rooms = new MemoryRoomManager({ random: createSeededRandom(2) });
  const roomId = await rooms.createRoom('m1', ['alice', 'bob']);
  let pending: (() => void) | undefined;
  const timers: Timers = {
    setTimeout: (cb) => {
      pending = cb;
      return cb;
    },
    clearTimeout: () => {
      pending = undefined;
    },
  };
  // Tokens read epoch milliseconds: the same manual time, shifted to a plausible date.
  const tokenClock = { now: () => 1_800_000_000_000 + clock.now() };
  const tokens = pongTokens(SERVER_ADDRESS, tokenClock);
  const server = new PongServer({
    transport: network.createEndpoint(SERVER),
    connectTokens: tokens.verifier,
    rooms,
    random: createSeededRandom(3),
    clock,
    timers,
    scoreToWin: 1,
  });
  server.start();
  const clients: ConnectionClient[] = [];
  let host = 2;
  const w = {
    clock,
    rooms,
    roomId,
    server,
    tokens,
    tokenClock,
    /** A player's client with a fresh token for the match of alice and bob (or `token`). */
    client(playerId: string, token = tokens.token(playerId, 'm1', roomId, ['alice', 'bob'])) {
      const client = new ConnectionClient({
        transport: network.createEndpoint({ address: `10.0.0.${host++}`, port: 5000 }),
        server: SERVER, // whatever address the token names
        token: decodeConnectToken(token),
        clock,
        random: createSeededRandom(host),
      });
      clients.push(client);
      return client;
    },
    /** One 60 Hz step of the whole world, letting async token checks settle. */
    async step() {
      clock.advance(1000 / 60);
      network.pump();
      pending?.();
      for (const c of clients) c.update();
      network.pump();
      await new Promise((resolve) => setImmediate(resolve));
    },
    async until(done: () => boolean, maxSteps: number) {
      for (let i = 0; i < maxSteps && !done(); i++) await w.step();
      expect(done()).toBe(true);
    },
  };
  return w;
}

/** Connects a client and records the Pong messages it receives. */
function track(w: Awaited<ReturnType<typeof world>>, client: ConnectionClient) {
  const seen: string[] = [];
  let connection: Connection | undefined;
  let refused = false;
  // Listen on the 'connect' event: it fires synchronously with the handshake, before any message
  // that arrives in the same batch (the connect() promise resolves a microtask later).
  client.on('connect', (c) => {
    connection = c;
    const room = new RoomClient({
      connection: c,
      schema: pongSchema,
      inputSize: PONG_INPUT_BYTES,
      clock: w.clock,
    });
    room.on('welcome', () => seen.push('welcome'));
    room.on('snapshot', () => {
      seen.push('snapshot');
      room.sendAck();
    });
    room.on('message', (m) => {
      if (decodeGameOver(m)) seen.push('gameOver');
    });
  });
  client.connect().catch(() => {
    refused = true;
  });
  return {
    client,
    seen,
    get connection() {
      return connection;
    },
    get refused() {
      return refused;
    },
    get closed() {
      return connection !== undefined && !connection.connected;
    },
    w,
  };
}

describe('PongServer (examples/pong-server)', () => {
  it('keeps a reconnecting player in their seat and plays the match to the end', async () => {
    const w = await world();
    const alice1 = track(w, w.client('alice'));
    const bob = track(w, w.client('bob'));
    await w.until(() => alice1.seen.includes('welcome') && bob.seen.includes('welcome'), 200);
    await w.until(() => bob.seen.includes('snapshot'), 50);

    // Alice drops; asking the match server again gives her a fresh token for the same match.
    alice1.client.close();
    await w.until(() => w.server.host.rooms.get(w.roomId)?.seats[0]?.state === 'away', 200);
    const alice2 = track(w, w.client('alice'));
    await w.until(() => alice2.seen.includes('welcome'), 200);
    expect(w.server.results).toEqual([]); // within the grace period: no forfeit
    expect(w.server.host.counters.reconnects).toBe(1);

    await w.until(() => w.server.results.length === 1, 60 * 120);
    const [result] = w.server.results;
    expect(result).toMatchObject({ roomId: w.roomId, matchId: 'm1', ending: 'score' });
    expect(['alice', 'bob']).toContain(result!.winnerId);
    await w.until(() => alice2.seen.includes('gameOver') && bob.seen.includes('gameOver'), 120);
    // After lingering, the room is dropped and its players are disconnected.
    await w.until(() => w.server.activeRooms === 0 && bob.closed && alice2.closed, 60 * 5);
    expect(await w.rooms.getRoom(w.roomId)).toBeUndefined();
  });

  it("refuses the opponent presenting its own valid token for the other player's seat (issue 9), and counts it", async () => {
    const w = await world();
    const alice = track(w, w.client('alice'));
    const bob = track(w, w.client('bob'));
    await w.until(() => alice.seen.includes('welcome') && bob.seen.includes('welcome'), 200);
    // A token naming bob cannot take alice's seat: its claim is bob's, and bob is seated.
    const bobAgain = track(w, w.client('bob'));
    // A copy of alice's own token, from bob's side: refused while alice holds it.
    const copy = track(w, w.client('alice', w.tokens.token('alice', 'm1', w.roomId, ['alice', 'bob'])));
    await w.until(() => bobAgain.refused && copy.refused, 200);
    expect(w.server.connections.counters.tokensRefused.player_in_use).toBe(2);
    expect(alice.closed).toBe(false);
    expect(bob.closed).toBe(false);
    expect(w.server.results).toEqual([]);
  });

  it('refuses forged tokens, tokens for another server, and players the match does not name', async () => {
    const w = await world();
    const forged = track(
      w,
      w.client(
        'alice',
        pongTokens(SERVER_ADDRESS, w.tokenClock).token('alice', 'm1', w.roomId, ['alice', 'bob']),
      ),
    );
    const elsewhere = track(
      w,
      w.client(
        'alice',
        w.tokens.issuer.issue({
          playerId: 'alice',
          matchId: 'm1',
          roomId: w.roomId,
          serverAddress: '10.0.0.1:9001',
        }),
      ),
    );
    const mallory = track(w, w.client('mallory'));
    await w.until(() => forged.refused && elsewhere.refused && mallory.closed, 60 * 10);
    expect(w.server.connections.counters.tokensRefused).toMatchObject({ unauthentic: 1, wrong_server: 1 });
    expect(w.server.host.counters.seatsRefused.no_room).toBe(1);
    expect(w.server.activeRooms).toBe(0);
  });

  it('abandons a room whose second player never arrives', async () => {
    const w = await world();
    const alice = track(w, w.client('alice'));
    await w.until(() => alice.seen.includes('welcome'), 200);
    await w.until(() => w.server.results.length === 1, 60 * 12);
    expect(w.server.results[0]).toMatchObject({ ending: 'abandoned', winnerId: undefined });
  });
});
