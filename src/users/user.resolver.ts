import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { unauthenticated } from '../common/errors.js';
import { parseIntId } from '../common/ids.js';
import { requireViewer, type Context } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { privacyOf } from './privacy.js';
import { Privacy, PrivacyInput } from './privacy.types.js';
import { UpdateProfileInput } from './update-profile.input.js';
import { User } from './user.type.js';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { description: 'The signed-in user.' })
  async me(@Ctx() ctx: Context): Promise<UserRow> {
    const viewerId = requireViewer(ctx);
    const user = await ctx.loaders.userById.load(viewerId);
    if (!user) throw unauthenticated('Account no longer exists');
    return user;
  }

  @Query(() => User, { nullable: true, description: 'Null for an unknown user, and for one who blocked the viewer.' })
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<UserRow | null> {
    requireViewer(ctx);
    const userId = parseIntId(id, 'id');
    if (await ctx.loaders.hasBlockedViewer.load(userId)) return null;
    return ctx.loaders.userById.load(userId);
  }

  @Mutation(() => Privacy, { description: "Changes the viewer's privacy settings; omitted ones stay." })
  updatePrivacy(@Arg('input', () => PrivacyInput) input: PrivacyInput, @Ctx() ctx: Context) {
    return ctx.services.users.updatePrivacy(requireViewer(ctx), { ...input });
  }

  @FieldResolver(() => Privacy, { nullable: true, description: 'Your own privacy settings (`me.privacy`); null for anyone else.' })
  privacy(@Root() user: UserRow, @Ctx() ctx: Context) {
    return ctx.viewerId === user.id ? privacyOf(user) : null;
  }

  @Mutation(() => User)
  async updateProfile(
    @Arg('input', () => UpdateProfileInput) input: UpdateProfileInput,
    @Ctx() ctx: Context,
  ): Promise<UserRow> {
    return ctx.services.users.updateProfile(requireViewer(ctx), { ...input });
  }

  @FieldResolver(() => String, { nullable: true })
  async email(@Root() user: UserRow, @Ctx() ctx: Context): Promise<string | null> {
    return (await canSeePrivateFields(user, ctx)) ? user.email : null;
  }

  @FieldResolver(() => String, { nullable: true })
  async phone(@Root() user: UserRow, @Ctx() ctx: Context): Promise<string | null> {
    return (await canSeePrivateFields(user, ctx)) ? user.phone : null;
  }
}

/** The privacy rule: email and phone are for the user and their accepted contacts only. */
async function canSeePrivateFields(user: UserRow, ctx: Context): Promise<boolean> {
  if (ctx.viewerId === null) return false;
  if (ctx.viewerId === user.id) return true;
  return ctx.loaders.isAcceptedContact.load(user.id);
}
