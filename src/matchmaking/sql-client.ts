import { type Logger, silentLogger } from '../core/index.js';

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

/**
 * The part of a `pg` connection {@link pgPoolClient} uses: `pg`'s `PoolClient` fits. Declared
 * here, not imported from `pg`, so this package's type declarations never pull `pg`'s (or its
 * dependencies') into your compilation, and `pg` stays an optional peer you bring.
 */
export interface PgPoolConnection {
  /** `PoolClient.query`. */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
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
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /** `Pool.connect`. */
  connect(): Promise<PgPoolConnection>;
  /** `Pool.on('error')`: idle connections that fail. */
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Pools that already have our idle-connection `error` listener. */
const watchedPools = new WeakSet<PgPoolLike>();

/**
 * Wraps a ready `pg.Pool` (yours: connection settings, pool size and `search_path` stay in your
 * hands). Adds one `error` listener to the pool (once per pool, however often it is wrapped; the
 * first call's logger is used) so a dropped idle connection is logged instead of crashing the
 * process; a connection that failed inside a transaction is discarded.
 *
 * @param pool - a `pg.Pool`.
 * @param logger - where idle-connection errors are reported (default silent).
 */
export function pgPoolClient(pool: PgPoolLike, logger: Logger = silentLogger): SqlClient {
  if (!watchedPools.has(pool)) {
    watchedPools.add(pool);
    pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL connection failed'));
  }
  return {
    async query<R>(text: string, params?: readonly unknown[]) {
      const result = await pool.query(text, params as unknown[] | undefined);
      return { rows: result.rows as R[] };
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const conn = await pool.connect();
      let broken: Error | undefined;
      // A connection cut mid-transaction also emits 'error'; the failing query reports it.
      const onError = (err: Error) => {
        broken = err;
      };
      conn.on('error', onError);
      try {
        await conn.query('BEGIN');
        const tx: SqlExecutor = {
          async query<R>(text: string, params?: readonly unknown[]) {
            const result = await conn.query(text, params as unknown[] | undefined);
            return { rows: result.rows as R[] };
          },
        };
        const value = await fn(tx);
        await conn.query('COMMIT');
        return value;
      } catch (err) {
        try {
          await conn.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        throw err;
      } finally {
        conn.off('error', onError);
        conn.release(broken);
      }
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
