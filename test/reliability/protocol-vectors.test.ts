import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import {
  type Entry,
  EntryKind,
  type EntryKindValue,
  readEntries,
  writeEntry,
} from '../../src/reliability/message-codec.js';
import {
  type PacketHeader,
  PacketType,
  readPacketHeader,
  writePacketHeader,
} from '../../src/reliability/packet-header.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

function blocks(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of doc.matchAll(new RegExp(`\`\`\`(?:hex|json) ${tag}=(\\S+)\\n([\\s\\S]*?)\`\`\``, 'g')))
    out.set(m[1]!, m[2]!);
  return out;
}
const fromHex = (s: string) =>
  Uint8Array.from(s.trim().split(/\s+/).filter(Boolean), (b) => Number.parseInt(b, 16));
const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
const kindNames = ['reliable', 'fragment', 'sequenced', 'unreliable'] as const;

interface Decoded {
  type: 'data' | 'ack';
  sequence: number;
  ack: number;
  ackBits: string;
  headerBytes: number;
  entries: { kind: string; id?: number; fragmentIndex?: number; fragmentCount?: number; payload: string }[];
}

function decode(bytes: Uint8Array): Decoded {
  const h: PacketHeader = { type: PacketType.Data, sequence: 0, ack: 0, ackBits: 0 };
  const headerBytes = readPacketHeader(bytes, h);
  expect(headerBytes).toBeGreaterThan(0);
  const entries: Entry[] = [];
  const count = h.type === PacketType.Data ? readEntries(bytes, headerBytes, entries) : 0;
  expect(count).toBeGreaterThanOrEqual(0);
  return {
    type: h.type === PacketType.Data ? 'data' : 'ack',
    sequence: h.sequence,
    ack: h.ack,
    ackBits: `0x${h.ackBits.toString(16).padStart(8, '0')}`,
    headerBytes,
    entries: entries.slice(0, count).map((e) => {
      const payload = toHex(bytes.subarray(e.start, e.end));
      const kind = kindNames[e.kind];
      if (e.kind === EntryKind.Unreliable) return { kind, payload };
      if (e.kind === EntryKind.Fragment)
        return { kind, id: e.id, fragmentIndex: e.fragmentIndex, fragmentCount: e.fragmentCount, payload };
      return { kind, id: e.id, payload };
    }),
  };
}

function encode(d: Decoded): Uint8Array {
  const buf = new Uint8Array(2048);
  const type = d.type === 'data' ? PacketType.Data : PacketType.Ack;
  let p = writePacketHeader(buf, 0, type, d.sequence, d.ack, Number(d.ackBits));
  for (const e of d.entries) {
    const kind = kindNames.indexOf(e.kind as (typeof kindNames)[number]) as EntryKindValue;
    const payload = Uint8Array.from(e.payload.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
    p = writeEntry(buf, p, kind, payload, e.id ?? 0, e.fragmentIndex ?? 0, e.fragmentCount ?? 0);
  }
  return buf.slice(0, p);
}

/** Expands the doc's "55*70" shorthand. */
function expandPayloads(d: Decoded): Decoded {
  return {
    ...d,
    entries: d.entries.map((e) => {
      const m = /^([0-9a-f]{2})\*(\d+)$/.exec(e.payload);
      return m ? { ...e, payload: m[1]!.repeat(Number(m[2])) } : e;
    }),
  };
}

describe('docs/protocol.md test vectors', () => {
  const vectors = blocks('vector');
  const decoded = blocks('decoded');
  const malformed = blocks('malformed');

  it('has a vector for each packet type and each entry kind', () => {
    expect([...vectors.keys()]).toEqual([...decoded.keys()]);
    expect(vectors.size).toBe(7);
    const all = [...decoded.values()].map((j) => JSON.parse(j) as Decoded);
    expect(new Set(all.map((d) => d.type))).toEqual(new Set(['data', 'ack']));
    expect(new Set(all.flatMap((d) => d.entries.map((e) => e.kind)))).toEqual(new Set(kindNames));
    expect(malformed.size).toBe(6);
  });

  for (const [name, hex] of blocks('vector')) {
    it(`vector ${name}: decodes as documented and re-encodes to the same bytes`, () => {
      const bytes = fromHex(hex);
      const expected = expandPayloads(JSON.parse(blocks('decoded').get(name)!) as Decoded);
      expect(decode(bytes)).toEqual(expected);
      expect(toHex(encode(expected))).toBe(toHex(bytes));
    });
  }

  it('the malformed examples are counted as malformed by a channel, for the documented reasons', () => {
    const clock = new ManualClock();
    const ch = new ReliableUdpChannel({ clock, send: () => {} });
    // Send enough packets that the examples' acks (up to 0x1230) are plausible.
    for (let i = 0; i < 0x1240; i++) {
      ch.send(new Uint8Array(1), 'unreliable');
      ch.update();
    }
    for (const [name, hex] of malformed) {
      const before = ch.counters.malformedPacketsDropped;
      ch.receive(fromHex(hex));
      expect({ name, dropped: ch.counters.malformedPacketsDropped - before }).toEqual({ name, dropped: 1 });
    }
    expect(ch.counters.packetsReceived).toBe(0);
  });
});
