import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Chat } from '../chats/chat.types.js';
import { toConnection, type Connection } from '../common/pagination.js';
import { requireViewer, type Context } from '../context.js';
import type { ChatRow, MessageRow, UserRow } from '../db/schema.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import type { TypingPayload } from '../realtime/hub.js';
import { Message, MessageConnection, ReadReceipt, SendMessageInput, TypingEvent } from './message.types.js';
import type { ReadReceiptData } from './messages.service.js';

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
  ): Promise<Connection<MessageRow>> {
    return toConnection(await ctx.services.messages.list(requireViewer(ctx), chatId, { first, after, last, before }));
  }

  @Mutation(() => Message, { description: 'A repeated clientMessageId returns the first message instead of storing a second.' })
  sendMessage(@Arg('input', () => SendMessageInput) input: SendMessageInput, @Ctx() ctx: Context): Promise<MessageRow> {
    return ctx.services.messages.send(requireViewer(ctx), input);
  }

  @Mutation(() => ReadReceipt, { description: 'Up to the newest message when messageId is omitted; never moves backwards.' })
  markChatRead(
    @Arg('chatId', () => ID) chatId: string,
    @Arg('messageId', () => ID, { nullable: true }) messageId: string | null,
    @Ctx() ctx: Context,
  ): Promise<ReadReceiptData> {
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
    @Root() message: MessageRow,
    @Arg('chatId', () => ID, { nullable: true }) _chatId: string | null,
    @Arg('after', () => ID, { nullable: true }) _after: string | null,
    @Ctx() ctx: Context,
  ): MessageRow {
    ctx.renewLoaders(message);
    return message;
  }

  @Subscription(() => ReadReceipt, {
    subscribe: ({ args, context }) => (context as Context).services.subscriptions.messageRead(requireViewer(context as Context), args.chatId),
  })
  messageRead(@Root() receipt: ReadReceiptData, @Arg('chatId', () => ID, { nullable: true }) _chatId: string | null, @Ctx() ctx: Context): ReadReceiptData {
    ctx.renewLoaders(receipt);
    return receipt;
  }

  @Subscription(() => TypingEvent, {
    description: "Never the viewer's own.",
    subscribe: ({ args, context }) => (context as Context).services.subscriptions.typing(requireViewer(context as Context), args.chatId),
  })
  typing(@Root() event: TypingPayload, @Arg('chatId', () => ID, { nullable: true }) _chatId: string | null, @Ctx() ctx: Context): TypingPayload {
    ctx.renewLoaders(event);
    return event;
  }

  @FieldResolver(() => User)
  async sender(@Root() message: MessageRow, @Ctx() ctx: Context): Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, message.senderId);
  }

  @FieldResolver(() => Chat)
  async chat(@Root() message: MessageRow, @Ctx() ctx: Context): Promise<ChatRow> {
    return (await ctx.loaders.chatById.load(message.chatId))!;
  }

  @FieldResolver(() => String, { nullable: true })
  clientMessageId(@Root() message: MessageRow, @Ctx() ctx: Context): string | null {
    return message.senderId === ctx.viewerId ? message.clientMessageId : null;
  }
}

@Resolver(() => ReadReceipt)
export class ReadReceiptResolver {
  @FieldResolver(() => User)
  async user(@Root() receipt: ReadReceiptData, @Ctx() ctx: Context): Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, receipt.userId);
  }
}

@Resolver(() => TypingEvent)
export class TypingEventResolver {
  @FieldResolver(() => User)
  async user(@Root() event: TypingPayload, @Ctx() ctx: Context): Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, event.userId);
  }
}
