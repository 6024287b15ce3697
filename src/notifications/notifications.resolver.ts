import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Chat } from '../chats/chat.types.js';
import type { ChatView } from '../chatlog/views.js';
import { requireViewer, type Context } from '../context.js';
import type { ChatRow } from '../db/schema.js';
import { NotificationLevel, UnreadSummary } from './notification.types.js';
import { runningMute, type UnreadSummaryData } from './notifications.service.js';

@Resolver(() => Chat)
export class NotificationsResolver {
  @Mutation(() => Chat, {
    description: 'The viewer\'s settings for one chat: a standing level, and optionally a mute until a time (the chat counts as NONE until then). Omitting mutedUntil ends a mute.',
  })
  setChatNotifications(
    @Arg('chatId', () => ID) chatId: string,
    @Arg('level', () => NotificationLevel) level: NotificationLevel,
    @Arg('mutedUntil', () => Date, { nullable: true }) mutedUntil: Date | null,
    @Ctx() ctx: Context,
  ): Promise<ChatRow> {
    return ctx.services.notifications.set(requireViewer(ctx), chatId, level, mutedUntil);
  }

  @Query(() => UnreadSummary, { description: "Unread messages and mentions over the viewer's chats, leaving out muted ones: the app badge." })
  unreadSummary(@Ctx() ctx: Context): Promise<UnreadSummaryData> {
    return ctx.services.notifications.summary(requireViewer(ctx));
  }

  @FieldResolver(() => NotificationLevel, { description: "The viewer's standing level for this chat." })
  async notificationLevel(@Root() chat: ChatView, @Ctx() ctx: Context): Promise<NotificationLevel> {
    const me = await this.viewerParticipant(chat, ctx);
    return (me?.notificationLevel ?? 'ALL') as NotificationLevel;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'Until when the viewer muted this chat; null when no mute is running.' })
  async mutedUntil(@Root() chat: ChatView, @Ctx() ctx: Context): Promise<Date | null> {
    const me = await this.viewerParticipant(chat, ctx);
    return me ? runningMute(me) : null;
  }

  private async viewerParticipant(chat: ChatView, ctx: Context) {
    return (await ctx.loaders.participantsByChat.load(chat.id)).find((p) => p.userId === ctx.viewerId);
  }
}
