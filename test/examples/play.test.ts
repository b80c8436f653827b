/**
 * `npm run play` as a person sees it: the terminal client runs in a detached tmux session of a
 * fixed size (on a private tmux server); the test reads the screen with capture-pane and types
 * with send-keys. The game runs on the wall clock (it is a real process), so every wait polls the
 * screen with a bound instead of sleeping a fixed time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, it } from 'vitest';
import { COURT } from '../../examples/play/court.js';
import { playMatch } from '../../examples/pong-server/bot-player.js';
import { PONG_PROTOCOL_ID, PongServer } from '../../examples/pong-server/pong-server.js';
import { createCryptoRandom, epochClock, silentLogger } from '../../src/core/index.js';
import {
  MatchServer,
  MemoryRoomManager,
  migrate,
  pgliteClient,
  StaticGameServerAllocator,
} from '../../src/matchmaking/index.js';
import { ConnectTokenIssuer, ConnectTokenVerifier, UdpTransport } from '../../src/transport/index.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// A private tmux server on a socket of our own, removed at the end (kill-server leaves the file).
const socketDir = mkdtempSync(join(tmpdir(), 'play-test-'));
const socket = join(socketDir, 'tmux');
const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
let session = '';
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

/** The top row of the right paddle (the `#` in the right half). */
function rightPaddleTop(rows: string[]): number | undefined {
  const r = rows.findIndex((l) => l.slice(l.length / 2).includes('#'));
  return r < 0 ? undefined : r;
}

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-S', socket, 'kill-server']);
  rmSync(socketDir, { recursive: true, force: true });
});

/**
 * Starts the client with `args` in a tmux session named `name`, then: the court is drawn, the ball
 * moves, Up moves your paddle up, q exits with status 0. Your paddle is the left one when `side` is 1.
 */
async function playInTmux(name: string, args: string, side: 1 | 2): Promise<void> {
  session = name;
  const paddleTop = side === 1 ? leftPaddleTop : rightPaddleTop;
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
    // The shell says how the client ended, on the screen the test reads.
    `${process.execPath} --import tsx examples/play/main.ts ${args}; echo "play exited with $?"; sleep 600`,
  );
  const first = await until('the court with the ball', 30_000, () => {
    const rows = court(screen());
    return rows && ball(rows) && paddleTop(rows) !== undefined ? rows : undefined;
  });
  expect(first).toHaveLength(COURT.rows);
  expect(screen()[0]).toMatch(
    /^PONG {2}(you \d+ : \d+ \S+|\S+ \d+ : \d+ you) {3}tick \d+ .* ping \d+\.\d ms {2}loss \d+\.\d%/,
  );

  const ballBefore = ball(first)!;
  const ballAfter = await until('the ball to move', 5_000, () => {
    const rows = court(screen());
    const b = rows && ball(rows);
    return b !== undefined && b !== ballBefore ? b : undefined;
  });
  expect(ballAfter).not.toBe(ballBefore);

  const paddleBefore = paddleTop(court(screen())!)!;
  expect(paddleBefore).toBeGreaterThan(0); // it starts in the middle, so it can go up
  for (let i = 0; i < 6; i++) {
    tmux('send-keys', '-t', session, 'Up');
    await sleep(80);
  }
  const paddleAfter = await until('your paddle to move up', 5_000, () => {
    const rows = court(screen());
    const top = rows && paddleTop(rows);
    return top !== undefined && top < paddleBefore ? top : undefined;
  });
  expect(paddleAfter).toBeLessThan(paddleBefore);

  tmux('send-keys', '-t', session, 'q');
  const status = await until('the process to exit', 10_000, () =>
    screen()
      .map((l) => /^play exited with (\d+)$/.exec(l)?.[1])
      .find((code) => code !== undefined),
  );
  expect(status).toBe('0');
}

const title =
  'npm run play in tmux draws the court, moves the ball, moves the left paddle up on Up and exits on q';
const skipped = ' (skipped: tmux is not installed; apt-get install tmux, as .ci/run does)';

it.skipIf(!hasTmux)(hasTmux ? title : title + skipped, () => playInTmux('local', '', 1), 60_000);

it.skipIf(!hasTmux)(
  `npm run play -- --match <url> plays the match a match server makes, against a bot${hasTmux ? '' : skipped}`,
  async () => {
    // A match server (PGlite, no authentication) and one Pong game server sharing a token key.
    const random = createCryptoRandom();
    const key = { id: 1, key: randomBytes(32) };
    const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const address = `127.0.0.1:${transport.localAddress.port}`;
    const rooms = new MemoryRoomManager({ random });
    const server = new PongServer({
      transport,
      connectTokens: new ConnectTokenVerifier({
        keys: [key],
        protocolId: PONG_PROTOCOL_ID,
        serverAddresses: [address],
        clock: epochClock,
      }),
      rooms,
      random,
      logger: silentLogger,
    });
    server.start();
    const db = new PGlite();
    const sql = pgliteClient(db);
    await migrate(sql);
    const matchServer = new MatchServer({
      authenticate: 'none',
      connectTokens: new ConnectTokenIssuer({ key, protocolId: PONG_PROTOCOL_ID, clock: epochClock, random }),
      db: sql,
      rooms,
      allocator: new StaticGameServerAllocator([address]),
      random,
    });
    const { port } = await matchServer.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    // 'bob' sorts after 'alice', so the human has seat 1, the left paddle.
    const bot = playMatch({ matchServerUrl: url, playerId: 'bob', rating: 1500, random, skill: 0.6 }).catch(
      () => undefined,
    );
    try {
      await playInTmux('match', `--match ${url} --player alice`, 1);
      expect(screen().join('\n')).not.toContain('bot');
    } finally {
      server.stop();
      await bot;
      await matchServer.close();
      await transport.close();
      await db.close();
    }
  },
  90_000,
);
