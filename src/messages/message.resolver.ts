import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Chat } from '../chats/chat.types.js';
import { toConnection, type Connection } from '../common/pagination.js';
import { requireViewer, type Context } from '../context.js';
import type { ChatRow, MessageRow, UserRow } from '../db/schema.js';
import { User } from '../users/user.type.js';
import { Message, MessageConnection, ReadReceipt, SendMessageInput } from './message.types.js';
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

  @FieldResolver(() => User)
  async sender(@Root() message: MessageRow, @Ctx() ctx: Context): Promise<UserRow> {
    return (await ctx.loaders.userById.load(message.senderId))!;
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
    return (await ctx.loaders.userById.load(receipt.userId))!;
  }
}
