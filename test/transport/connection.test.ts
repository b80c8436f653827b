import { describe, expect, it, vi } from 'vitest';
import { createSeededRandom, InvalidOptionError, ManualClock, type Timers } from '../../src/core/index.js';
import type { MessageKind } from '../../src/reliability/channel-counters.js';
import { ConnectTokenIssuer } from '../../src/transport/connect-token/index.js';
import type { Connection, DisconnectReason } from '../../src/transport/connection.js';
import { type ClientDisconnectReason, ConnectionClient } from '../../src/transport/connection-client.js';
import { ConnectionServer } from '../../src/transport/connection-server.js';
import { addressKey } from '../../src/transport/datagram-transport.js';
import { ConnectFailedError } from '../../src/transport/errors.js';
import {
  createTokens,
  createWorld,
  EPOCH_MS,
  fakeTransport,
  PROTOCOL_ID,
  SERVER_ADDRESS,
} from './connection-harness.js';
import { manualTimers } from './manual-timers.js';

describe('connection handshake', () => {
  it('connects with exact handshake bytes: 300 in, 33 out; 956 in (899-byte token), 29 out', async () => {
    const counts: number[] = [];
    const world = createWorld({ observer: { connectedClients: (n) => counts.push(n) } });
    const connected: Connection[] = [];
    world.server.on('connect', (c) => connected.push(c));
    const client = world.client();
    const promise = client.connect();
    expect(client.state).toBe('requesting');
    world.run(() => client.state === 'connected');
    const connection = await promise;
    expect(connection.id).toBe(1);
    expect(client.connection).toBe(connection);
    expect(connected).toHaveLength(1);
    expect(connected[0]!.id).toBe(1);
    expect(connected[0]!.peer).toEqual({ address: '10.0.0.2', port: 50000 });
    expect(world.server.connections.get(1)).toBe(connected[0]);
    const key = addressKey(connected[0]!.peer);
    expect(world.serverTransport.receivedFrom.get(key)).toBe(300 + 956);
    expect(world.serverTransport.sentTo.get(key)).toBe(33 + 29);
    expect(world.server.counters.challengesSent).toBe(1);
    expect(world.server.counters.accepted).toBe(1);
    expect(client.counters.handshakePacketsSent).toBe(2);
    expect(world.server.trackedAddresses).toBe(0); // handshake state is released on accept
    expect(counts).toEqual([1]);
    client.close();
    world.step();
    expect(counts).toEqual([1, 0]);
  });

  it('repeats a lost Accepted when the client resends its response', async () => {
    const world = createWorld();
    const client = world.client({ handshakeRetryMs: 100 });
    const me = { address: '10.0.0.2', port: 50000 };
    const promise = client.connect();
    world.step(); // request -> challenge -> response in flight
    expect(client.state).toBe('responding');
    world.network.setLink(SERVER_ADDRESS, me, { lossRate: 1 }); // the Accepted will be lost
    world.step();
    expect(world.server.connections.size).toBe(1);
    for (let i = 0; i < 2; i++) world.step(100); // 200 ms: before the first keep-alive is due
    expect(client.state).toBe('responding');
    expect(world.server.counters.packetsSent).toBe(4); // challenge + Accepted + 2 repeats
    world.network.setLink(SERVER_ADDRESS, me, {});
    world.run(() => client.state === 'connected');
    await promise;
    expect(world.server.counters.accepted).toBe(1);
    expect(client.connection!.id).toBe(1);
  });

  it('exchanges reliable, sequenced and unreliable messages both ways', () => {
    const world = createWorld();
    const serverGot: [string, MessageKind][] = [];
    const clientGot: [string, MessageKind][] = [];
    world.server.on('connect', (c) => {
      c.on('message', (p, kind) => {
        serverGot.push([new TextDecoder().decode(p), kind]);
        c.send(p, kind);
      });
    });
    const client = world.client();
    void client.connect();
    world.run(() => client.state === 'connected');
    const connection = client.connection!;
    connection.on('message', (p, kind) => clientGot.push([new TextDecoder().decode(p), kind]));
    const enc = new TextEncoder();
    connection.send(enc.encode('a'));
    connection.send(enc.encode('b'), 'sequenced');
    connection.send(enc.encode('c'), 'unreliable');
    connection.send(new Uint8Array(5000).fill(65)); // fragmented
    world.run(() => clientGot.length === 4);
    const expected: [string, MessageKind][] = [
      ['a', 'reliable'],
      ['b', 'sequenced'],
      ['c', 'unreliable'],
      ['A'.repeat(5000), 'reliable'],
    ];
    expect(new Set(serverGot.map(([s, k]) => `${k}:${s.length}`))).toEqual(
      new Set(expected.map(([s, k]) => `${k}:${s.length}`)),
    );
    expect(serverGot.filter(([, k]) => k === 'reliable').map(([s]) => s.length)).toEqual([1, 5000]);
    expect(clientGot.filter(([, k]) => k === 'reliable').map(([s]) => s.length)).toEqual([1, 5000]);
  });

  it('denies a protocol version mismatch with a typed error', async () => {
    const world = createWorld({ protocolVersion: 2 });
    const reasons: ClientDisconnectReason[] = [];
    const client = world.client({ protocolVersion: 1 });
    client.on('disconnect', (r) => reasons.push(r));
    const promise = client.connect();
    world.run(() => client.state === 'disconnected');
    await expect(promise).rejects.toBeInstanceOf(ConnectFailedError);
    await expect(promise).rejects.toMatchObject({
      code: 'ERR_CONNECT_FAILED',
      reason: 'denied_version_mismatch',
    });
    expect(reasons).toEqual(['denied_version_mismatch']);
    expect(world.server.counters.denied.versionMismatch).toBe(1);
    expect(world.server.counters.challengesSent).toBe(0);
  });

  it('verifies the token only after the cookie round trip and exposes it as connection.token', async () => {
    const world = createWorld();
    const verify = vi.spyOn(world.tokens.verifier, 'verify');
    const token = world.tokens.issue({ playerId: 'alice', roomId: 'room-7' });
    const client = world.client({ token });
    const promise = client.connect();
    world.step(); // request -> challenge
    expect(verify).not.toHaveBeenCalled(); // a ConnectRequest alone never reaches the verifier
    world.run(() => client.state === 'connected');
    await promise;
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0]![0]).toEqual(token.handshakeToken);
    const connection = [...world.server.connections.values()][0]!;
    expect(connection.token).toMatchObject({ playerId: 'alice', matchId: 'm1', roomId: 'room-7' });
    expect(client.connection!.token).toBeUndefined();
  });

  it('refuses forged, expired and foreign tokens by reason, and denies a full server', async () => {
    const world = createWorld({ maxClients: 1 });
    const other = new ConnectTokenIssuer({
      key: { id: 2, key: new Uint8Array(32).fill(3) },
      protocolId: PROTOCOL_ID,
      clock: { now: () => EPOCH_MS + world.clock.now() },
      random: createSeededRandom(5),
    });
    const { decodeConnectToken } = await import('../../src/transport/connect-token/index.js');
    const grant = { playerId: 'x', matchId: 'm', roomId: 'r', serverAddress: '10.0.0.1:40000' };
    const unknownKey = world.client({ token: decodeConnectToken(other.issue(grant)) });
    const wrongServer = world.client({
      token: world.tokens.issue({ serverAddress: '10.0.0.1:40001' }),
      server: SERVER_ADDRESS, // dialled anyway
    });
    const expiring = world.tokens.issue();
    const first = world.client();
    const results = [unknownKey.connect(), wrongServer.connect(), first.connect()].map((p) =>
      p.catch((e) => e),
    );
    world.run(
      () =>
        first.state === 'connected' &&
        unknownKey.state === 'disconnected' &&
        wrongServer.state === 'disconnected',
    );
    const full = world.client();
    const fourth = full.connect().catch((e) => e);
    world.run(() => full.state === 'disconnected');
    world.clock.advance(30_000); // the default token lifetime
    const late = world.client({ token: expiring });
    const fifth = late.connect().catch((e) => e);
    world.run(() => late.state === 'disconnected');
    expect(((await results[0]) as ConnectFailedError).reason).toBe('denied_token_rejected');
    expect(((await results[1]) as ConnectFailedError).reason).toBe('denied_token_rejected');
    expect(((await fourth) as ConnectFailedError).reason).toBe('denied_server_full');
    expect(((await fifth) as ConnectFailedError).reason).toBe('denied_token_rejected');
    expect(world.server.counters.denied).toEqual({ serverFull: 1, versionMismatch: 0 });
    expect(world.server.counters.tokensRefused).toEqual({
      malformed: 0,
      unknown_key: 1,
      unauthentic: 0,
      expired: 1,
      wrong_server: 1,
      wrong_protocol: 0,
      token_in_use: 0,
      player_in_use: 0,
      no_proof: 0,
    });
  });

  it('times out a connect attempt to a silent server', async () => {
    const world = createWorld();
    world.server.close();
    const client = world.client({ connectTimeoutMs: 1000, handshakeRetryMs: 100 });
    const promise = client.connect().catch((e) => e);
    world.run(() => client.state === 'disconnected');
    expect(((await promise) as ConnectFailedError).reason).toBe('connect_timeout');
    expect(client.counters.handshakePacketsSent).toBe(10);
  });
});

describe('connection lifecycle', () => {
  function connectedPair(options: Parameters<typeof createWorld>[0] = {}, timeoutMs = 2000) {
    const world = createWorld({ keepAliveIntervalMs: 250, ...options }, 1, { timeoutMs });
    const serverReasons: DisconnectReason[] = [];
    world.server.on('disconnect', (_c, r) => serverReasons.push(r));
    const client = world.client({ keepAliveIntervalMs: 250 });
    const clientReasons: ClientDisconnectReason[] = [];
    client.on('disconnect', (r) => clientReasons.push(r));
    void client.connect();
    world.run(() => client.state === 'connected');
    return { world, client, serverReasons, clientReasons };
  }

  it('keeps an idle connection alive with keep-alives, then times out when the link dies', () => {
    const { world, client, serverReasons, clientReasons } = connectedPair();
    for (let i = 0; i < 1000; i++) world.step(10); // 10 s idle
    expect(client.state).toBe('connected');
    expect(world.server.connections.size).toBe(1);
    world.network.setDefaultConditions({ lossRate: 1 });
    const steps = world.run(() => client.state === 'disconnected' && world.server.connections.size === 0);
    expect(steps).toBeGreaterThanOrEqual(190); // about timeoutMs / 10 ms per step
    expect(steps).toBeLessThanOrEqual(201);
    expect(serverReasons).toEqual(['timeout']);
    expect(clientReasons).toEqual(['timeout']);
    expect(world.server.counters.disconnects.timeout).toBe(1);
  });

  it('times out a peer whose address only sends packets that fail the seal', () => {
    const { world, client, serverReasons } = connectedPair();
    const connection = world.server.connections.get(1)!;
    const fromClient = world.clientTransports.get(client)!;
    // Well-framed Payload packets (prefix 0x25, packet number, 1 byte, tag) that were never sealed,
    // from the client's own address (as a spoofer could send them) while the real client is silent.
    const garbage = new Uint8Array(26);
    garbage[0] = 0x25;
    let ms = 0;
    while (world.server.connections.size > 0 && ms < 10_000) {
      world.clock.advance(100);
      ms += 100;
      garbage[1] = ms / 100; // a new packet number each time
      fromClient.send(garbage, SERVER_ADDRESS);
      world.network.pump();
      world.server.update();
    }
    expect(ms).toBe(2000);
    expect(serverReasons).toEqual(['timeout']);
    expect(world.server.counters.dropped.unauthenticated).toBe(20);
    expect(connection.channel.counters.packetsReceived).toBe(0); // nothing reached the channel
  });

  it('sends a sealed keep-alive after 250 ms of silence, each with its own packet number', () => {
    const { world } = connectedPair();
    const sent: Uint8Array[] = [];
    const send = world.serverTransport.send;
    world.serverTransport.send = (data, to) => {
      if (data[0] === 0x26) sent.push(data);
      send(data, to);
    };
    for (let i = 0; i < 100; i++) world.step(10);
    expect(sent.length).toBe(4); // every 250 ms of silence from the server
    expect(sent.every((p) => p.length === 29)).toBe(true);
    const numbers = sent.map((p) => p[1]!);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(4);
  });

  it('an explicit disconnect reaches the peer', () => {
    const { world, client, serverReasons, clientReasons } = connectedPair();
    client.close();
    expect(clientReasons).toEqual(['local']);
    world.step();
    expect(serverReasons).toEqual(['remote']);
    expect(world.server.connections.size).toBe(0);
  });

  it('the server disconnecting a client reaches it, and close() disconnects everyone', () => {
    const { world, client, clientReasons } = connectedPair();
    const other = world.client();
    void other.connect();
    world.run(() => other.state === 'connected');
    world.server.connections.get(1)!.disconnect();
    world.step();
    expect(clientReasons).toEqual(['remote']);
    world.server.close();
    world.step();
    expect(other.state).toBe('disconnected');
    expect(world.server.counters.disconnects.local).toBe(2);
    // A reconnect after a disconnect starts a fresh handshake.
    expect(client.state).toBe('disconnected');
  });

  it('a forged Disconnect is dropped as unauthenticated, from the address or a stranger', () => {
    const { world, client } = connectedPair();
    const fromClient = world.clientTransports.get(client)!;
    const forged = new Uint8Array(25);
    forged[0] = 0x27;
    forged[1] = 200;
    fromClient.send(forged, SERVER_ADDRESS); // right address, no key
    world.step();
    expect(world.server.counters.dropped.unauthenticated).toBe(1);
    expect(world.server.connections.size).toBe(1);
    world.raw({ address: '10.0.0.99', port: 1 }).send(forged);
    world.step();
    expect(world.server.counters.dropped.unauthenticated).toBe(2);
    expect(world.server.trackedAddresses).toBe(0);
    expect(client.state).toBe('connected');
  });

  it('a channel give-up disconnects with channel_timeout and tells the peer', () => {
    const { world, serverReasons, clientReasons } = connectedPair({ channel: { maxRetries: 3 } }, 600_000);
    const connection = world.server.connections.get(1)!;
    // Client -> server is cut: the server's reliable message is never acknowledged.
    world.network.setLink({ address: '10.0.0.2', port: 50000 }, SERVER_ADDRESS, { lossRate: 1 });
    connection.send(new Uint8Array([1, 2, 3]));
    world.run(() => serverReasons.length === 1);
    expect(serverReasons).toEqual(['channel_timeout']);
    expect(() => connection.send(new Uint8Array(1))).toThrow(/disconnected/);
    world.step();
    expect(clientReasons).toEqual(['remote']);
  });
});

describe('connection options', () => {
  it('validate with errors naming the option', () => {
    const { transport } = fakeTransport();
    const connectTokens = createTokens(new ManualClock(1000)).verifier;
    const base = { transport, protocolId: PROTOCOL_ID, connectTokens };
    const option = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidOptionError);
        return (e as InvalidOptionError).option;
      }
      return undefined;
    };
    expect(option(() => new ConnectionServer({ ...base, protocolId: -1 }))).toBe('protocolId');
    expect(option(() => new ConnectionServer({ ...base, maxClients: 0 }))).toBe('maxClients');
    expect(option(() => new ConnectionServer({ ...base, secret: new Uint8Array(8) }))).toBe('secret');
    expect(
      option(() => new ConnectionServer({ ...base, rateLimit: { packetsPerSecond: 0, burst: 1 } })),
    ).toBe('rateLimit.packetsPerSecond');
    expect(option(() => new ConnectionServer({ ...base, transport: {} as never }))).toBe('transport');
    expect(option(() => new ConnectionServer({ ...base, connectTokens: undefined as never }))).toBe(
      'connectTokens',
    );
    const token = createTokens(new ManualClock(1000)).issue();
    const client = { transport, token, random: createSeededRandom(1) };
    expect(option(() => new ConnectionClient({ ...client, token: undefined as never }))).toBe('token');
    expect(
      option(
        () => new ConnectionClient({ ...client, token: { ...token, clientToServerKey: new Uint8Array(16) } }),
      ),
    ).toBe('token.clientToServerKey');
    expect(
      option(() => new ConnectionClient({ ...client, token: { ...token, serverAddress: 'nowhere' } })),
    ).toBe('token.serverAddress');
    const small = { ...fakeTransport().transport, maxDatagramSize: 900 };
    expect(option(() => new ConnectionClient({ ...client, transport: small }))).toBe('token.handshakeToken');
  });
});

describe('start() on injected timers', () => {
  it('drives update() from the injected timers, re-arming one timer, until stop()/close()', () => {
    const clock = new ManualClock(1000);
    const t = manualTimers(clock);
    const fake = fakeTransport();
    const tokens = createTokens(clock);
    const server = new ConnectionServer({
      transport: fake.transport,
      protocolId: PROTOCOL_ID,
      connectTokens: tokens.verifier,
      clock,
      timers: t.timers,
    });
    const client = new ConnectionClient({
      transport: fakeTransport({ address: '10.0.0.9', port: 1 }).transport,
      token: tokens.issue(),
      clock,
      random: createSeededRandom(1),
      timers: t.timers,
    });
    const serverUpdate = vi.spyOn(server, 'update');
    const clientUpdate = vi.spyOn(client, 'update');
    server.start(10);
    client.start(25);
    expect(t.pending).toBe(2);
    t.advance(100);
    expect(serverUpdate).toHaveBeenCalledTimes(10);
    expect(clientUpdate).toHaveBeenCalledTimes(4);
    expect(t.pending).toBe(2);
    server.start(50); // replaces the schedule
    expect(t.pending).toBe(2);
    t.advance(100);
    expect(serverUpdate).toHaveBeenCalledTimes(12);
    server.close();
    client.stop();
    expect(t.pending).toBe(0);
    server.start(10); // closed: nothing to drive
    t.advance(100);
    expect(serverUpdate).toHaveBeenCalledTimes(12);
    expect(clientUpdate).toHaveBeenCalledTimes(8);
    expect(t.pending).toBe(0);
    expect(t.armed.every((ms) => ms === 10 || ms === 25 || ms === 50)).toBe(true);
  });

  it('validates the timers option', () => {
    const bad = { setTimeout: () => 0 } as unknown as Timers;
    expect(
      () =>
        new ConnectionServer({
          transport: fakeTransport().transport,
          protocolId: 1,
          connectTokens: createTokens(new ManualClock(0)).verifier,
          timers: bad,
        }),
    ).toThrow(expect.objectContaining({ option: 'timers' }));
  });
});
