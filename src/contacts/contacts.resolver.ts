import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { requireViewer, type Context } from '../context.js';
import type { ContactRow, UserRow } from '../db/schema.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import type { EntryView } from '../chatlog/views.js';
import { Contact, ContactDirection, ContactEvent, ContactStatus } from './contact.type.js';
import { primeFromOwnEntries } from './contacts.loaders.js';
import { SEARCH_DEFAULT_FIRST, SEARCH_MAX_FIRST } from './contacts.service.js';

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => [User], {
    description: `Users whose first or last name starts with \`query\`, or whose email is exactly \`query\` (case-insensitive). Never the viewer. At most ${SEARCH_MAX_FIRST} results.`,
  })
  searchUsers(
    @Arg('query', () => String) query: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: SEARCH_DEFAULT_FIRST }) first: number | null,
    @Ctx() ctx: Context,
  ): Promise<UserRow[]> {
    return ctx.services.contacts.searchUsers(requireViewer(ctx), query, first);
  }

  @Query(() => [Contact], { description: "The viewer's own contact entries, optionally of one status." })
  async contacts(
    @Arg('status', () => ContactStatus, { nullable: true }) status: ContactStatus | null,
    @Ctx() ctx: Context,
  ): Promise<ContactRow[]> {
    const viewerId = requireViewer(ctx);
    const entries = await ctx.services.contacts.contacts(viewerId, status);
    primeFromOwnEntries(ctx.loaders, viewerId, entries);
    return entries;
  }

  @Query(() => [Contact], { description: "The viewer's pending invitations, newest first." })
  async invitations(
    @Arg('direction', () => ContactDirection, { nullable: true }) direction: ContactDirection | null,
    @Ctx() ctx: Context,
  ): Promise<ContactRow[]> {
    const viewerId = requireViewer(ctx);
    const entries = await ctx.services.contacts.invitations(viewerId, direction);
    primeFromOwnEntries(ctx.loaders, viewerId, entries);
    return entries;
  }

  @Mutation(() => Contact, {
    description: 'Invites a user, by id or by email (exactly one). Accepts their invitation when they already invited the viewer.',
  })
  sendInvitation(
    @Arg('userId', () => ID, { nullable: true }) userId: string | null,
    @Arg('email', () => String, { nullable: true }) email: string | null,
    @Ctx() ctx: Context,
  ): Promise<ContactRow> {
    return ctx.services.contacts.sendInvitation(requireViewer(ctx), { userId, email });
  }

  @Mutation(() => Contact, { description: "`id` is the viewer's own incoming invitation entry." })
  acceptInvitation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ContactRow> {
    return ctx.services.contacts.acceptInvitation(requireViewer(ctx), id);
  }

  @Mutation(() => Contact, { description: "`id` is the viewer's own incoming invitation entry." })
  declineInvitation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ContactRow> {
    return ctx.services.contacts.declineInvitation(requireViewer(ctx), id);
  }

  @Mutation(() => Boolean, { description: "`id` is the viewer's own outgoing invitation entry." })
  cancelInvitation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.contacts.cancelInvitation(requireViewer(ctx), id);
  }

  @Mutation(() => Boolean, {
    description: 'Ends an accepted (or declined) relationship for both sides; false when there is none.',
  })
  removeContact(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.contacts.removeContact(requireViewer(ctx), userId);
  }

  @Mutation(() => Contact, { description: 'Also ends any contact or pending invitation with that user.' })
  blockUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<ContactRow> {
    return ctx.services.contacts.blockUser(requireViewer(ctx), userId);
  }

  @Mutation(() => Boolean, { description: 'False when the viewer had not blocked that user.' })
  unblockUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.contacts.unblockUser(requireViewer(ctx), userId);
  }

  @Subscription(() => ContactEvent, {
    description: "Changes the other person makes to the viewer's contact entries. With `after` (an event's `cursor`, or `updateCursor`), first replays those made since.",
    subscribe: ({ args, context }) => (context as Context).services.subscriptions.contactUpdated(requireViewer(context as Context), args.after),
  })
  contactUpdated(
    @Root() event: NonNullable<EntryView['contactEvent']>,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): NonNullable<EntryView['contactEvent']> {
    return event;
  }

  @FieldResolver(() => User)
  user(@Root() contact: ContactRow, @Ctx() ctx: Context): UserRow | Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, contact.contactId);
  }
}
