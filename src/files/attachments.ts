import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { badInput } from '../common/errors.js';
import type { Tx } from '../db/client.js';
import { uploads } from '../db/schema.js';
import type { FileCleanup } from './file-cleanup.js';
import { attachmentIdsRules } from './upload.rules.js';
import type { UploadsService } from './uploads.service.js';

/** What sending and deleting a message need from files (src/messages stays unaware of storage). */
export interface MessageAttachments {
  /** Validates the ids and checks those of the viewer's uploads whose bytes are not checked yet. */
  prepare(viewerId: number, ids: readonly string[] | null | undefined): Promise<string[]>;
  /**
   * In the sending transaction, under the chat's lock: takes the uploads for the new message,
   * or fails with BAD_USER_INPUT (field `attachmentIds`) unless each is the sender's own,
   * checked, and not attached to any message yet.
   */
  take(tx: Tx, viewerId: number, ids: string[]): Promise<{ messageType: 'IMAGE' | 'FILE'; attachTo(messageId: number): Promise<void> }>;
  /** In the deleting transaction: detaches the message's files; their ids, to purge after commit. */
  detach(tx: Tx, messageId: number): Promise<string[]>;
  /** After commit: deletes detached files from storage (what fails is retried by the sweep). */
  purge(ids: string[]): Promise<void>;
}

export class Attachments implements MessageAttachments {
  constructor(
    private readonly uploadsService: UploadsService,
    private readonly cleanup: FileCleanup,
    private readonly log: Logger,
  ) {}

  async prepare(viewerId: number, given: readonly string[] | null | undefined): Promise<string[]> {
    const parsed = attachmentIdsRules.safeParse(given ?? []);
    if (!parsed.success) throw badInput('attachmentIds', parsed.error.issues[0]!.message);
    const ids = parsed.data;
    await this.uploadsService.checkArrived(viewerId, ids);
    return ids;
  }

  async take(tx: Tx, viewerId: number, ids: string[]) {
    // Row locks after the chat lock (never before it, see src/db/locks.ts): a concurrent send
    // of the same upload to another chat waits here, then finds it attached.
    const rows = await tx
      .select({ id: uploads.id, width: uploads.width })
      .from(uploads)
      .where(and(inArray(uploads.id, ids), eq(uploads.ownerId, viewerId), eq(uploads.status, 'READY'), isNull(uploads.attachedAt), isNull(uploads.purgingAt)))
      .for('update');
    if (rows.length !== ids.length) throw badInput('attachmentIds', 'attachmentIds must be your own uploads, received and not attached to a message yet');
    const messageType = rows.every((r) => r.width !== null) ? ('IMAGE' as const) : ('FILE' as const);
    return {
      messageType,
      async attachTo(messageId: number) {
        await tx
          .update(uploads)
          .set({ messageId, attachedAt: sql`now()`, position: sql`array_position(${sql.param(ids)}::uuid[], ${uploads.id})` })
          .where(inArray(uploads.id, ids));
      },
    };
  }

  async detach(tx: Tx, messageId: number): Promise<string[]> {
    const rows = await tx.update(uploads).set({ messageId: null, purgingAt: sql`now()` }).where(eq(uploads.messageId, messageId)).returning({ id: uploads.id });
    return rows.map((r) => r.id);
  }

  async purge(ids: string[]): Promise<void> {
    try {
      await this.cleanup.purge(ids);
    } catch (err) {
      this.log.warn({ err, uploads: ids.length }, 'deleting files from storage failed; the sweep retries');
    }
  }
}
