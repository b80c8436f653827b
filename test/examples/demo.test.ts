/**
 * The one-command demo, end to end, as a real process: a match server, a game server and two bots
 * playing one point over real UDP through the lossy proxy. Proves the README's main command works.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';

it('npm run demo plays a whole match and reports what the metrics saw', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
    env: {
      ...process.env,
      DEMO_PLAYERS: '2',
      DEMO_GAME_SERVERS: '1',
      DEMO_SCORE: '1',
      DEMO_LOSS: '0.1',
      MATCH_PORT: '0',
      GAME_PORT: '0',
      METRICS_PORT: '0',
      MATCH_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(out).toMatch(/bot00[12] beat bot00[12] (1:0|0:1)/);
  expect(out).toContain("'score'");
  expect(out).toMatch(/match-1.*'2'.*'1'/); // 2 match requests, 1 match created
  expect(out).not.toContain('Failures');
  expect(code).toBe(0);
}, 120_000);
