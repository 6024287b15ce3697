import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { toConnection, type Connection } from '../common/pagination.js';
import { requireViewer, type Context } from '../context.js';
import { SEARCH_QUERY_MAX_LENGTH } from './search-query.js';
import { SEARCH_PAGE, type MessageSearchHit } from './search.service.js';
import { MessageSearchConnection } from './search.types.js';

@Resolver()
export class SearchResolver {
  @Query(() => MessageSearchConnection, {
    description: `Messages of the chats the viewer is in (or of \`chatId\`), best match first, then newest. Every word must match as a word or the start of one (\`caf\` finds "Café"), "quoted phrases" as written, accents and case aside; text in Chinese, Japanese, Thai and other scripts without spaces is found anywhere in a message. Deleted messages are never found; edited ones by their current text. \`query\`: 1 to ${SEARCH_QUERY_MAX_LENGTH} characters; \`first\`: 1 to ${SEARCH_PAGE.maxSize}.`,
  })
  async searchMessages(
    @Arg('query', () => String) query: string,
    @Arg('chatId', () => ID, { nullable: true }) chatId: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: SEARCH_PAGE.defaultSize }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<Connection<MessageSearchHit>> {
    return toConnection(await ctx.services.search.searchMessages(requireViewer(ctx), { query, chatId, first, after }));
  }
}
