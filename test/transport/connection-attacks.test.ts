/**
 * Regression tests for the attacks of issue 9, each as an off-path attacker who knows a connected
 * client's address and port (and so can spoof datagrams from it) would mount it. Before wire
 * version 2 every one of them worked: post-handshake packets were attributed by source address
 * alone. Each test also shows the legitimate client unaffected.
 */
import { describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import type { MessageKind } from '../../src/reliability/channel-counters.js';
import { PacketType, writePacketHeader } from '../../src/reliability/packet-header.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';
import type { PublicConnectToken } from '../../src/transport/connect-token/index.js';
import type { Connection } from '../../src/transport/connection.js';
import { ConnectionClient } from '../../src/transport/connection-client.js';
import {
  ConnectionPacketType,
  writeAccepted,
  writeChallenge,
  writeChallengeResponse,
  writeConnectRequest,
} from '../../src/transport/connection-packets.js';
import { deriveSessionKey, PacketSeal, sealHandshake } from '../../src/transport/connection-seal.js';
import type { PeerAddress } from '../../src/transport/datagram-transport.js';
import type { ConnectFailedError } from '../../src/transport/errors.js';
import {
  createTokens,
  createWorld,
  fakeTransport,
  PROTOCOL_ID,
  SERVER_ADDRESS,
} from './connection-harness.js';

const CLIENT: PeerAddress = { address: '10.0.0.2', port: 50000 };
const text = (s: string) => new TextEncoder().encode(s);

/** A connected client at {@link CLIENT} whose outgoing datagrams are recorded, and a spoofer of its address. */
function connected(serverOptions: Parameters<typeof createWorld>[0] = {}) {
  const world = createWorld(serverOptions, 1, { timeoutMs: 2000 });
  const received: [string, MessageKind][] = [];
  let serverConnection: Connection | undefined;
  world.server.on('connect', (c) => {
    serverConnection = c;
    c.on('message', (p, kind) => received.push([new TextDecoder().decode(p), kind]));
  });
  const token = world.tokens.issue({ playerId: 'alice' });
  const client = world.client({ token }, CLIENT);
  const transport = world.clientTransports.get(client)!;
  const sent: Uint8Array[] = [];
  const send = transport.send.bind(transport);
  transport.send = (data, to) => {
    sent.push(data.slice());
    send(data, to);
  };
  void client.connect();
  world.run(() => client.state === 'connected');
  /** Sends `data` from the client's address, as a spoofer can; the client itself knows nothing of it. */
  const spoof = (data: Uint8Array) => send(data, SERVER_ADDRESS);
  return { world, client, token, received, server: () => serverConnection!, sent, spoof };
}

/** What an attacker without the keys can do at best: frame a packet correctly and seal it with a key of its own. */
const attacker = new PacketSeal(
  { send: new Uint8Array(32).fill(0xee), receive: new Uint8Array(32).fill(0xee) },
  PROTOCOL_ID,
  1200,
  false,
);

/** A real channel packet carrying `payload` as `kind`, as another ReliableUdpChannel writes it. */
function channelPacket(payload: Uint8Array, kind: MessageKind): Uint8Array {
  let packet: Uint8Array | undefined;
  const channel = new ReliableUdpChannel({ send: (p) => (packet = p.slice()), clock: { now: () => 0 } });
  channel.send(payload, kind);
  channel.update();
  return packet!;
}

describe('issue 9 attacks on an established connection (each refused, counted, the client unaffected)', () => {
  it("a spoofed data packet with a far-ahead sequence cannot make the client's packets stale", () => {
    const { world, client, received, server, spoof } = connected();
    const header = new Uint8Array(16);
    const far = header.subarray(0, writePacketHeader(header, 0, PacketType.Data, 40_000, 0, 0));
    spoof(Uint8Array.of(0x15, ...far)); // the 5-byte packet of the report, version 1 framing
    spoof(attacker.seal(0x25, far)); // the same channel bytes, framed as version 2
    world.step();
    expect(world.server.counters.dropped.malformed).toBe(1);
    expect(world.server.counters.dropped.unauthenticated).toBe(1);
    expect(server().channel.counters.packetsReceived).toBe(0);
    client.connection!.send(text('hello'));
    world.run(() => received.length === 1, 20);
    expect(received).toEqual([['hello', 'reliable']]);
    for (let i = 0; i < 300; i++) world.step(100); // 30 s later both ends are still connected
    expect(client.state).toBe('connected');
    expect(server().connected).toBe(true);
  });

  it("spoofed and replayed keep-alives cannot hold a departed client's slot", () => {
    const { world, client, sent, spoof, server } = connected();
    for (let i = 0; i < 30; i++) world.step(10); // the client sends a keep-alive
    const keepAlive = sent.findLast((p) => p[0] === 0x26)!;
    expect(keepAlive).toHaveLength(29);
    world.clients.splice(world.clients.indexOf(client), 1); // the client departs without a word
    const reasons: string[] = [];
    server().on('disconnect', (r) => reasons.push(r));
    const forged = new Uint8Array(29);
    forged[0] = 0x26;
    const before = { ...world.server.counters.dropped };
    let ms = 0;
    while (world.server.connections.size > 0 && ms < 60_000) {
      spoof(Uint8Array.of(0x16)); // the 1-byte keep-alive of the report
      new DataView(forged.buffer).setUint16(1, 1000 + ms / 100, true); // numbers the client never used
      spoof(forged);
      spoof(keepAlive); // a real one, recorded
      world.step(100);
      ms += 100;
    }
    expect(reasons).toEqual(['timeout']);
    expect(ms).toBe(2000); // the token's 2 s timeout, counted from the last real packet
    const rounds = ms / 100;
    const dropped = world.server.counters.dropped;
    expect(dropped.malformed - before.malformed).toBe(rounds);
    expect(dropped.unauthenticated - before.unauthenticated).toBe(rounds);
    expect(dropped.replayed - before.replayed).toBe(rounds);
  });

  it('2,048 spoofed ack-only packets cannot acknowledge a reliable message the client never got', () => {
    const { world, client, server, spoof } = connected({ rateLimit: { packetsPerSecond: 1e6, burst: 1e6 } });
    const got: string[] = [];
    client.connection!.on('message', (p) => got.push(new TextDecoder().decode(p)));
    world.network.setLink(SERVER_ADDRESS, CLIENT, { lossRate: 1 }); // server -> client is cut
    server().send(text('exactly once'));
    world.step();
    const header = new Uint8Array(16);
    for (let i = 0; i < 2048; i++) {
      const acks = header.subarray(
        0,
        writePacketHeader(header, 0, PacketType.Ack, 0, i & 0xffff, 0xffffffff),
      );
      spoof(attacker.seal(0x25, acks));
    }
    world.step();
    expect(world.server.counters.dropped.unauthenticated).toBe(2048);
    world.network.setLink(SERVER_ADDRESS, CLIENT, {});
    world.run(() => got.length === 1, 500);
    for (let i = 0; i < 100; i++) world.step(10);
    expect(got).toEqual(['exactly once']);
    expect(server().channel.counters.retries).toBeGreaterThan(0); // it was resent, not taken as acknowledged
  });

  it("a spoofed unreliable message is never delivered as the client's", () => {
    const { world, client, received, spoof } = connected();
    const cheat = channelPacket(text('I win'), 'unreliable');
    spoof(Uint8Array.of(0x15, ...cheat)); // version 1 framing
    spoof(attacker.seal(0x25, cheat));
    client.connection!.send(text('move'), 'unreliable');
    world.run(() => received.length === 1, 20);
    for (let i = 0; i < 10; i++) world.step();
    expect(received).toEqual([['move', 'unreliable']]);
    expect(world.server.counters.dropped.malformed).toBe(1);
    expect(world.server.counters.dropped.unauthenticated).toBe(1);
  });

  it('a replayed packet is refused before the channel, as is one older than the replay window', () => {
    const { world, client, received, sent, spoof, server } = connected();
    const before = sent.length;
    client.connection!.send(text('once'));
    world.run(() => received.length === 1, 20);
    const packet = sent.slice(before).find((p) => p[0] === 0x25)!;
    for (let i = 0; i < 5; i++) spoof(packet);
    world.step();
    expect(world.server.counters.dropped.replayed).toBe(5);
    expect(server().channel.counters.duplicatePacketsDropped).toBe(0); // stopped by the seal layer
    // 300 more packets from the client: the recorded one is now older than the 256-packet window.
    for (let i = 0; i < 300; i++) {
      client.connection!.send(text(`m${i}`), 'unreliable');
      world.step(1);
    }
    spoof(packet);
    world.step();
    expect(world.server.counters.dropped.replayed).toBe(6);
    expect(received.filter(([m]) => m === 'once')).toHaveLength(1);
    expect(received).toHaveLength(301);
  });

  it('a Disconnect recorded from an earlier connection does not end the next one with the same token', () => {
    const { world, client, sent, spoof } = connected();
    const start = sent.length;
    client.close(); // three Disconnects
    world.step();
    const disconnects = sent.slice(start).filter((p) => p[0] === 0x27);
    expect(disconnects).toHaveLength(3);
    void client.connect(); // same token, same address, a new handshake: new session keys
    world.run(() => client.state === 'connected');
    const before = world.server.counters.dropped.unauthenticated; // the 2 Disconnects after the first
    for (const d of disconnects) spoof(d);
    world.step();
    expect(world.server.counters.dropped.unauthenticated).toBe(before + 3);
    expect(world.server.connections.size).toBe(1);
    expect(client.state).toBe('connected');
  });
});

describe('connect tokens in the handshake (issue 9)', () => {
  /** A second client at another address, connecting with `token`; resolves with its failure reason. */
  const intruder = async (
    world: ReturnType<typeof connected>['world'],
    token: PublicConnectToken,
    n = 66,
  ) => {
    const other = world.client({ token }, { address: `10.0.0.${n}`, port: 50000 });
    const attempt = other.connect().catch((e: ConnectFailedError) => e.reason);
    world.run(() => other.state === 'disconnected' || other.state === 'connected');
    return { other, reason: await attempt };
  };

  it('a copy of a token used from a second address while its owner is connected is refused and counted', async () => {
    const { world, client, token, received } = connected();
    const { other, reason } = await intruder(world, token);
    expect(reason).toBe('denied_token_in_use');
    expect(other.state).toBe('disconnected');
    expect(world.server.counters.tokensRefused.token_in_use).toBe(1);
    expect(world.server.connections.size).toBe(1);
    client.connection!.send(text('still here'));
    world.run(() => received.length === 1, 20);
    expect(received).toEqual([['still here', 'reliable']]);
    // After its owner leaves, the copy is still refused from another address (netcode.io's rule).
    client.close();
    world.step();
    expect((await intruder(world, token, 67)).reason).toBe('denied_token_in_use');
    expect(world.server.counters.tokensRefused.token_in_use).toBe(2);
  });

  it('the owner restarting on its own address reconnects with the same token, replacing its connection', async () => {
    const { world, client, token } = connected();
    const old = world.server.connections.get(1)!;
    const reasons: string[] = [];
    old.on('disconnect', (r) => reasons.push(r));
    world.clients.splice(world.clients.indexOf(client), 1); // the process dies...
    await world.clientTransports.get(client)!.close();
    // ...and comes back on the same port (a new process: a new nonce).
    const restarted = world.client({ token, random: createSeededRandom(999) }, CLIENT);
    void restarted.connect();
    world.run(() => restarted.state === 'connected');
    expect(reasons).toEqual(['replaced']);
    expect(world.server.counters.disconnects.replaced).toBe(1);
    expect([...world.server.connections.values()].map((c) => c.token!.playerId)).toEqual(['alice']);
  });

  it('another token for a player connected from elsewhere is refused (player_in_use)', async () => {
    const { world } = connected();
    const { reason } = await intruder(world, world.tokens.issue({ playerId: 'alice' }));
    expect(reason).toBe('denied_token_in_use');
    expect(world.server.counters.tokensRefused.player_in_use).toBe(1);
    expect(world.server.connections.size).toBe(1);
  });

  it("a handshake token seen on the wire is useless without the public token's keys (no_proof), and does not lock out its owner", async () => {
    const world = createWorld();
    const token = world.tokens.issue({ playerId: 'bob' });
    const sniffer = world.raw({ address: '10.0.0.77', port: 1 });
    const nonce = Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9);
    sniffer.send(writeConnectRequest(PROTOCOL_ID, 0, nonce));
    world.step();
    const challenge = sniffer.received.at(-1)!;
    expect(challenge[0]).toBe(0x20 | ConnectionPacketType.Challenge);
    const cookie = {
      issuedAt: new DataView(challenge.buffer, challenge.byteOffset).getFloat64(9, true),
      mac: challenge.slice(17, 33),
    };
    sniffer.send(
      writeChallengeResponse(PROTOCOL_ID, 0, nonce, cookie, token.handshakeToken, () => new Uint8Array(16)),
    );
    world.step();
    expect(world.server.counters.tokensRefused.no_proof).toBe(1);
    expect(world.server.connections.size).toBe(0);
    const owner = world.client({ token });
    void owner.connect();
    world.run(() => owner.state === 'connected');
    expect(world.server.connections.get(1)!.token!.playerId).toBe('bob');
  });

  it('a client drops an Accepted it cannot open: only a server holding the token key is believed', () => {
    const clock = new ManualClock(1000);
    const fake = fakeTransport(CLIENT);
    const token = createTokens(clock).issue();
    const client = new ConnectionClient({
      transport: fake.transport,
      token,
      clock,
      random: createSeededRandom(3),
    });
    void client.connect();
    const nonce = fake.sent[0]!.data.slice(7, 15); // an impostor on the path sees the nonce
    const cookie = { issuedAt: 1000, mac: new Uint8Array(16).fill(1) };
    fake.deliver(writeChallenge(nonce, cookie), SERVER_ADDRESS);
    expect(client.state).toBe('responding');
    const wrongKey = new Uint8Array(32).fill(0xee);
    fake.deliver(
      writeAccepted(nonce, 1, (ad, plain) => sealHandshake(wrongKey, ad, plain)),
      SERVER_ADDRESS,
    );
    expect(client.state).toBe('responding');
    expect(client.counters.dropped.unauthenticated).toBe(1);
    const key = deriveSessionKey(token.serverToClientKey, nonce, cookie);
    fake.deliver(
      writeAccepted(nonce, 1, (ad, plain) => sealHandshake(key, ad, plain)),
      SERVER_ADDRESS,
    );
    expect(client.state).toBe('connected');
  });
});
