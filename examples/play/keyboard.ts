/**
 * Arrow keys to a paddle direction. A terminal reports key presses, never releases, so a press
 * moves the paddle for `holdMs` and a held key's auto-repeat keeps it moving.
 */
import type { Clock } from '../../src/core/index.js';
import type { PaddleInput } from '../pong-server/pong-game.js';

/** What a chunk of terminal input asks for. */
export type KeyAction = 'up' | 'down' | 'quit';

/** The actions in one chunk of raw terminal input, in order (arrows in both cursor-key modes). */
export function parseKeys(chunk: string): KeyAction[] {
  const out: KeyAction[] = [];
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i];
    if (c === 'q' || c === 'Q' || c === '\x03') out.push('quit');
    else if (c === '\x1b' && (chunk[i + 1] === '[' || chunk[i + 1] === 'O')) {
      const k = chunk[i + 2];
      if (k === 'A') out.push('up');
      else if (k === 'B') out.push('down');
      i += 2;
    } else if (c === 'w' || c === 'k') out.push('up');
    else if (c === 's' || c === 'j') out.push('down');
  }
  return out;
}

/** The paddle direction the last key press holds. */
export class PaddleKeys {
  private direction: PaddleInput = 0;
  private until = 0;

  constructor(
    private readonly clock: Clock,
    private readonly holdMs = 150,
  ) {}

  press(action: 'up' | 'down'): void {
    this.direction = action === 'up' ? -1 : 1;
    this.until = this.clock.now() + this.holdMs;
  }

  /** The direction now: the last press's while it holds, else 0. */
  current(): PaddleInput {
    return this.clock.now() < this.until ? this.direction : 0;
  }
}
