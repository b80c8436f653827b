/**
 * `npm run play`: Pong in the terminal, the Up/Down arrows against a bot, q to quit.
 *
 * With no arguments it starts a game server in this process on 127.0.0.1 and a bot opponent,
 * and joins with a connect token as a match server would issue it. It draws the court 30 times a
 * second, interpolated between the server's snapshots, with the round trip, the estimated packet
 * loss and the server tick; it sends the paddle direction as one packet per tick (60 Hz).
 *
 * Options: `--score N` (points to win, default 5), `--bot-skill S` (0 to 1, default 0.6).
 *
 * `--match <url>` joins through a match server instead (no local server, no bot of its own): it
 * asks `<url>/match/request` for an opponent as `--player <id>` (default a random one), with
 * `MATCH_TOKEN` (e.g. from `npm run match-token`) as its bearer token when set, and plays the
 * match it is given on the game server its connect token names.
 */
import { parseArgs } from 'node:util';
import { createCryptoRandom, systemClock } from '../../src/core/index.js';
import { requestMatch } from '../pong-server/bot-player.js';
import { encodeInput } from '../pong-server/pong-messages.js';
import { PONG_IDS } from '../pong-server/pong-schema.js';
import { COURT, type CourtView, drawCourt } from './court.js';
import { joinAsHuman } from './human-player.js';
import { PaddleKeys, parseKeys } from './keyboard.js';
import { startLocalGame } from './local-game.js';

const { values } = parseArgs({
  options: {
    score: { type: 'string', default: '5' },
    'bot-skill': { type: 'string', default: '0.6' },
    match: { type: 'string' },
    player: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'npm run play [-- --score N --bot-skill 0..1 | --match <url> --player <id>]: Pong; Up/Down move, q quits',
  );
  process.exit(0);
}
const scoreToWin = Number(values.score);
const botSkill = Number(values['bot-skill']);
if (!Number.isInteger(scoreToWin) || scoreToWin < 1 || scoreToWin > 99 || !(botSkill >= 0 && botSkill <= 1)) {
  console.error('play: --score must be an integer in [1, 99] and --bot-skill a number in [0, 1]');
  process.exit(2);
}

const clock = systemClock;
const random = createCryptoRandom();
const matchUrl = values.match;
const game =
  matchUrl === undefined
    ? await startLocalGame({ random, scoreToWin, botSkill })
    : {
        human: await requestMatch(
          matchUrl,
          values.player ?? `player-${Math.floor(random.next() * 0xffff).toString(16)}`,
          1500,
          process.env.MATCH_TOKEN ? `Bearer ${process.env.MATCH_TOKEN}` : undefined,
        ),
        close: async () => {},
      };
const human = await joinAsHuman(game.human, clock, random);
const { room, connection } = human;
const keys = new PaddleKeys(clock);
const out = process.stdout;

// The terminal: the alternate screen, no cursor, raw keys; all restored on the way out, however it goes.
out.write('\x1b[?1049h\x1b[?25l\x1b[2J');
if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.once('exit', () => {
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  out.write('\x1b[?25h\x1b[?1049l');
});
process.stdin.setEncoding('utf8');
process.stdin.resume();

let quitting = false;
async function quit(code: number): Promise<void> {
  if (quitting) return;
  quitting = true;
  clearInterval(inputTimer);
  clearInterval(frameTimer);
  process.stdin.pause();
  // Close politely (the server hears the disconnect), but never let closing keep the player waiting.
  const closed = Promise.all([human.close(), game.close()]);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
  process.exit(code);
}

process.stdin.on('data', (chunk: string) => {
  for (const action of parseKeys(chunk)) {
    if (action === 'quit') void quit(0);
    else keys.press(action);
  }
});
process.once('SIGTERM', () => void quit(0));
connection.on('disconnect', (reason) => {
  if (quitting) return;
  out.write(`\x1b[${COURT.rows + 5};1H\x1b[Kdisconnected (${reason}); q quits`);
});

// One packet per tick: this tick's direction, the few before it and the snapshot ack.
const inputTimer = setInterval(() => {
  if (room.welcome !== undefined && connection.connected) room.sendInput(encodeInput(keys.current()));
}, 1000 / 60);

// A fixed frame rate, independent of when snapshots arrive.
const frameTimer = setInterval(() => {
  const frame = human.interpolator()?.sample();
  const latest = room.latest;
  if (frame === undefined || latest === undefined) {
    out.write('\x1b[H\x1b[Kwaiting for the server...');
    return;
  }
  const get = (id: number) => frame.entities.get(id) as Record<string, number> | undefined;
  const score = latest.entities.get(PONG_IDS.score) as Record<string, number> | undefined;
  const view: CourtView = {
    ballX: get(PONG_IDS.ball)?.x ?? 400,
    ballY: get(PONG_IDS.ball)?.y ?? 300,
    paddle1Y: get(PONG_IDS.paddle1)?.y ?? 300,
    paddle2Y: get(PONG_IDS.paddle2)?.y ?? 300,
    score1: score?.p1 ?? 0,
    score2: score?.p2 ?? 0,
    winner: (score?.winner ?? 0) as 0 | 1 | 2,
    side: room.seat === 1 ? 2 : 1,
    opponent: matchUrl === undefined ? 'bot' : game.human.opponent_id,
    rttMs: connection.channel.rttMs,
    loss: connection.channel.packetLoss,
    serverTick: latest.tick,
    renderTick: frame.renderTime / (1000 / (room.welcome?.tickRate ?? 60)),
  };
  out.write(`\x1b[H${drawCourt(view).join('\x1b[K\r\n')}\x1b[K`);
}, 1000 / 30);
