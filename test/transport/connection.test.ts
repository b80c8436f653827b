import { describe, expect, it, vi } from 'vitest';
import { createSeededRandom, InvalidOptionError, ManualClock, type Timers } from '../../src/core/index.js';
import type { MessageKind } from '../../src/reliability/channel-counters.js';
import type { Connection, DisconnectReason } from '../../src/transport/connection.js';
import { type ClientDisconnectReason, ConnectionClient } from '../../src/transport/connection-client.js';
import { ConnectionServer } from '../../src/transport/connection-server.js';
import { addressKey } from '../../src/transport/datagram-transport.js';
import { ConnectFailedError } from '../../src/transport/errors.js';
import { createWorld, fakeTransport, PROTOCOL_ID, SERVER_ADDRESS } from './connection-harness.js';
import { manualTimers } from './manual-timers.js';

describe('connection handshake', () => {
  it('connects with exact handshake bytes: 300 in, 33 out; 300 in, 13 out', async () => {
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
    expect(world.serverTransport.receivedFrom.get(key)).toBe(600);
    expect(world.serverTransport.sentTo.get(key)).toBe(46);
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

  it('checks the token only after the cookie round trip, async, and attaches userData', async () => {
    const calls: [string, string][] = [];
    let release: (() => void) | undefined;
    const world = createWorld({
      validateToken: (token, from) => {
        calls.push([new TextDecoder().decode(token), addressKey(from)]);
        return new Promise((resolve) => {
          release = () => resolve({ userData: { player: 'p1' } });
        });
      },
    });
    const client = world.client({ token: new TextEncoder().encode('ticket-123') });
    const promise = client.connect();
    world.step(); // request -> challenge
    expect(calls).toEqual([]); // a ConnectRequest alone never reaches the validator
    world.run(() => calls.length === 1);
    expect(calls).toEqual([['ticket-123', '10.0.0.2:50000']]);
    for (let i = 0; i < 5; i++) world.step(100); // client retries while validation is pending
    expect(calls).toHaveLength(1);
    expect(world.server.counters.handshakesIgnored).toBeGreaterThan(0);
    release!();
    await Promise.resolve();
    world.run(() => client.state === 'connected');
    await promise;
    expect([...world.server.connections.values()][0]!.userData).toEqual({ player: 'p1' });
  });

  it('denies a rejected token, a throwing validator, and a full server', async () => {
    const world = createWorld({
      maxClients: 1,
      validateToken: (token) => {
        if (token[0] === 1) throw new Error('validator bug');
        return token[0] !== 0;
      },
    });
    const rejected = world.client({ token: Uint8Array.of(0) });
    const throwing = world.client({ token: Uint8Array.of(1) });
    const first = world.client({ token: Uint8Array.of(2) });
    const second = world.client({ token: Uint8Array.of(2) });
    const results = [rejected.connect(), throwing.connect(), first.connect()].map((p) => p.catch((e) => e));
    world.run(
      () =>
        first.state === 'connected' && rejected.state === 'disconnected' && throwing.state === 'disconnected',
    );
    const fourth = second.connect().catch((e) => e);
    world.run(() => second.state === 'disconnected');
    expect(((await results[0]) as ConnectFailedError).reason).toBe('denied_token_rejected');
    expect(((await results[1]) as ConnectFailedError).reason).toBe('denied_token_rejected');
    expect(((await fourth) as ConnectFailedError).reason).toBe('denied_server_full');
    expect(world.server.counters.denied).toEqual({
      serverFull: 1,
      tokenRejected: 2,
      versionMismatch: 0,
      tokenTimedOut: 0,
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
  function connectedPair(options: Parameters<typeof createWorld>[0] = {}) {
    const world = createWorld({ keepAliveIntervalMs: 250, timeoutMs: 2000, ...options });
    const serverReasons: DisconnectReason[] = [];
    world.server.on('disconnect', (_c, r) => serverReasons.push(r));
    const client = world.client({ keepAliveIntervalMs: 250, timeoutMs: 2000 });
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

  it('times out a peer whose address only sends payloads the channel rejects', () => {
    const { world, client, serverReasons } = connectedPair();
    const connection = world.server.connections.get(1)!;
    const fromClient = world.clientTransports.get(client)!;
    // Well-framed Payload packets (connection prefix 0x15) whose channel bytes are garbage, from the
    // client's own address (as a spoofer could send them) while the real client has gone silent.
    const garbage = Uint8Array.of(0x15, 0xff, 0xff, 0xff, 0xff);
    let ms = 0;
    while (world.server.connections.size > 0 && ms < 10_000) {
      world.clock.advance(100);
      ms += 100;
      fromClient.send(garbage, SERVER_ADDRESS);
      world.network.pump();
      world.server.update();
    }
    expect(ms).toBe(2000);
    expect(serverReasons).toEqual(['timeout']);
    expect(connection.channel.counters.malformedPacketsDropped).toBe(20);
    expect(world.server.counters.dropped.malformed).toBe(0); // the framing was valid
  });

  it('sends one reused keep-alive packet', () => {
    const { world } = connectedPair();
    const sent: Uint8Array[] = [];
    const send = world.serverTransport.send;
    world.serverTransport.send = (data, to) => {
      if (data.length === 1) sent.push(data);
      send(data, to);
    };
    for (let i = 0; i < 100; i++) world.step(10);
    expect(sent.length).toBe(4); // every 250 ms of silence from the server
    expect(new Set(sent).size).toBe(1);
    expect([...sent[0]!]).toEqual([0x16]);
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

  it('a Disconnect with the wrong nonce is dropped, from a stranger it is unauthenticated', () => {
    const { world, client } = connectedPair();
    const fromClient = world.clientTransports.get(client)!;
    fromClient.send(Uint8Array.of(0x17, 0, 0, 0, 0, 0, 0, 0, 0), SERVER_ADDRESS); // right address, wrong nonce
    world.step();
    expect(world.server.counters.dropped.unauthenticated).toBe(1);
    expect(world.server.connections.size).toBe(1);
    world.raw({ address: '10.0.0.99', port: 1 }).send(Uint8Array.of(0x17, 0, 0, 0, 0, 0, 0, 0, 0));
    world.step();
    expect(world.server.counters.dropped.unauthenticated).toBe(2);
    expect(world.server.trackedAddresses).toBe(0);
    expect(client.state).toBe('connected');
  });

  it('a channel give-up disconnects with channel_timeout and tells the peer', () => {
    const { world, serverReasons, clientReasons } = connectedPair({
      timeoutMs: 600_000,
      channel: { maxRetries: 3 },
    });
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
    const base = { transport, protocolId: PROTOCOL_ID };
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
  });
});

describe('start() on injected timers', () => {
  it('drives update() from the injected timers, re-arming one timer, until stop()/close()', () => {
    const clock = new ManualClock(1000);
    const t = manualTimers(clock);
    const fake = fakeTransport();
    const server = new ConnectionServer({
      transport: fake.transport,
      protocolId: PROTOCOL_ID,
      clock,
      timers: t.timers,
    });
    const client = new ConnectionClient({
      transport: fakeTransport({ address: '10.0.0.9', port: 1 }).transport,
      server: SERVER_ADDRESS,
      protocolId: PROTOCOL_ID,
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
      () => new ConnectionServer({ transport: fakeTransport().transport, protocolId: 1, timers: bad }),
    ).toThrow(expect.objectContaining({ option: 'timers' }));
  });
});
