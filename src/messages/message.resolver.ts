import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Chat } from '../chats/chat.types.js';
import { toConnection, type Connection } from '../common/pagination.js';
import { asksFor } from '../common/selection.js';
import { requireViewer, type Context } from '../context.js';
import type { ChatView, MessageView, ReceiptView } from '../chatlog/views.js';
import type { MessageEditRow, MessageRow, UserRow } from '../db/schema.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import type { TypingPayload } from '../realtime/hub.js';
import { Message, MessageConnection, MessageEdit, ReadReceipt, SendMessageInput, TypingEvent } from './message.types.js';

@Resolver(() => Message)
export class MessageResolver {
  @Query(() => MessageConnection, {
    description: 'History oldest to newest; `last`/`before` page backwards. Without first/last: the newest 20.',
  })
  async messages(
    @Arg('chatId', () => ID) chatId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('last', () => Int, { nullable: true }) last: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<MessageRow>> {
    const page = await ctx.services.messages.list(requireViewer(ctx), chatId, { first, after, last, before });
    // Asked-for senders in one batch now, so that each row's `sender` is ready (src/common/ready-loader.ts).
    if (asksFor(info, ['edges', 'node', 'sender'])) await ctx.loaders.userById.loadMany(page.nodes.map((m) => m.senderId));
    return toConnection(page);
  }

  @Mutation(() => Message, { description: 'A repeated clientMessageId returns the first message instead of storing a second.' })
  sendMessage(@Arg('input', () => SendMessageInput) input: SendMessageInput, @Ctx() ctx: Context): Promise<MessageRow> {
    return ctx.services.messages.send(requireViewer(ctx), input);
  }

  @Mutation(() => Message, {
    description:
      'The sender only, never a SYSTEM message; the earlier text stays readable in `edits`. `mentionIds`, when given, is whom the new text mentions: only those not mentioned before are notified.',
  })
  editMessage(
    @Arg('id', () => ID) id: string,
    @Arg('content', () => String) content: string,
    @Arg('mentionIds', () => [ID], { nullable: true }) mentionIds: string[] | null,
    @Ctx() ctx: Context,
  ): Promise<MessageRow> {
    return ctx.services.messages.edit(requireViewer(ctx), id, content, mentionIds);
  }

  @Mutation(() => Message, {
    description: "The sender, or a group's owner. Leaves a tombstone (`deletedAt` set, `content` null); the text and earlier versions are purged. Deleting again returns the same tombstone.",
  })
  deleteMessage(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<MessageRow> {
    return ctx.services.messages.delete(requireViewer(ctx), id);
  }

  @Mutation(() => ReadReceipt, { description: 'Up to the newest message when messageId is omitted; never moves backwards.' })
  markChatRead(
    @Arg('chatId', () => ID) chatId: string,
    @Arg('messageId', () => ID, { nullable: true }) messageId: string | null,
    @Ctx() ctx: Context,
  ): Promise<ReceiptView> {
    return ctx.services.messages.markRead(requireViewer(ctx), chatId, messageId);
  }

  @Mutation(() => Boolean, { description: 'Not stored; a typing state not refreshed ends by itself after a few seconds.' })
  setTyping(@Arg('chatId', () => ID) chatId: string, @Arg('isTyping', () => Boolean) isTyping: boolean, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.typing.set(requireViewer(ctx), chatId, isTyping);
  }

  @Subscription(() => Message, {
    description: 'New messages of one chat, or of every chat of the viewer. With `after`, first replays the stored messages newer than it.',
    subscribe: ({ args, context }) => (context as Context).services.subscriptions.messageAdded(requireViewer(context as Context), args.chatId, args.after),
  })
  messageAdded(
    @Root() message: MessageView,
    @Arg('chatId', () => ID, { nullable: true }) _chatId: string | null,
    @Arg('after', () => ID, { nullable: true }) _after: string | null,
  ): MessageView {
    return message;
  }

  @Subscription(() => ReadReceipt, {
    subscribe: ({ args, context }) => (context as Context).services.subscriptions.messageRead(requireViewer(context as Context), args.chatId),
  })
  messageRead(@Root() receipt: ReceiptView, @Arg('chatId', () => ID, { nullable: true }) _chatId: string | null): ReceiptView {
    return receipt;
  }

  @Subscription(() => TypingEvent, {
    description: "Never the viewer's own.",
    subscribe: ({ args, context }) => (context as Context).services.subscriptions.typing(requireViewer(context as Context), args.chatId),
  })
  typing(@Root() event: TypingPayload, @Arg('chatId', () => ID, { nullable: true }) _chatId: string | null): TypingPayload {
    return event;
  }

  @FieldResolver(() => User)
  sender(@Root() message: MessageRow, @Ctx() ctx: Context): UserRow | Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, message.senderId);
  }

  @FieldResolver(() => Chat)
  async chat(@Root() message: MessageView, @Ctx() ctx: Context): Promise<ChatView> {
    return message.chatAsOf ?? (await ctx.loaders.chatById.load(message.chatId))!;
  }

  @FieldResolver(() => [MessageEdit], { description: 'Earlier versions, oldest first; empty once deleted.' })
  async edits(@Root() message: MessageView, @Ctx() ctx: Context): Promise<MessageEditRow[]> {
    if (message.editedAt === null || message.deletedAt !== null) return [];
    const edits = await ctx.loaders.editsByMessage.load(message.id);
    const asOf = message.asOf;
    return asOf ? edits.filter((e) => e.logId <= asOf.logId) : edits;
  }

  @FieldResolver(() => String, { nullable: true })
  clientMessageId(@Root() message: MessageRow, @Ctx() ctx: Context): string | null {
    return message.senderId === ctx.viewerId ? message.clientMessageId : null;
  }
}

@Resolver(() => ReadReceipt)
export class ReadReceiptResolver {
  @FieldResolver(() => User)
  user(@Root() receipt: ReceiptView, @Ctx() ctx: Context): UserRow | Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, receipt.userId);
  }

  @FieldResolver(() => Chat)
  async chat(@Root() receipt: ReceiptView, @Ctx() ctx: Context): Promise<ChatView> {
    return receipt.chat ?? (await ctx.loaders.chatById.load(receipt.chatId))!;
  }
}

@Resolver(() => TypingEvent)
export class TypingEventResolver {
  @FieldResolver(() => User)
  user(@Root() event: TypingPayload, @Ctx() ctx: Context): UserRow | Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, event.userId);
  }
}
