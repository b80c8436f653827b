/**
 * A whole Pong match on the room base over real UDP, through a LossyUdpProxy (10% loss and 50 ms
 * latency each way): two bots, each with its RoomClient sending input and ack in one packet per
 * tick, play to the end, and both clients end with the same score as the server.
 */
import { expect, it } from 'vitest';
import { playAssignment } from '../../examples/pong-server/bot-player.js';
import { PongServer } from '../../examples/pong-server/pong-server.js';
import { createSeededRandom } from '../../src/core/index.js';
import { MemoryRoomManager } from '../../src/matchmaking/index.js';
import { MetricsCollector } from '../../src/metrics/index.js';
import { LossyUdpProxy, UdpTransport } from '../../src/transport/index.js';
import { pongTokens } from '../support/pong-tokens.js';

it('two bots play a whole match through 10% loss and 50 ms latency and agree on the score', async () => {
  const rooms = new MemoryRoomManager({ random: createSeededRandom(1) });
  const roomId = await rooms.createRoom('m1', ['alice', 'bob']);
  const metrics = new MetricsCollector();
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const tokens = pongTokens(`127.0.0.1:${transport.localAddress.port}`);
  const server = new PongServer({
    transport,
    connectTokens: tokens.verifier,
    rooms,
    random: createSeededRandom(2),
    metrics,
    scoreToWin: 2,
    snapshotRate: 30,
  });
  server.start();
  const link = { lossRate: 0.1, latencyMs: 50 };
  const proxy = await LossyUdpProxy.start({
    target: transport.localAddress,
    conditions: { upstream: link, downstream: link },
    random: createSeededRandom(3),
  });
  try {
    const play = (playerId: string, opponent: string, seed: number) =>
      playAssignment(tokens.assignment(playerId, opponent, 'm1', roomId), {
        playerId,
        skill: 0.2,
        random: createSeededRandom(seed),
        via: () => proxy.address,
        timeoutMs: 100_000,
      });
    const [alice, bob] = await Promise.all([play('alice', 'bob', 4), play('bob', 'alice', 5)]);
    const [result] = server.results;
    expect(result).toMatchObject({ roomId, ending: 'score' });
    const finalScore = [result!.score1, result!.score2];
    expect(Math.max(...finalScore)).toBe(2);
    expect(alice.score).toEqual(finalScore);
    expect(bob.score).toEqual(finalScore);
    expect(alice.won).toBe(result!.winnerId === 'alice');
    expect(bob.won).toBe(result!.winnerId === 'bob');
    expect(new Set([alice.side, bob.side])).toEqual(new Set([1, 2]));
    // The loss was real, and the inputs still arrived: only a handful refused, none as impossible.
    expect(proxy.counters.upstream.dropped + proxy.counters.downstream.dropped).toBeGreaterThan(20);
    const c = server.host.counters;
    expect(c.inputsRejected.impossible + c.inputsRejected.wrong_seat + c.inputsRejected.malformed).toBe(0);
    expect(c.inputsApplied).toBeGreaterThan(result!.ticks);
    expect(c.inputsRedundant).toBeGreaterThan(0);
  } finally {
    server.stop();
    await proxy.close();
    await transport.close();
  }
}, 120_000);
