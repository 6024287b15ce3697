import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { requireViewer, type Context } from '../context.js';
import type { UserRow } from '../db/schema.js';
import type { PresenceEventPayload } from '../realtime/presence-fanout.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import type { PresenceState } from './presence.model.js';
import { Presence, PresenceEvent } from './presence.types.js';

@Resolver(() => User)
export class UserPresenceResolver {
  @FieldResolver(() => Presence, {
    nullable: true,
    description: "Null where the user's `lastSeen` setting hides it from the viewer, and across a block. Always visible to the user themself.",
  })
  presence(@Root() user: UserRow, @Ctx() ctx: Context): Promise<PresenceState | null> {
    return ctx.loaders.presenceOf.load(user.id);
  }
}

@Resolver(() => PresenceEvent)
export class PresenceResolver {
  @Mutation(() => Presence, { description: 'AWAY while connected, until `setAway(false)` or until you go offline.' })
  setAway(@Arg('away', () => Boolean) away: boolean, @Ctx() ctx: Context): Promise<PresenceState> {
    return ctx.services.presence.setAway(requireViewer(ctx), away);
  }

  @Subscription(() => PresenceEvent, {
    description: "Presence changes of the viewer's accepted contacts and chat co-members that the viewer may see; at most one per user every few seconds (the newest).",
    subscribe: ({ context }) => (context as Context).services.presenceFeed.subscribe(requireViewer(context as Context)),
  })
  presenceChanged(@Root() event: PresenceEventPayload): PresenceEventPayload {
    return event;
  }

  @FieldResolver(() => User)
  user(@Root() event: PresenceEventPayload, @Ctx() ctx: Context): UserRow | Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, event.userId);
  }
}
