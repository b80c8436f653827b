/**
 * Isolated databases for matchmaking tests: a PostgreSQL schema with a random name per test
 * file (dropped afterwards) and one PGlite instance per test file.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate, pgliteClient, pgPoolClient, type SqlClient } from '../../../src/matchmaking/index.js';
import { postgresUrl } from '../../support/services.js';

/** A migrated database behind a {@link SqlClient}. */
export interface TestDatabase {
  readonly kind: 'pglite' | 'postgres';
  readonly client: SqlClient;
  /** For PostgreSQL: the pool (search_path set to the schema). */
  readonly pool?: pg.Pool;
  /** For PostgreSQL: the schema name. */
  readonly schema?: string;
  /** Empties the tables. */
  truncate(): Promise<void>;
  close(): Promise<void>;
}

/** Creates a fresh schema `<prefix>_<random>` and a migrated pool on it. */
export async function createPostgresDatabase(prefix: string, max = 10): Promise<TestDatabase> {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: postgresUrl, max, options: `-c search_path=${schema}` });
  const client = pgPoolClient(pool);
  await migrate(client);
  return {
    kind: 'postgres',
    client,
    pool,
    schema,
    truncate: () => client.query('TRUNCATE match_queue, players, matches').then(() => undefined),
    async close() {
      await pool.end();
      const drop = new pg.Client({ connectionString: postgresUrl });
      await drop.connect();
      await drop.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await drop.end();
    },
  };
}

/** Starts a PGlite instance (in memory) and migrates it. */
export async function createPgliteDatabase(): Promise<TestDatabase> {
  const db = await PGlite.create();
  const client = pgliteClient(db);
  await migrate(client);
  return {
    kind: 'pglite',
    client,
    truncate: () => client.query('TRUNCATE match_queue, players, matches').then(() => undefined),
    close: () => db.close(),
  };
}
