/**
 * Snapshot bandwidth and CPU: full protobuf snapshots vs our delta snapshots vs @colyseus/schema
 * on the same state streams, (a) a Pong match at 60 snapshots/s (the bench's own stream, and the
 * example game's) and (b) an arena of 64 moving
 * entities at 30 snapshots/s, at 0%, 5% and 20% loss; plus protobuf static vs reflection, a
 * protobuf-encoded delta vs our bit-packed one, and deflateRaw on top.
 */
import { performance } from 'node:perf_hooks';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { schema as colyseusSchema, Decoder, Encoder } from '@colyseus/schema';
import protobuf from 'protobufjs';
import { botInput, newPongState, stepPong } from '../examples/pong-server/pong-game.js';
import { pongSchema as gamePongSchema, pongEntities } from '../examples/pong-server/pong-schema.js';
import { createSeededRandom, type RandomSource } from '../src/core/index.js';
import { BitReader } from '../src/snapshot/bit-reader.js';
import { BitWriter } from '../src/snapshot/bit-writer.js';
import { readBaselineTick, readDeltaHeader } from '../src/snapshot/delta-header.js';
import { pong as generated } from '../src/snapshot/generated/snapshot.js';
import {
  boolField,
  DeltaSnapshotter,
  defineSchema,
  type EntityDefinitions,
  type EntityOf,
  enumField,
  floatField,
  intField,
  SnapshotClient,
  type SnapshotSchema,
} from '../src/snapshot/index.js';
import { decodeAck, decodePacket, encodeAck, encodeDeltaPacket } from '../src/snapshot/wire.js';
import { printTable } from './format.js';

// ---------------------------------------------------------------- scenarios

export const pongSchema = defineSchema({
  version: 1,
  entities: {
    ball: {
      x: floatField(0, 800, 0.05),
      y: floatField(0, 600, 0.05),
      vx: floatField(-1000, 1000, 0.5),
      vy: floatField(-1000, 1000, 0.5),
    },
    paddle: { y: floatField(0, 600, 0.05), side: enumField(['left', 'right']) },
    score: { left: intField(0, 99), right: intField(0, 99) },
  },
});

export const arenaSchema = defineSchema({
  version: 1,
  entities: {
    unit: {
      x: floatField(0, 2000, 0.05),
      y: floatField(0, 2000, 0.05),
      angle: floatField(0, 6.3, 0.01),
      hp: intField(0, 100),
      state: enumField(['idle', 'walk', 'run', 'attack']),
      alive: boolField(),
    },
  },
});

type Def<S> = S extends SnapshotSchema<infer D> ? D : never;
type World<D extends EntityDefinitions> = EntityOf<D>[];

/** A Pong match: ball with wall and paddle bounces, serve pauses, two AI paddles with dead zones. */
export function pongStream(ticks: number, rng: RandomSource): World<Def<typeof pongSchema>>[] {
  const dt = 1 / 60;
  let ball = { x: 400, y: 300, vx: 0, vy: 0 };
  let serve = 30;
  const paddles = [300, 300];
  const score = [0, 0];
  const out: World<Def<typeof pongSchema>>[] = [];
  for (let t = 0; t < ticks; t++) {
    if (serve > 0 && --serve === 0) {
      const angle = (rng.next() - 0.5) * (Math.PI / 2);
      const dir = rng.next() < 0.5 ? -1 : 1;
      ball = { x: 400, y: 300, vx: dir * 420 * Math.cos(angle), vy: 420 * Math.sin(angle) };
    }
    ball.x += ball.vx * dt;
    ball.y += ball.vy * dt;
    if (ball.y < 0 || ball.y > 600) {
      ball.y = ball.y < 0 ? -ball.y : 1200 - ball.y;
      ball.vy = -ball.vy;
    }
    for (const side of [0, 1]) {
      const toward = side === 0 ? ball.vx < 0 : ball.vx > 0;
      const target = toward ? ball.y : 300;
      const diff = target - paddles[side]!;
      if (Math.abs(diff) > 8)
        paddles[side] = Math.min(
          550,
          Math.max(50, paddles[side]! + Math.sign(diff) * Math.min(Math.abs(diff), 360 * dt)),
        );
    }
    const hitSide = ball.x <= 20 ? 0 : ball.x >= 780 ? 1 : -1;
    if (hitSide >= 0) {
      if (Math.abs(ball.y - paddles[hitSide]!) <= 55 + rng.next() * 10) {
        ball.x = hitSide === 0 ? 40 - ball.x : 1560 - ball.x;
        ball.vx = Math.max(-950, Math.min(950, -ball.vx * 1.05));
        ball.vy = Math.max(-900, Math.min(900, ball.vy + (ball.y - paddles[hitSide]!) * 3));
      } else {
        score[1 - hitSide]!++;
        ball = { x: 400, y: 300, vx: 0, vy: 0 };
        serve = 30;
      }
    }
    out.push([
      { id: 0, type: 'score', left: score[0]!, right: score[1]! },
      { id: 1, type: 'ball', x: ball.x, y: ball.y, vx: ball.vx, vy: ball.vy },
      { id: 2, type: 'paddle', y: paddles[0]!, side: 'left' },
      { id: 3, type: 'paddle', y: paddles[1]!, side: 'right' },
    ]);
  }
  return out;
}

/**
 * The example game's own Pong (examples/pong-server: its rules, its snapshot schema, its bots'
 * decisions every tick at a mid skill); a finished match is followed by a new one.
 */
export function gamePongStream(ticks: number, rng: RandomSource): World<Def<typeof gamePongSchema>>[] {
  let state = newPongState(rng);
  const out: World<Def<typeof gamePongSchema>>[] = [];
  for (let t = 0; t < ticks; t++) {
    if (state.winner !== 0) state = newPongState(rng);
    stepPong(state, 1 / 60, botInput(state, 1, 0.4, rng), botInput(state, 2, 0.4, rng), rng);
    out.push(pongEntities(state).map((e) => ({ ...e })) as World<Def<typeof gamePongSchema>>);
  }
  return out;
}

/** 64 units wandering an arena: idle/walk/run/attack phases, turning, damage, deaths and respawns. */
export function arenaStream(ticks: number, rng: RandomSource): World<Def<typeof arenaSchema>>[] {
  const dt = 1 / 30;
  const states = ['idle', 'walk', 'run', 'attack'] as const;
  const speed = [0, 100, 250, 0];
  let nextId = 0;
  const spawn = () => ({
    id: nextId++,
    x: 100 + rng.next() * 1800,
    y: 100 + rng.next() * 1800,
    angle: rng.next() * 6.28,
    turn: 0,
    hp: 100,
    state: 1,
    alive: true,
  });
  let units = Array.from({ length: 64 }, spawn);
  const out: World<Def<typeof arenaSchema>>[] = [];
  for (let t = 0; t < ticks; t++) {
    for (const u of units) {
      if (rng.next() < 0.02) u.state = Math.floor(rng.next() * 4);
      if (rng.next() < 0.05) u.turn = (rng.next() - 0.5) * 2;
      const v = speed[u.state]!;
      if (v > 0) {
        u.angle = (((u.angle + u.turn * dt) % 6.28) + 6.28) % 6.28;
        u.x = Math.min(2000, Math.max(0, u.x + Math.cos(u.angle) * v * dt));
        u.y = Math.min(2000, Math.max(0, u.y + Math.sin(u.angle) * v * dt));
      }
      if (u.state === 3 && rng.next() < 0.05) u.hp = Math.max(0, u.hp - 7);
      if (u.hp === 0) u.alive = false;
    }
    units = units.map((u) => (!u.alive && rng.next() < 0.03 ? spawn() : u));
    out.push(
      units.map((u) => ({
        id: u.id,
        type: 'unit' as const,
        x: u.x,
        y: u.y,
        angle: u.angle,
        hp: u.hp,
        state: states[u.state]!,
        alive: u.alive,
      })),
    );
  }
  return out;
}

// ---------------------------------------------------------------- encoders

interface Result {
  bytesPerSec: number;
  encodeUs: number;
  decodeUs: number;
  packets: Uint8Array[];
  fullShare?: number;
  ackBytesPerSec?: number;
}

function cap(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}

/** A plain protobuf message per entity type (float/sint32/bool/enum index) and one per snapshot. */
function fullProtoType<D extends EntityDefinitions>(schema: SnapshotSchema<D>): protobuf.Type {
  const root = new protobuf.Root();
  const snap = new protobuf.Type('FullSnapshot').add(new protobuf.Field('tick', 1, 'uint32'));
  schema.types.forEach((t, i) => {
    const msg = new protobuf.Type(cap(t.name)).add(new protobuf.Field('id', 1, 'uint32'));
    t.fields.forEach((f, j) => {
      const kind = { float: 'float', int: 'sint32', bool: 'bool', enum: 'uint32' }[f.spec.kind];
      msg.add(new protobuf.Field(f.name, j + 2, kind));
    });
    root.add(msg);
    snap.add(new protobuf.Field(t.name, i + 2, cap(t.name), 'repeated'));
  });
  root.add(snap);
  return root.lookupType('FullSnapshot');
}

function fullProtoMessage<D extends EntityDefinitions>(
  schema: SnapshotSchema<D>,
  tick: number,
  world: World<D>,
) {
  const msg: Record<string, unknown> = { tick };
  for (const t of schema.types) msg[t.name] = [];
  for (const e of world) {
    const q = schema.quantize(e) as Record<string, unknown>;
    const type = schema.types.find((t) => t.name === q.type)!;
    const m: Record<string, unknown> = { id: q.id };
    for (const f of type.fields)
      m[f.name] = f.spec.kind === 'enum' ? f.spec.values.indexOf(q[f.name] as string) : q[f.name];
    (msg[type.name] as unknown[]).push(m);
  }
  return msg;
}

function runFullProtobuf<D extends EntityDefinitions>(
  schema: SnapshotSchema<D>,
  stream: World<D>[],
  hz: number,
): Result {
  const type = fullProtoType(schema);
  const messages = stream.map((w, i) => type.fromObject(fullProtoMessage(schema, i + 1, w)));
  const packets: Uint8Array[] = [];
  let t0 = performance.now();
  for (const m of messages) packets.push(type.encode(m).finish());
  const encodeUs = ((performance.now() - t0) * 1000) / messages.length;
  t0 = performance.now();
  for (const p of packets) type.decode(p);
  const decodeUs = ((performance.now() - t0) * 1000) / packets.length;
  const bytes = packets.reduce((a, p) => a + p.length, 0);
  return { bytesPerSec: (bytes / stream.length) * hz, encodeUs, decodeUs, packets };
}

/**
 * Our snapshots over a link with `loss` in both directions and `latencyTicks` one way: the
 * server sends every tick against the newest ack it has; the client acks every packet.
 */
function runDelta<D extends EntityDefinitions>(
  schema: SnapshotSchema<D>,
  stream: World<D>[],
  hz: number,
  loss: number,
  seed: number,
): Result & { baselines: (number | undefined)[] } {
  const rng = createSeededRandom(seed);
  const latencyTicks = Math.ceil(50 / (1000 / hz));
  const server = new DeltaSnapshotter({ schema });
  const client = new SnapshotClient({ schema });
  server.addClient('c');
  const toClient: { at: number; bytes: Uint8Array }[] = [];
  const toServer: { at: number; bytes: Uint8Array }[] = [];
  const packets: Uint8Array[] = [];
  const baselines: (number | undefined)[] = [];
  let encodeMs = 0;
  let decodeMs = 0;
  let decoded = 0;
  let ackBytes = 0;
  for (let i = 0; i < stream.length; i++) {
    const tick = i + 1;
    while (toServer.length > 0 && toServer[0]!.at <= tick) server.receiveAck('c', toServer.shift()!.bytes);
    let t0 = performance.now();
    server.capture(tick, stream[i]!);
    const bytes = server.encodeFor('c');
    encodeMs += performance.now() - t0;
    packets.push(bytes);
    const baseline = server.baselineTick('c');
    baselines.push(baseline === 0 ? undefined : baseline);
    if (rng.next() >= loss) toClient.push({ at: tick + latencyTicks, bytes });
    while (toClient.length > 0 && toClient[0]!.at <= tick) {
      const p = toClient.shift()!;
      t0 = performance.now();
      const r = client.receive(p.bytes);
      decodeMs += performance.now() - t0;
      if (!r.ok) throw r.error;
      decoded++;
      const ack = client.createAck();
      ackBytes += ack.length;
      if (rng.next() >= loss) toServer.push({ at: tick + latencyTicks, bytes: ack });
    }
  }
  const bytes = packets.reduce((a, p) => a + p.length, 0);
  const c = server.counters;
  return {
    bytesPerSec: (bytes / stream.length) * hz,
    encodeUs: (encodeMs * 1000) / stream.length,
    decodeUs: (decodeMs * 1000) / decoded,
    packets,
    baselines,
    fullShare: c.fullSnapshots / (c.fullSnapshots + c.deltaSnapshots),
    ackBytesPerSec: (ackBytes / stream.length) * hz,
  };
}

/** The same changes as protobuf messages (one per changed entity; values as sint32 deltas of quantized values). */
function protobufDeltaBytes<D extends EntityDefinitions>(
  schema: SnapshotSchema<D>,
  stream: World<D>[],
  baselines: (number | undefined)[],
): number {
  const root = protobuf.parse(`syntax = "proto3";
    message EntityDelta { uint32 id = 1; uint32 op = 2; uint32 type = 3; uint32 mask = 4; repeated sint32 values = 5; }
    message DeltaPacket { uint32 tick = 1; uint32 baseline_distance = 2; fixed32 schema_hash = 3; repeated EntityDelta changes = 4; }`).root;
  const Packet = root.lookupType('DeltaPacket');
  const qOf = (spec: (typeof schema.types)[number]['fields'][number]['spec'], v: unknown): number =>
    spec.kind === 'float'
      ? Math.round(((v as number) - spec.min) / spec.step)
      : spec.kind === 'int'
        ? (v as number) - spec.min
        : spec.kind === 'bool'
          ? v
            ? 1
            : 0
          : spec.values.indexOf(v as string);
  const quantized = stream.map(
    (w) => new Map(w.map((e) => [e.id, schema.quantize(e) as Record<string, unknown>])),
  );
  let total = 0;
  for (let i = 0; i < stream.length; i++) {
    const base =
      baselines[i] === undefined ? new Map<number, Record<string, unknown>>() : quantized[baselines[i]! - 1]!;
    const cur = quantized[i]!;
    const changes: object[] = [];
    const ids = [...new Set([...base.keys(), ...cur.keys()])].sort((a, b) => a - b);
    for (const id of ids) {
      const b = base.get(id);
      const c = cur.get(id);
      if (c === undefined) {
        changes.push({ id, op: 2 });
        continue;
      }
      const type = schema.types.find((t) => t.name === c.type)!;
      const create = b === undefined || b.type !== c.type;
      let mask = 0;
      const values: number[] = [];
      type.fields.forEach((f, k) => {
        const qc = qOf(f.spec, c[f.name]);
        const qb = create ? f.defaultQ : qOf(f.spec, b![f.name]);
        if (qc !== qb) {
          mask |= 1 << k;
          values.push(qc - qb);
        }
      });
      if (create || mask !== 0) changes.push({ id, op: create ? 1 : 0, type: type.index, mask, values });
    }
    const msg = Packet.fromObject({
      tick: i + 1,
      baseline_distance: baselines[i] === undefined ? 0 : i + 1 - baselines[i]!,
      schema_hash: baselines[i] === undefined ? schema.hash : 0,
      changes,
    });
    total += Packet.encode(msg).finish().length;
  }
  return total / stream.length;
}

/** @colyseus/schema encoding the same quantized state (float32 floats, uint8 ints and enums). */
function runColyseus<D extends EntityDefinitions>(
  schema: SnapshotSchema<D>,
  stream: World<D>[],
  hz: number,
): Result {
  const kinds = { float: 'float32', int: 'int16', bool: 'boolean', enum: 'uint8' } as const;
  const classes = new Map(
    schema.types.map((t) => [
      t.name,
      colyseusSchema(Object.fromEntries(t.fields.map((f) => [f.name, kinds[f.spec.kind]])), cap(t.name)),
    ]),
  );
  const State = colyseusSchema(
    Object.fromEntries(schema.types.map((t) => [`${t.name}s`, { map: classes.get(t.name)! }])),
    'State',
  );
  // biome-ignore lint/suspicious/noExplicitAny: dynamic colyseus classes.
  const state = new State() as any;
  const encoder = new Encoder(state);
  // biome-ignore lint/suspicious/noExplicitAny: dynamic colyseus classes.
  const decoder = new Decoder(new State() as any);
  const packets: Uint8Array[] = [];
  let encodeMs = 0;
  let decodeMs = 0;
  const enumIndex = new Map(
    schema.types.flatMap((t) =>
      t.fields
        .filter((f) => f.spec.kind === 'enum')
        .map((f) => [`${t.name}.${f.name}`, f.spec.kind === 'enum' ? f.spec.values : []]),
    ),
  );
  for (let i = 0; i < stream.length; i++) {
    const world = stream[i]!.map((e) => schema.quantize(e) as Record<string, unknown>);
    let t0 = performance.now();
    const seen = new Set<string>();
    for (const e of world) {
      const key = String(e.id);
      seen.add(key);
      const map = state[`${e.type}s`];
      let obj = map.get(key);
      if (obj === undefined) {
        obj = new (classes.get(e.type as string)!)();
        map.set(key, obj);
      }
      for (const [k, v] of Object.entries(e)) {
        if (k === 'id' || k === 'type') continue;
        const values = enumIndex.get(`${e.type}.${k}`);
        const value = values ? values.indexOf(v as string) : v;
        if (obj[k] !== value) obj[k] = value;
      }
    }
    for (const t of schema.types)
      for (const key of [...state[`${t.name}s`].keys()]) if (!seen.has(key)) state[`${t.name}s`].delete(key);
    const bytes = Buffer.from(i === 0 ? encoder.encodeAll() : encoder.encode());
    encoder.discardChanges();
    encodeMs += performance.now() - t0;
    packets.push(bytes);
    t0 = performance.now();
    decoder.decode(bytes);
    decodeMs += performance.now() - t0;
  }
  const bytes = packets.reduce((a, p) => a + p.length, 0);
  return {
    bytesPerSec: (bytes / stream.length) * hz,
    encodeUs: (encodeMs * 1000) / stream.length,
    decodeUs: (decodeMs * 1000) / stream.length,
    packets,
  };
}

/** deflateRaw per packet, optionally with a dictionary trained on another run's packets. */
function deflated(packets: Uint8Array[], hz: number, dictionary?: Buffer) {
  const opts = dictionary ? { dictionary } : {};
  let bytes = 0;
  const t0 = performance.now();
  const out = packets.map((p) => deflateRawSync(p, opts));
  const encodeUs = ((performance.now() - t0) * 1000) / packets.length;
  for (const o of out) bytes += o.length;
  const t1 = performance.now();
  for (const o of out) inflateRawSync(o, opts);
  const decodeUs = ((performance.now() - t1) * 1000) / packets.length;
  return { bytesPerSec: (bytes / packets.length) * hz, encodeUs, decodeUs };
}

function dictionaryFrom(packets: Uint8Array[]): Buffer {
  return Buffer.concat(packets.slice(0, 400).map((p) => Buffer.from(p))).subarray(0, 32 * 1024);
}

/** Average bytes of the delta packets: protobuf envelope, bit-packed header, entity changes + padding. */
function deltaBreakdown(packets: Uint8Array[], hz: number): Record<string, string | number> {
  let n = 0;
  let total = 0;
  let envelope = 0;
  let headerBits = 0;
  let rest = 0;
  const delivered = new Map<number, number>(); // tick -> distance of its packet (0: full)
  packets.forEach((p, i) => {
    const m = generated.netcode.snapshot.SnapshotPacket.decode(p);
    if (m.delta.length === 0) {
      delivered.set(i + 1, 0);
      return;
    }
    const r = new BitReader(m.delta, true);
    const baselineTick = readBaselineTick(r, i); // tick i + 1 follows i
    const header = readDeltaHeader(r, baselineTick, delivered.get(baselineTick));
    delivered.set(i + 1, header!.distance);
    const bits = Math.min(m.delta.length * 8, m.delta.length * 8 - r.remaining);
    n++;
    total += p.length;
    envelope += p.length - m.delta.length;
    headerBits += bits;
    rest += m.delta.length - bits / 8;
  });
  const per = (x: number) => (x / n).toFixed(2);
  return {
    'delta pkt B': per(total),
    'protobuf envelope B': per(envelope),
    'delta header B': per(headerBits / 8),
    'entities + padding B': per(rest),
    'B/s envelope / header / entities': `${Math.round((envelope / n) * hz)} / ${Math.round((headerBits / 8 / n) * hz)} / ${Math.round((rest / n) * hz)}`,
  };
}

// ---------------------------------------------------------------- tables

/** Runs a deterministic simulation 3 times; keeps the bytes and the lowest CPU times (less GC/JIT noise). */
function fastest<R extends Result>(runOnce: () => R): R {
  const runs = [runOnce(), runOnce(), runOnce()];
  return {
    ...runs[0]!,
    encodeUs: Math.min(...runs.map((r) => r.encodeUs)),
    decodeUs: Math.min(...runs.map((r) => r.decodeUs)),
  };
}

const kbs = (bytesPerSec: number) => Math.round(bytesPerSec);

function scenario<D extends EntityDefinitions>(
  name: string,
  schema: SnapshotSchema<D>,
  stream: World<D>[],
  trainingStream: World<D>[],
  hz: number,
) {
  // Warm-up runs on another stream (JIT), which also train the deflate dictionaries.
  const dictionaries = {
    'full protobuf': dictionaryFrom(runFullProtobuf(schema, trainingStream, hz).packets),
    delta: dictionaryFrom(runDelta(schema, trainingStream, hz, 0, 99).packets),
  };
  runColyseus(schema, trainingStream, hz);
  const full = fastest(() => runFullProtobuf(schema, stream, hz));
  const colyseus = fastest(() => runColyseus(schema, stream, hz));
  const rows: Record<string, string | number>[] = [];
  const compression: Record<string, string | number>[] = [];
  const breakdown: Record<string, string | number>[] = [];
  for (const loss of [0, 0.05, 0.2]) {
    const delta = fastest(() => runDelta(schema, stream, hz, loss, 7));
    const pbDelta = protobufDeltaBytes(schema, stream, delta.baselines) * hz;
    const colyseusReliable = colyseus.bytesPerSec / (1 - loss);
    rows.push({
      scenario: name,
      loss: `${loss * 100}%`,
      'full protobuf B/s': kbs(full.bytesPerSec),
      'delta B/s': kbs(delta.bytesPerSec),
      'saved vs full': `${((1 - delta.bytesPerSec / full.bytesPerSec) * 100).toFixed(1)}%`,
      'colyseus B/s': kbs(colyseusReliable),
      'delta/colyseus': (delta.bytesPerSec / colyseusReliable).toFixed(2),
      'full pkts': `${((delta.fullShare ?? 0) * 100).toFixed(1)}%`,
      'acks B/s': kbs(delta.ackBytesPerSec ?? 0),
      'pb-delta B/s': kbs(pbDelta),
      'enc µs full/delta/col': `${full.encodeUs.toFixed(1)} / ${delta.encodeUs.toFixed(1)} / ${colyseus.encodeUs.toFixed(1)}`,
      'dec µs full/delta/col': `${full.decodeUs.toFixed(1)} / ${delta.decodeUs.toFixed(1)} / ${colyseus.decodeUs.toFixed(1)}`,
    });
    if (loss === 0) {
      breakdown.push({ scenario: name, ...deltaBreakdown(delta.packets, hz) });
      for (const [label, packets] of [
        ['full protobuf', full.packets],
        ['delta', delta.packets],
      ] as const) {
        const plain = packets.reduce((a, p) => a + p.length, 0) / packets.length;
        const d = deflated(packets, hz);
        deflated(packets.slice(0, 200), hz); // warm-up
        const dd = deflated(packets, hz, dictionaries[label]);
        compression.push({
          scenario: name,
          stream: label,
          'B/s': kbs(plain * hz),
          'deflateRaw B/s': kbs(d.bytesPerSec),
          'deflate+dict B/s': kbs(dd.bytesPerSec),
          'deflate enc/dec µs': `${d.encodeUs.toFixed(1)} / ${d.decodeUs.toFixed(1)}`,
          'dict enc/dec µs': `${dd.encodeUs.toFixed(1)} / ${dd.decodeUs.toFixed(1)}`,
        });
      }
    }
  }
  return { rows, compression, breakdown };
}

/**
 * Best-of-6 CPU ns (process.cpuUsage, so time the process spent preempted on a shared machine
 * does not count) per encode and decode of `msg` through each codec, interleaved.
 */
function timeCodecs<M>(
  msg: M,
  codecs: readonly (readonly [string, (m: M) => Uint8Array, (b: Uint8Array) => unknown])[],
): Record<string, string | number>[] {
  const n = 100_000;
  const best = codecs.map(() => ({ enc: Number.POSITIVE_INFINITY, dec: Number.POSITIVE_INFINITY, bytes: 0 }));
  for (let round = 0; round < 6; round++) {
    codecs.forEach(([, encode, decode], c) => {
      let t0 = process.cpuUsage();
      let bytes: Uint8Array = new Uint8Array();
      for (let i = 0; i < n; i++) bytes = encode(msg);
      const enc = cpuNanos(t0) / n;
      t0 = process.cpuUsage();
      for (let i = 0; i < n; i++) decode(bytes);
      const dec = cpuNanos(t0) / n;
      best[c] = { enc: Math.min(best[c]!.enc, enc), dec: Math.min(best[c]!.dec, dec), bytes: bytes.length };
    });
  }
  return codecs.map(([name], c) => ({
    codec: name,
    'encode CPU ns': Math.round(best[c]!.enc),
    'decode CPU ns': Math.round(best[c]!.dec),
    bytes: best[c]!.bytes,
  }));
}

function cpuNanos(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) * 1000;
}

/** A delta packet's envelope: protobufjs static code, its reflection, and wire.ts's direct path. */
function envelopeCodecs(): Record<string, string | number>[] {
  const root = protobuf.loadSync(new URL('../proto/snapshot.proto', import.meta.url).pathname);
  const reflected = root.lookupType('pong.netcode.snapshot.SnapshotPacket');
  const Static = generated.netcode.snapshot.SnapshotPacket;
  const writer = new BitWriter();
  for (let i = 0; i < 12; i++) writer.write(0x5a, 8);
  const msg = { delta: writer.finishTrimmed() }; // a delta packet's shape
  return timeCodecs(msg, [
    [
      'static (pbjs)',
      () => Static.encode({ delta: writer.finishTrimmed() }).finish(),
      (b) => Static.decode(b),
    ],
    ['reflection', (m) => reflected.encode(m).finish(), (b) => reflected.decode(b)],
    ['direct (wire.ts)', () => encodeDeltaPacket(writer), (b) => decodePacket(b)],
  ]);
}

/** The ack every client sends per snapshot: protobufjs static code vs wire.ts's direct path. */
function ackCodecs(): Record<string, string | number>[] {
  const Static = generated.netcode.snapshot.SnapshotAck;
  const msg = { tick: 123_456, schemaHash: 0x9abc_def0, requestFull: false };
  return timeCodecs(msg, [
    ['static (pbjs)', (m) => Static.encode(m).finish(), (b) => Static.decode(b)],
    ['direct (wire.ts)', (m) => encodeAck(m), (b) => decodeAck(b)],
  ]);
}

export async function run(): Promise<void> {
  const scenarios = [
    scenario(
      'pong 60/s',
      pongSchema,
      pongStream(3600, createSeededRandom(1)),
      pongStream(1200, createSeededRandom(2)),
      60,
    ),
    scenario(
      'pong game 60/s',
      gamePongSchema,
      gamePongStream(3600, createSeededRandom(5)),
      gamePongStream(1200, createSeededRandom(6)),
      60,
    ),
    scenario(
      'arena 64 @30/s',
      arenaSchema,
      arenaStream(1800, createSeededRandom(3)),
      arenaStream(600, createSeededRandom(4)),
      30,
    ),
  ];
  printTable(
    'Bytes per second per client and µs per client per tick (server→client; 50 ms one way, loss both ways)',
    scenarios.flatMap((s) => s.rows),
  );
  printTable(
    'Where the delta bytes go (0% loss; per delta packet, then per second)',
    scenarios.flatMap((s) => s.breakdown),
  );
  printTable(
    'deflateRaw per packet on top (0% loss; dictionary = 32 KiB of packets from another run)',
    scenarios.flatMap((s) => s.compression),
  );
  printTable(
    'SnapshotPacket (delta) envelope: protobufjs static code (before: the encode includes finishTrimmed, as encodeFor did), reflection, and the direct path',
    envelopeCodecs(),
  );
  printTable('SnapshotAck: protobufjs static code (before) vs the direct path', ackCodecs());
}
