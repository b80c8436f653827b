/**
 * The bench's parent/child protocol over Node's IPC channel. A child announces itself with
 * `ready` (plus whatever the parent needs, such as a port), then answers `begin` (start a
 * measurement window) and `end` (reply with a `report`), and leaves on `exit`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WindowProfiler } from './probe.js';

export type ToChild = { cmd: 'begin' } | { cmd: 'end' } | { cmd: 'exit' } | { cmd: 'setup'; data: unknown };
export type FromChild = { type: 'ready' | 'report'; data: unknown };

/**
 * In a child: handle the parent's commands. With `BENCH_SERVER_PROFILE` set, the measured window
 * is CPU-profiled into that directory as `$BENCH_CHILD_NAME.cpuprofile`.
 */
export function serveParent(handlers: {
  setup?: (data: unknown) => Promise<unknown> | unknown;
  begin: () => void;
  end: () => unknown;
  exit: () => Promise<void> | void;
}): void {
  const profiler = new WindowProfiler(
    process.env.BENCH_SERVER_PROFILE,
    process.env.BENCH_CHILD_NAME ?? 'child',
  );
  process.on('message', async (m: ToChild) => {
    if (m.cmd === 'setup') process.send!({ type: 'ready', data: await handlers.setup?.(m.data) });
    else if (m.cmd === 'begin') {
      await profiler.begin();
      handlers.begin();
    } else if (m.cmd === 'end') {
      const report = handlers.end();
      await profiler.end();
      process.send!({ type: 'report', data: report });
    } else if (m.cmd === 'exit') {
      await handlers.exit();
      process.disconnect();
      process.exit(0);
    }
  });
}

/** In the parent: one child process running a TypeScript file under tsx. */
export class Child {
  readonly process: ChildProcess;
  private waiting: ((m: FromChild) => void)[] = [];
  private exited: Promise<number | null>;

  constructor(file: URL, env: Record<string, string>, nodeArgs: string[] = []) {
    this.process = fork(fileURLToPath(file), [], {
      execArgv: [...nodeArgs, '--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (m: FromChild) => {
      this.waiting.shift()?.(m);
    });
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  private next(): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      void this.exited.then((code) => reject(new Error(`bench child exited (${code})`)));
    });
  }

  async setup<T>(data: unknown): Promise<T> {
    const reply = this.next();
    this.process.send({ cmd: 'setup', data } satisfies ToChild);
    return (await reply).data as T;
  }

  begin(): void {
    this.process.send({ cmd: 'begin' } satisfies ToChild);
  }

  async end<T>(): Promise<T> {
    const reply = this.next();
    this.process.send({ cmd: 'end' } satisfies ToChild);
    return (await reply).data as T;
  }

  /** Asks the child to leave; kills it if it has not within 5 s. */
  async exit(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.send({ cmd: 'exit' } satisfies ToChild);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
