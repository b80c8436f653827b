import { InvalidOptionError, type Logger, silentLogger, systemTimers, type Timers } from '../core/index.js';
import { StoreUnavailableError } from './errors.js';

/** What a SQL statement returned. */
export interface SqlResult<R> {
  /** The result rows (empty for statements without `RETURNING`). */
  readonly rows: R[];
}

/** Runs one SQL statement with `$1`-style parameters. */
export interface SqlExecutor {
  /**
   * @param text - the SQL text.
   * @param params - values for `$1`, `$2`, ...; JS arrays become PostgreSQL arrays.
   * @returns the result rows.
   */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/**
 * The small SQL seam the matchmaking store runs on, so the same code drives a `pg.Pool` and an
 * embedded PGlite. Build one with {@link pgPoolClient} or {@link pgliteClient}.
 */
export interface SqlClient extends SqlExecutor {
  /**
   * Runs `fn` inside `BEGIN` ... `COMMIT` on one connection (READ COMMITTED); rolls back and
   * rethrows when `fn` or the commit throws.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** What `pg` answers a query with (the part {@link pgPoolClient} reads). */
export interface PgQueryResult {
  /** The result rows. */
  rows: unknown[];
}

/**
 * The part of a `pg` connection {@link pgPoolClient} uses: `pg`'s `PoolClient` fits. Declared
 * here, not imported from `pg`, so this package's type declarations never pull `pg`'s (or its
 * dependencies') into your compilation, and `pg` stays an optional peer you bring.
 */
export interface PgPoolConnection {
  /** `PoolClient.query`. */
  query(text: string, params?: unknown[]): Promise<PgQueryResult>;
  /** `PoolClient.on('error')`. */
  on(event: 'error', listener: (err: Error) => void): unknown;
  /** `PoolClient.off('error')`. */
  off(event: 'error', listener: (err: Error) => void): unknown;
  /** `PoolClient.release`: a truthy error destroys the connection instead of pooling it. */
  release(err?: Error | boolean): void;
}

/** The part of a `pg.Pool` {@link pgPoolClient} uses (`pg.Pool` fits; see {@link PgPoolConnection}). */
export interface PgPoolLike {
  /** `Pool.query`. */
  query(text: string, params?: unknown[]): Promise<PgQueryResult>;
  /** `Pool.connect`. */
  connect(): Promise<PgPoolConnection>;
  /** `Pool.on('error')`: idle connections that fail. */
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Pools that already have our idle-connection `error` listener. */
const watchedPools = new WeakSet<PgPoolLike>();

/** Options of {@link pgPoolClient}. */
export interface PgPoolClientOptions {
  /**
   * The longest a statement or a wait for a pooled connection may take, in milliseconds (default
   * 3000). Each connection gets `SET statement_timeout` to this once, so PostgreSQL cancels a
   * statement that runs or waits on locks longer (its connection stays usable); and every
   * statement, `BEGIN`, `COMMIT` and pool acquire also has a client-side deadline 500 ms later,
   * which catches a database or network that stopped answering altogether: the connection is
   * then destroyed and the call fails with {@link StoreUnavailableError} (so a match server
   * answers 503 instead of hanging).
   */
  readonly timeoutMs?: number;
  /**
   * PostgreSQL ends a session that sat this long inside a transaction without sending anything
   * (`idle_in_transaction_session_timeout`), in milliseconds (default 10 000): a client that froze
   * or lost its network mid-round does not hold its locks (the round's advisory lock, players'
   * rows) for long. Keep it above the match server's `storeTimeoutMs`, the time a round may spend
   * on the allocator and the room store inside its transaction.
   */
  readonly idleInTransactionMs?: number;
  /** Timer functions of the client-side deadlines (default the global ones). */
  readonly timers?: Timers;
}

/** How much later than `statement_timeout` the client gives up on a statement. */
const CLIENT_GRACE_MS = 500;

/** Connections that already have their session timeouts, with the statement that set them. */
const configured = new WeakMap<PgPoolConnection, string>();

/** Cuts a connection's socket, so its pending query fails at once (pg has no public way). */
function destroySocket(conn: PgPoolConnection): void {
  (conn as unknown as { connection?: { stream?: { destroy?(): void } } }).connection?.stream?.destroy?.();
}

/**
 * Wraps a ready `pg.Pool` (yours: connection settings, pool size and `search_path` stay in your
 * hands). Adds one `error` listener to the pool (once per pool, however often it is wrapped; the
 * first call's logger is used) so a dropped idle connection is logged instead of crashing the
 * process; a connection that failed inside a transaction, or missed a deadline, is discarded.
 * Every statement and pool acquire is bounded by {@link PgPoolClientOptions.timeoutMs}.
 *
 * @param pool - a `pg.Pool`.
 * @param logger - where idle-connection errors are reported (default silent).
 * @param options - see {@link PgPoolClientOptions}.
 */
export function pgPoolClient(
  pool: PgPoolLike,
  logger: Logger = silentLogger,
  options: PgPoolClientOptions = {},
): SqlClient {
  const timeoutMs = options.timeoutMs ?? 3000;
  const idleMs = options.idleInTransactionMs ?? 10_000;
  for (const [name, value] of [
    ['timeoutMs', timeoutMs],
    ['idleInTransactionMs', idleMs],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0)
      throw new InvalidOptionError(name, `must be a positive integer, got ${value}`);
  }
  const session = `SET statement_timeout = ${timeoutMs}; SET idle_in_transaction_session_timeout = ${idleMs}`;
  const timers = options.timers ?? systemTimers;
  const deadlineMs = timeoutMs + CLIENT_GRACE_MS;
  if (!watchedPools.has(pool)) {
    watchedPools.add(pool);
    pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL connection failed'));
  }
  const late = (what: string) =>
    new StoreUnavailableError('postgres', new Error(`${what} within ${deadlineMs} ms`));

  /** A pooled connection within the deadline; one that arrives later goes back to the pool. */
  const acquire = (): Promise<PgPoolConnection> =>
    new Promise((resolve, reject) => {
      let expired = false;
      const timer = timers.setTimeout(() => {
        expired = true;
        reject(late('no connection'));
      }, deadlineMs);
      pool.connect().then(
        (conn) => {
          timers.clearTimeout(timer);
          if (expired) conn.release();
          else resolve(conn);
        },
        (err: unknown) => {
          timers.clearTimeout(timer);
          reject(err);
        },
      );
    });

  /** One statement on `conn` within the deadline; past it, the connection is destroyed. */
  const timed = (
    conn: PgPoolConnection,
    text: string,
    params: readonly unknown[] | undefined,
    onLate: (e: Error) => void,
  ) =>
    new Promise<PgQueryResult>((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        const error = late('no answer');
        onLate(error);
        destroySocket(conn);
        reject(error);
      }, deadlineMs);
      conn.query(text, params as unknown[] | undefined).then(
        (result) => {
          timers.clearTimeout(timer);
          resolve(result);
        },
        (err: unknown) => {
          timers.clearTimeout(timer);
          reject(err);
        },
      );
    });

  /** Runs `fn` on a connection that has its statement_timeout; releases it, discarding it if broken. */
  const withConnection = async <T>(
    fn: (run: SqlExecutor['query'], markBroken: (e: Error) => void) => Promise<T>,
  ) => {
    const conn = await acquire();
    let broken: Error | undefined;
    // A connection cut mid-use also emits 'error'; the failing query reports it.
    const onError = (err: Error) => {
      broken = err;
    };
    conn.on('error', onError);
    const markBroken = (err: Error) => {
      broken ??= err;
    };
    const run = async <R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> => {
      if (broken !== undefined) throw new StoreUnavailableError('postgres', broken);
      const result = await timed(conn, text, params, markBroken);
      return { rows: result.rows as R[] };
    };
    try {
      if (configured.get(conn) !== session) {
        await run(session);
        configured.set(conn, session);
      }
      return await fn(run, markBroken);
    } finally {
      conn.off('error', onError);
      conn.release(broken);
    }
  };

  return {
    query<R>(text: string, params?: readonly unknown[]) {
      return withConnection((run) => run<R>(text, params));
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return withConnection(async (run, markBroken) => {
        await run('BEGIN');
        try {
          const value = await fn({ query: run });
          await run('COMMIT');
          return value;
        } catch (err) {
          try {
            await run('ROLLBACK');
          } catch (rollbackError) {
            markBroken(rollbackError as Error);
          }
          throw err;
        }
      });
    },
  };
}

/** The part of a PGlite instance {@link pgliteClient} uses (PGlite and PGliteWorker fit). */
export interface PGliteLike {
  /** PGlite's `query`. */
  query<T>(query: string, params?: unknown[]): Promise<SqlResult<T>>;
  /** PGlite's `transaction`. */
  transaction<T>(
    callback: (tx: { query<R>(q: string, p?: unknown[]): Promise<SqlResult<R>> }) => Promise<T>,
  ): Promise<T>;
}

/**
 * Wraps a ready PGlite instance (the embedded default). PGlite has one connection, so its
 * transactions run one after another.
 *
 * @param db - a started `PGlite`.
 */
export function pgliteClient(db: PGliteLike): SqlClient {
  return {
    async query<R>(text: string, params?: readonly unknown[]) {
      const result = await db.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows };
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        fn({
          async query<R>(text: string, params?: readonly unknown[]) {
            const result = await tx.query<R>(text, params as unknown[] | undefined);
            return { rows: result.rows };
          },
        }),
      );
    },
  };
}
