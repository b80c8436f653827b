import type { SqlClient } from './sql-client.js';

/** Advisory lock key that serialises concurrent `migrate` calls from several processes. */
const MIGRATE_LOCK = 7_400_412;

const statements = [
  `CREATE TABLE IF NOT EXISTS players (
     id VARCHAR(32) PRIMARY KEY,
     rating INT NOT NULL,
     created_at TIMESTAMP NOT NULL DEFAULT NOW()
   )`,
  `CREATE TABLE IF NOT EXISTS match_queue (
     player_id VARCHAR(32) PRIMARY KEY REFERENCES players(id),
     rating INT NOT NULL,
     queued_at TIMESTAMP NOT NULL DEFAULT NOW()
   )`,
  `CREATE TABLE IF NOT EXISTS matches (
     id VARCHAR(32) PRIMARY KEY,
     player1_id VARCHAR(32) NOT NULL,
     player2_id VARCHAR(32) NOT NULL,
     room_id VARCHAR(32) NOT NULL,
     game_server VARCHAR(128) NOT NULL,
     started_at TIMESTAMP NOT NULL DEFAULT NOW()
   )`,
  // Added columns: the player's unfinished match (the per-player lock point), the queue entry's
  // region and why it still waits, and a match's region, end time and result.
  'ALTER TABLE players ADD COLUMN IF NOT EXISTS current_match_id VARCHAR(32)',
  'ALTER TABLE match_queue ADD COLUMN IF NOT EXISTS region VARCHAR(32)',
  'ALTER TABLE match_queue ADD COLUMN IF NOT EXISTS wait_reason VARCHAR(32)',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS region VARCHAR(32)',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS finished_at TIMESTAMP',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS result VARCHAR(64)',
  // A reported result (MatchResults.record): winner, score, ticks, ending and both rating changes.
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS winner_id VARCHAR(32)',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS score1 INT',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS score2 INT',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS ticks INT',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS ending VARCHAR(16)',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS rating_change1 INT',
  'ALTER TABLE matches ADD COLUMN IF NOT EXISTS rating_change2 INT',
  'CREATE INDEX IF NOT EXISTS matches_player1_finished_idx ON matches (player1_id, finished_at)',
  'CREATE INDEX IF NOT EXISTS matches_player2_finished_idx ON matches (player2_id, finished_at)',
  'CREATE INDEX IF NOT EXISTS match_queue_order_idx ON match_queue (queued_at, player_id)',
  // Bumped after every committed round with matches and every cancel, so servers re-check their
  // waiting requests only when another server changed something (a sequence, not a table).
  'CREATE SEQUENCE IF NOT EXISTS match_events',
  // Bumped after every enqueue that added a player: with match_events, it tells a matcher whether
  // the queue changed since its last round that found no pair.
  'CREATE SEQUENCE IF NOT EXISTS queue_changes',
];

/**
 * Creates the matchmaking tables (`players`, `match_queue`, `matches`), their added columns
 * and index, and the `match_events` and `queue_changes` sequences. Idempotent and safe to call from several processes at once (an advisory lock
 * serialises them); call it at start-up.
 *
 * @param client - the database, e.g. `pgPoolClient(pool)` or `pgliteClient(db)`.
 */
export async function migrate(client: SqlClient): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    for (const sql of statements) await tx.query(sql);
  });
}
