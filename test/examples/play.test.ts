/**
 * `npm run play` as a person sees it: the terminal client runs in a detached tmux session of a
 * fixed size (on a private tmux server); the test reads the screen with capture-pane and types
 * with send-keys. The game runs on the wall clock (it is a real process), so every wait polls the
 * screen with a bound instead of sleeping a fixed time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { COURT } from '../../examples/play/court.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `play-test-${process.pid}`;
const session = 'play';
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session).split('\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` every 50 ms until it returns something defined, for at most `ms`. */
async function until<T>(what: string, ms: number, read: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; screen:\n${screen().join('\n')}`);
    await sleep(50);
  }
}

/** The court's rows (between the two `+---+` borders), without the side borders. */
function court(lines: string[]): string[] | undefined {
  const top = lines.findIndex((l) => l.startsWith('+--'));
  const bottom = lines.findIndex((l, i) => i > top && l.startsWith('+--'));
  if (top < 0 || bottom < 0) return undefined;
  return lines.slice(top + 1, bottom).map((l) => l.slice(1, -1));
}

function ball(rows: string[]): string | undefined {
  const r = rows.findIndex((l) => l.includes('O'));
  return r < 0 ? undefined : `${r},${rows[r]!.indexOf('O')}`;
}

/** The top row of the left paddle (the `#` in the left half). */
function leftPaddleTop(rows: string[]): number | undefined {
  const r = rows.findIndex((l) => l.slice(0, l.length / 2).includes('#'));
  return r < 0 ? undefined : r;
}

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
});

const title =
  'npm run play in tmux draws the court, moves the ball, moves the left paddle up on Up and exits on q';

it.skipIf(!hasTmux)(
  hasTmux ? title : `${title} (skipped: tmux is not installed; apt-get install tmux, as .ci/run does)`,
  async () => {
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '100',
      '-y',
      '30',
      '-c',
      process.cwd(),
      `${process.execPath} --import tsx examples/play/main.ts`,
      ';',
      'set-option',
      '-t',
      session,
      'remain-on-exit',
      'on',
    );
    const first = await until('the court with the ball', 30_000, () => {
      const rows = court(screen());
      return rows && ball(rows) && leftPaddleTop(rows) !== undefined ? rows : undefined;
    });
    expect(first).toHaveLength(COURT.rows);
    expect(screen()[0]).toMatch(/^PONG {2}you \d+ : \d+ bot {3}tick \d+ .* ping \d+\.\d ms {2}loss \d+\.\d%/);

    const ballBefore = ball(first)!;
    const ballAfter = await until('the ball to move', 5_000, () => {
      const rows = court(screen());
      const b = rows && ball(rows);
      return b !== undefined && b !== ballBefore ? b : undefined;
    });
    expect(ballAfter).not.toBe(ballBefore);

    const paddleBefore = leftPaddleTop(court(screen())!)!;
    expect(paddleBefore).toBeGreaterThan(0); // it starts in the middle, so it can go up
    for (let i = 0; i < 6; i++) {
      tmux('send-keys', '-t', session, 'Up');
      await sleep(80);
    }
    const paddleAfter = await until('the left paddle to move up', 5_000, () => {
      const rows = court(screen());
      const top = rows && leftPaddleTop(rows);
      return top !== undefined && top < paddleBefore ? top : undefined;
    });
    expect(paddleAfter).toBeLessThan(paddleBefore);

    tmux('send-keys', '-t', session, 'q');
    const status = await until('the process to exit', 10_000, () => {
      const [dead, code] = tmux('display-message', '-p', '-t', session, '#{pane_dead} #{pane_dead_status}')
        .trim()
        .split(' ');
      return dead === '1' ? code : undefined;
    });
    expect(status).toBe('0');
  },
  60_000,
);
