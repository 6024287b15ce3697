import { z } from 'zod';
import { isAcceptedDeclaration } from './file-types.js';

export const MAX_ATTACHMENTS = 10;

export const createUploadRules = (maxBytes: number) =>
  z.object({
    filename: z.string().trim().min(1, 'filename must not be empty').max(255, 'filename must be at most 255 characters'),
    contentType: z
      .string()
      .trim()
      .max(255, 'contentType must be at most 255 characters')
      .refine(isAcceptedDeclaration, 'contentType is not an accepted type (images, PDF, office documents, audio, video, plain text, zip)'),
    size: z
      .number()
      .int()
      .min(1, 'size must be at least 1 byte')
      .max(maxBytes, `size must be at most ${maxBytes} bytes`),
  });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const attachmentIdsRules = z
  .array(z.string().regex(UUID, 'attachmentIds must be ids of uploads'))
  .max(MAX_ATTACHMENTS, `attachmentIds may hold at most ${MAX_ATTACHMENTS} uploads`)
  .refine((ids) => new Set(ids.map((id) => id.toLowerCase())).size === ids.length, 'attachmentIds must not repeat an upload')
  .transform((ids) => ids.map((id) => id.toLowerCase()));
