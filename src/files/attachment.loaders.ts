import DataLoader from 'dataloader';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { uploads, type UploadRow } from '../db/schema.js';

export function createAttachmentLoaders(db: Db) {
  return {
    /** A message's files, in the order they were sent. */
    attachmentsByMessage: new DataLoader<number, UploadRow[]>(async (ids) => {
      const rows = await db
        .select()
        .from(uploads)
        .where(and(inArray(uploads.messageId, [...ids]), eq(uploads.status, 'READY')))
        .orderBy(asc(uploads.messageId), asc(uploads.position));
      return ids.map((id) => rows.filter((r) => r.messageId === id));
    }),
  };
}
