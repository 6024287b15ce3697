import type { Database } from '../../src/db/client.js';
import { until } from './ws.js';

/**
 * Waits until every change made so far is final in the chat log. Entries become readable once
 * no older transaction is running — on a database other tests share, a moment after commit.
 */
export async function settled(db: Database): Promise<void> {
  // A transaction id newer than every change made so far: once the mark passes it, they are final.
  const [row] = await db.sql<{ xid: string }[]>`select pg_current_xact_id()::text as xid`;
  await until(
    async () => {
      const [mark] = await db.sql<{ hw: string }[]>`select pg_snapshot_xmin(pg_current_snapshot())::text as hw`;
      return BigInt(mark!.hw) > BigInt(row!.xid);
    },
    15_000,
    'the chat log to settle',
  );
}

/**
 * Opens a transaction that takes a transaction id, as another client of the database might: the
 * log's mark stays behind it, and no later change is handed out, until the returned release.
 */
export async function holdTheMark(db: Database): Promise<() => Promise<void>> {
  const tx = await db.sql.reserve();
  await tx`begin`;
  await tx`select pg_current_xact_id()`;
  return async () => {
    await tx`commit`;
    tx.release();
  };
}
