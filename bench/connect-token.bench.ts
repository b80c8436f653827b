/**
 * Connect tokens: CPU cost per token of issuing (match side), decoding (client), and verifying
 * (game server): an accepted token, and the refusals an attacker can make a server compute
 * (junk of the wrong size, an expired token, a forged seal). The cases run in interleaved rounds
 * so load from other processes hits them alike; the table gives the median and range of wall
 * time over rounds, and the median process CPU time (user + system, which on a shared machine
 * excludes time spent waiting for a core, though it includes the GC's helper threads).
 *
 * Environment: BENCH_CONNECT_TOKEN_MS (total ms per case, default 1000).
 */
import { performance } from 'node:perf_hooks';
import { createCryptoRandom, ManualClock } from '../src/core/index.js';
import {
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  HANDSHAKE_TOKEN_BYTES,
} from '../src/transport/index.js';
import { printTable } from './format.js';

const CASE_MS = Number(process.env.BENCH_CONNECT_TOKEN_MS ?? 1000);
const ROUNDS = 5;
const PROTOCOL = 0x42454e43;
const ADDRESS = '203.0.113.7:9000';

export async function run(): Promise<void> {
  const random = createCryptoRandom();
  const key = { id: 1, key: Uint8Array.from({ length: 32 }, (_, i) => i * 7) };
  const clock = new ManualClock(1_780_000_000_000);
  const issuer = new ConnectTokenIssuer({ key, protocolId: PROTOCOL, clock, random });
  const verifier = new ConnectTokenVerifier({
    keys: [key, { id: 0, key: new Uint8Array(32).fill(9) }],
    protocolId: PROTOCOL,
    serverAddresses: [ADDRESS],
    clock,
  });
  const grant = {
    playerId: 'player-3f9c2a71',
    matchId: '0b7f6a8e-4c1d-4f2a-9e3b-5d6c7a8b9c0d',
    roomId: 'room-0b7f6a8e',
    serverAddress: ADDRESS,
  };
  const publicToken = issuer.issue(grant);
  const handshake = decodeConnectToken(publicToken).handshakeToken;
  const forged = handshake.slice();
  forged[HANDSHAKE_TOKEN_BYTES - 1]! ^= 1;
  const expiredVerifier = new ConnectTokenVerifier({
    keys: [key],
    protocolId: PROTOCOL,
    serverAddresses: [ADDRESS],
    clock: new ManualClock(decodeConnectToken(publicToken).expiresAt),
  });
  const junk = new Uint8Array(300);

  let sink = 0;
  const cases: [string, () => void][] = [
    ['issue (seal + public token)', () => (sink += issuer.issue(grant).length)],
    ['decode (client)', () => (sink += decodeConnectToken(publicToken).timeoutMs)],
    ['verify: accepted', () => (sink += verifier.verify(handshake).ok ? 1 : 0)],
    ['verify: forged seal (unauthentic)', () => (sink += verifier.verify(forged).ok ? 1 : 0)],
    ['verify: expired', () => (sink += expiredVerifier.verify(handshake).ok ? 1 : 0)],
    ['verify: junk, wrong size (malformed)', () => (sink += verifier.verify(junk).ok ? 1 : 0)],
  ];
  for (const [, fn] of cases) for (let i = 0; i < 2000; i++) fn(); // warm-up
  const samples = cases.map(() => [] as number[]);
  const cpuSamples = cases.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    cases.forEach(([, fn], c) => {
      let n = 0;
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      const until = start + CASE_MS / ROUNDS;
      while (performance.now() < until) {
        for (let i = 0; i < 100; i++) fn();
        n += 100;
      }
      const cpu = process.cpuUsage(cpu0);
      samples[c]!.push(((performance.now() - start) * 1000) / n);
      cpuSamples[c]!.push((cpu.user + cpu.system) / n);
    });
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  printTable(
    `Connect tokens: µs per token (median and range of ${ROUNDS} rounds; handshake token ${HANDSHAKE_TOKEN_BYTES} bytes, public ${publicToken.length})`,
    cases.map(([name], c) => {
      const wall = samples[c]!;
      return {
        operation: name,
        'wall µs/token': median(wall),
        min: Math.min(...wall),
        max: Math.max(...wall),
        // Process CPU time: on a shared machine the wall clock also counts waiting for a core.
        'CPU µs/token': median(cpuSamples[c]!),
        'tokens/s per core': Math.round(1e6 / median(cpuSamples[c]!)),
      };
    }),
  );
  if (sink === -1) console.log(sink);
}
