import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { requireViewer, type Context } from '../context.js';
import type { MessageView } from '../chatlog/views.js';
import { Message } from '../messages/message.types.js';
import type { AttachmentView } from './file-access.js';
import { Attachment, CreateUploadInput, Upload } from './file.types.js';
import type { Variant } from './links.js';
import type { UploadTicket } from './uploads.service.js';

@Resolver(() => Upload)
export class UploadResolver {
  @Mutation(() => Upload, {
    description: 'Step one of sending a file: PUT the bytes to `uploadUrl`, then name the upload in `sendMessage(input: { attachmentIds })`.',
  })
  createUpload(@Arg('input', () => CreateUploadInput) input: CreateUploadInput, @Ctx() ctx: Context): Promise<UploadTicket> {
    return ctx.services.files.uploads.create(requireViewer(ctx), input);
  }
}

@Resolver(() => Message)
export class MessageAttachmentsResolver {
  @FieldResolver(() => [Attachment], { description: 'In the order they were sent; empty once the message is deleted (its files are deleted from storage).' })
  async attachments(@Root() message: MessageView, @Ctx() ctx: Context): Promise<AttachmentView[]> {
    if (message.deletedAt !== null || message.messageType === 'TEXT' || message.messageType === 'SYSTEM') return [];
    const rows = await ctx.loaders.attachmentsByMessage.load(message.id);
    return rows.map((upload) => ({ ...upload, chatId: message.chatId }));
  }
}

@Resolver(() => Attachment)
export class AttachmentResolver {
  @FieldResolver(() => String, { nullable: true })
  url(@Root() a: AttachmentView, @Ctx() ctx: Context): Promise<string | null> {
    return linkFor(a, 'file', ctx);
  }

  @FieldResolver(() => String, { nullable: true })
  thumbnailUrl(@Root() a: AttachmentView, @Ctx() ctx: Context): Promise<string | null> {
    return linkFor(a, 'thumbnail', ctx);
  }
}

/** Links only for the chat's current members (an event may reach someone who has left since). */
async function linkFor(a: AttachmentView, variant: Variant, ctx: Context): Promise<string | null> {
  const viewerId = ctx.viewerId;
  if (viewerId === null) return null;
  const participants = await ctx.loaders.participantsByChat.load(a.chatId);
  if (!participants.some((p) => p.userId === viewerId)) return null;
  return ctx.services.files.access.link(a, variant, viewerId);
}
