import { z } from 'zod';

const content = z
  .string()
  .trim()
  .min(1, 'content must not be empty')
  .max(10_000, 'content must be at most 10,000 characters');

/** What a client may send: SYSTEM messages are the server's own. */
export const sendMessageRules = z.object({
  // Checked against the attachments in the service: only a message with files may omit it.
  content: z.string().trim().max(10_000, 'content must be at most 10,000 characters').nullish(),
  messageType: z.enum(['TEXT', 'IMAGE', 'FILE'], { message: 'messageType must be TEXT, IMAGE or FILE' }),
  clientMessageId: z
    .string()
    .trim()
    .min(1, 'clientMessageId must not be empty')
    .max(100, 'clientMessageId must be at most 100 characters')
    .nullish(),
});

export const editMessageRules = z.object({ content });

/** Text is required unless the message carries files. */
export const captionRules = z.object({ content });

export const MESSAGE_PAGE = { kind: 'msg', defaultSize: 20, maxSize: 100 } as const;
