/**
 * A room host on a MemoryNetwork, driven by a ManualClock and a hand-fired tick timer. Connect
 * tokens are real: the test holds the issuer (the match side's key), the server the verifier, so
 * a client can hold a valid token of its own and nothing else.
 */
import { createSeededRandom, ManualClock, type Timers } from '../../src/core/index.js';
import {
  Room,
  RoomClient,
  type RoomContext,
  RoomHost,
  type RoomHostOptions,
  type Seat,
  type SeatClaim,
} from '../../src/server/index.js';
import { defineSchema, intField } from '../../src/snapshot/index.js';
import {
  type Connection,
  ConnectionClient,
  ConnectionServer,
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  MemoryNetwork,
  type PublicConnectToken,
} from '../../src/transport/index.js';

export const SERVER = { address: '10.0.0.1', port: 9000 };
export const PROTOCOL = 0x54455354;
const dotDefinitions = { dot: { x: intField(-10_000, 10_000) } };
type DotEntities = typeof dotDefinitions;
export const dotsSchema = defineSchema({ version: 1, entities: dotDefinitions });

/** A test game: each seat moves its dot by its input (a signed byte); a move over 1 is impossible. */
export class DotsRoom extends Room<DotEntities> {
  readonly xs: number[];
  readonly applied: string[] = [];
  readonly events: string[] = [];
  constructor(context: RoomContext, claim: SeatClaim, players: readonly string[]) {
    super(context, {
      roomId: claim.roomId,
      matchId: claim.matchId,
      players,
      schema: dotsSchema,
      inputSize: 1,
    });
    this.xs = players.map(() => 0);
  }
  protected override applyInput(seat: Seat, input: Uint8Array, tick: number): void {
    const move = (input[0]! << 24) >> 24;
    this.xs[seat.index]! += move;
    this.applied.push(`${tick}:${seat.playerId}:${move}`);
  }
  protected override isInputPossible(_seat: Seat, input: Uint8Array): boolean {
    const move = (input[0]! << 24) >> 24;
    return move >= -1 && move <= 1;
  }
  protected override update(): void {}
  protected override snapshotEntities() {
    return this.xs.map((x, id) => ({ id, type: 'dot' as const, x }));
  }
  protected override onJoin(seat: Seat, rejoined: boolean): void {
    this.events.push(`${rejoined ? 'rejoin' : 'join'}:${seat.playerId}`);
  }
  protected override onLeave(seat: Seat): void {
    this.events.push(`leave:${seat.playerId}`);
  }
  protected override onSeatLost(seat: Seat): void {
    this.events.push(`lost:${seat.playerId}`);
  }
  protected override onMessage(seat: Seat, message: Uint8Array): void {
    this.events.push(`message:${seat.playerId}:${Buffer.from(message).toString()}`);
  }
}

export interface Player {
  client: ConnectionClient;
  room: RoomClient<DotEntities>;
  connection: Connection | undefined;
  refused: boolean;
  welcomed: boolean;
}

/** A world with one match `m1` in room `r1` seating `alice` and `bob`. */
export function world(options: Partial<RoomHostOptions<DotsRoom>> = {}) {
  const clock = new ManualClock(1_000);
  const network = new MemoryNetwork({ clock, random: createSeededRandom(1) });
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
  const key = { id: 1, key: new Uint8Array(32).fill(7) };
  const issuer = new ConnectTokenIssuer({
    key,
    protocolId: PROTOCOL,
    clock: tokenClock,
    random: createSeededRandom(99),
  });
  const connections = new ConnectionServer({
    transport: network.createEndpoint(SERVER),
    protocolId: PROTOCOL,
    clock,
    maxClients: 64,
    connectTokens: new ConnectTokenVerifier({
      keys: [key],
      protocolId: PROTOCOL,
      serverAddresses: [`${SERVER.address}:${SERVER.port}`],
      clock: tokenClock,
    }),
  });
  const rooms: DotsRoom[] = [];
  const host = new RoomHost<DotsRoom>({
    connections,
    clock,
    timers,
    createRoom: (claim, context) => {
      if (claim.roomId !== 'r1') return undefined;
      const room = new DotsRoom(context, claim, ['alice', 'bob']);
      rooms.push(room);
      return room;
    },
    ...options,
  });
  host.start();
  const clients: ConnectionClient[] = [];
  let hostNumber = 2;
  const w = {
    clock,
    host,
    rooms,
    get room() {
      return rooms[0]!;
    },
    /** Issues a token for this claim, as the match server would (match m1, room r1 unless named). */
    issue(claim: Partial<SeatClaim> & { playerId: string }): PublicConnectToken {
      return decodeConnectToken(
        issuer.issue({
          playerId: claim.playerId,
          matchId: claim.matchId ?? 'm1',
          roomId: claim.roomId ?? 'r1',
          serverAddress: `${SERVER.address}:${SERVER.port}`,
        }),
      );
    },
    /** A client presenting `token`, wrapped in a RoomClient once connected. */
    connect(token: PublicConnectToken): Player {
      const client = new ConnectionClient({
        transport: network.createEndpoint({ address: `10.0.0.${hostNumber++}`, port: 5000 }),
        token,
        clock,
        random: createSeededRandom(hostNumber),
      });
      clients.push(client);
      const player: Player = {
        client,
        room: undefined as unknown as Player['room'],
        connection: undefined,
        refused: false,
        welcomed: false,
      };
      client.on('connect', (c) => {
        player.connection = c;
        player.room = new RoomClient({ connection: c, schema: dotsSchema, inputSize: 1, clock });
        player.room.on('welcome', () => {
          player.welcomed = true;
        });
      });
      client.connect().catch(() => {
        player.refused = true;
      });
      return player;
    },
    /** One 60 Hz step of the whole world. */
    async step() {
      clock.advance(1000 / 60);
      network.pump();
      pending?.();
      for (const c of clients) c.update();
      network.pump();
      await new Promise((resolve) => setImmediate(resolve));
    },
    async until(done: () => boolean, maxSteps: number): Promise<void> {
      for (let i = 0; i < maxSteps && !done(); i++) await w.step();
      if (!done()) throw new Error(`condition not met in ${maxSteps} steps`);
    },
    /** Sends raw bytes over a player's connection (what a modified client could send). */
    raw(player: Player, bytes: number[] | Uint8Array, kind: 'unreliable' | 'reliable' = 'unreliable') {
      player.connection!.send(Uint8Array.from(bytes), kind);
    },
  };
  return w;
}

/** A frame by hand: seat, newest tick and sequence, inputs newest first as [ticks back, byte]. */
export function frame(
  seat: number,
  newestTick: number,
  newestSeq: number,
  inputs: [number, number][],
): number[] {
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  return [
    1,
    seat,
    ...u32(newestTick),
    ...u32(newestSeq),
    inputs.length,
    1,
    ...inputs.flatMap(([b, v]) => [b, v & 0xff]),
  ];
}
