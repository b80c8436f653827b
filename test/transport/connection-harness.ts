import { type Clock, createSeededRandom, ManualClock } from '../../src/core/index.js';
import {
  type ConnectTokenGrant,
  ConnectTokenIssuer,
  type ConnectTokenIssuerOptions,
  ConnectTokenVerifier,
  decodeConnectToken,
  type PublicConnectToken,
} from '../../src/transport/connect-token/index.js';
import { ConnectionClient, type ConnectionClientOptions } from '../../src/transport/connection-client.js';
import { ConnectionServer, type ConnectionServerOptions } from '../../src/transport/connection-server.js';
import {
  addressKey,
  type DatagramHandler,
  type DatagramTransport,
  type PeerAddress,
} from '../../src/transport/datagram-transport.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';

export const PROTOCOL_ID = 0x504f4e47;
export const SECRET = new Uint8Array(32).fill(7);
export const SERVER_ADDRESS: PeerAddress = { address: '10.0.0.1', port: 40000 };
export const TOKEN_KEY = { id: 1, key: new Uint8Array(32).fill(9) };
/** 2026-01-01T00:00:00Z: tokens read wall clocks (epoch ms); a world's token clock is this plus its ManualClock. */
export const EPOCH_MS = Date.UTC(2026, 0, 1);
/** A wall clock for tests over real sockets. */
export const epochClock: Clock = { now: () => Date.now() };

/**
 * Connect tokens for a world: an issuer and the server's verifier. `clock` drives their time: a
 * wall clock as is, or a world's ManualClock, read as {@link EPOCH_MS} plus its time.
 */
export function createTokens(
  clock: Clock,
  options: Partial<ConnectTokenIssuerOptions> = {},
  serverAddress = `${SERVER_ADDRESS.address}:${SERVER_ADDRESS.port}`,
) {
  const epoch: Clock = clock instanceof ManualClock ? { now: () => EPOCH_MS + clock.now() } : clock;
  const issuer = new ConnectTokenIssuer({
    key: TOKEN_KEY,
    protocolId: PROTOCOL_ID,
    clock: epoch,
    random: createSeededRandom(77),
    ...options,
  });
  const verifier = new ConnectTokenVerifier({
    keys: [TOKEN_KEY],
    protocolId: PROTOCOL_ID,
    serverAddresses: [serverAddress],
    clock: epoch,
  });
  let nextPlayer = 1;
  return {
    issuer,
    verifier,
    /** A decoded token for a new player (or `grant`'s). */
    issue(grant: Partial<ConnectTokenGrant> = {}): PublicConnectToken {
      return decodeConnectToken(
        issuer.issue({
          playerId: `player-${nextPlayer++}`,
          matchId: 'm1',
          roomId: 'r1',
          serverAddress,
          ...grant,
        }),
      );
    },
  };
}

/**
 * A deterministic world: one server and any number of clients on a MemoryNetwork, one ManualClock
 * (which the connect tokens read as epoch ms). `tokenOptions` go to the issuer (e.g. `timeoutMs`,
 * the connection timeout).
 */
export function createWorld(
  serverOptions: Partial<ConnectionServerOptions> = {},
  seed = 1,
  tokenOptions: Partial<ConnectTokenIssuerOptions> = {},
) {
  const clock = new ManualClock(1000);
  const network = new MemoryNetwork({ clock, random: createSeededRandom(seed) });
  const serverTransport = recording(network.createEndpoint(SERVER_ADDRESS));
  const tokens = createTokens(clock, tokenOptions);
  const server = new ConnectionServer({
    transport: serverTransport,
    protocolId: PROTOCOL_ID,
    clock,
    secret: SECRET,
    connectTokens: tokens.verifier,
    ...serverOptions,
  });
  const clients: ConnectionClient[] = [];
  const clientTransports = new Map<ConnectionClient, DatagramTransport>();
  let nextClient = 2;
  const world = {
    clock,
    network,
    tokens,
    server,
    serverTransport,
    clients,
    clientTransports,
    /** A client at 10.0.0.N (or `address`), with a fresh token for a new player unless `options.token`. */
    client(options: Partial<ConnectionClientOptions> = {}, address?: PeerAddress): ConnectionClient {
      const transport = network.createEndpoint(address ?? { address: `10.0.0.${nextClient++}`, port: 50000 });
      const client = new ConnectionClient({
        transport,
        token: options.token ?? tokens.issue(),
        clock,
        random: createSeededRandom(100 + nextClient),
        ...options,
      });
      clients.push(client);
      clientTransports.set(client, transport);
      return client;
    },
    /** Advances time by `ms`, delivers what is due, updates everyone, delivers again. */
    step(ms = 10): void {
      clock.advance(ms);
      network.pump();
      server.update();
      for (const c of clients) c.update();
      network.pump();
    },
    /** Steps until `done()` or `maxSteps` (then throws). */
    run(done: () => boolean, maxSteps = 10_000, ms = 10): number {
      for (let i = 0; i < maxSteps; i++) {
        if (done()) return i;
        world.step(ms);
      }
      throw new Error(`condition not reached in ${maxSteps} steps`);
    },
    /** A raw endpoint for crafting packets (an attacker or a broken client). */
    raw(address: PeerAddress) {
      const t = network.createEndpoint(address);
      const received: Uint8Array[] = [];
      t.onDatagram((d) => received.push(d));
      return { transport: t, received, send: (d: Uint8Array) => t.send(d, SERVER_ADDRESS) };
    },
  };
  return world;
}

/** Wraps a transport and records the bytes sent to and received from each address. */
export function recording(inner: DatagramTransport) {
  const sentTo = new Map<string, number>();
  const receivedFrom = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  const t: DatagramTransport & { sentTo: Map<string, number>; receivedFrom: Map<string, number> } = {
    sentTo,
    receivedFrom,
    get maxDatagramSize() {
      return inner.maxDatagramSize;
    },
    get localAddress() {
      return inner.localAddress;
    },
    send(data, to) {
      inner.send(data, to);
      add(sentTo, addressKey(to), data.length);
    },
    onDatagram(handler: DatagramHandler) {
      inner.onDatagram((data, from) => {
        add(receivedFrom, addressKey(from), data.length);
        handler(data, from);
      });
    },
    close: () => inner.close(),
  };
  return t;
}

/** A transport with no network: the test calls `deliver` and reads `sent`. */
export function fakeTransport(address: PeerAddress = SERVER_ADDRESS) {
  let handler: DatagramHandler = () => {};
  const sent: { data: Uint8Array; to: PeerAddress }[] = [];
  return {
    sent,
    deliver: (data: Uint8Array, from: PeerAddress) => handler(data, from),
    transport: {
      maxDatagramSize: 1200,
      localAddress: address,
      send: (data: Uint8Array, to: PeerAddress) => sent.push({ data, to }),
      onDatagram: (h: DatagramHandler) => {
        handler = h;
      },
      close: async () => {},
    } satisfies DatagramTransport,
  };
}

/** Self-checking payload: length and bytes derived from the index. */
export function payloadFor(index: number, size: number): Uint8Array {
  const p = new Uint8Array(size);
  const v = new DataView(p.buffer);
  if (size >= 4) v.setUint32(0, index);
  for (let i = 4; i < size; i++) p[i] = (index * 31 + i) & 0xff;
  return p;
}

/** Checks a payload made by {@link payloadFor}; returns its index or -1. */
export function checkPayload(p: Uint8Array, size: number): number {
  if (p.length !== size || size < 4) return -1;
  const index = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(0);
  for (let i = 4; i < size; i++) if (p[i] !== ((index * 31 + i) & 0xff)) return -1;
  return index;
}
