import type { InMemoryCache } from '@apollo/client';
import { describe, expect, it } from 'vitest';
import { ChatFieldsFragmentDoc, MessageReactionsFragmentDoc, type ChatFieldsFragment, type MessageReactionsFragment } from '../examples/web/src/gql/graphql.js';

// The app's modules import one another without extensions, as its bundler resolves them; this
// project's type-check (node16) does not, so the module is loaded by a path it does not follow.
// The web app is type-checked on its own (examples.test.ts).
const cacheModule = '../examples/web/src/apollo/cache.ts';
const { createCache } = (await import(cacheModule)) as { createCache: () => InMemoryCache };
const updatesModule = '../examples/web/src/apollo/cache-updates.ts';
const { applyOwnReaction } = (await import(updatesModule)) as { applyOwnReaction: (cache: InMemoryCache, messageId: string, emoji: string, add: boolean) => void };

/**
 * The web app's cache policies, on Apollo's own InMemoryCache: what a write of a chat does to
 * what is cached. (The browser tests drive the same policies through the app.)
 */
const user = (id: string, firstname: string) => ({ __typename: 'User' as const, id, firstname, lastname: 'Doe', profilePicture: null });

function chat(markers: Record<string, string | null>): ChatFieldsFragment & { __typename: 'Chat' } {
  return {
    __typename: 'Chat',
    id: '7',
    name: null,
    isGroup: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastActivityAt: '2026-01-01T00:00:00.000Z',
    unreadCount: 0,
    unreadMentionCount: 0,
    myLastReadMessageId: null,
    lastMessage: null,
    participants: Object.entries(markers).map(([id, lastReadMessageId]) => ({
      __typename: 'ChatParticipant' as const,
      role: 'MEMBER' as const,
      lastReadMessageId,
      user: user(id, `User ${id}`),
    })),
  };
}

describe("the web app's cache", () => {
  it('replaces a chat\'s participants with each write, but never moves a read marker back', () => {
    const cache = createCache();
    const write = (markers: Record<string, string | null>) => cache.writeFragment({ fragment: ChatFieldsFragmentDoc, fragmentName: 'ChatFields', data: chat(markers) });
    const read = () =>
      Object.fromEntries(
        cache.readFragment<ChatFieldsFragment>({ id: 'Chat:7', fragment: ChatFieldsFragmentDoc, fragmentName: 'ChatFields' })!.participants.map((p) => [p.user.id, p.lastReadMessageId]),
      );

    write({ 1: '10', 2: '12', 3: null });
    // An answer read before the receipts that moved 1 and 2 forward, arriving after them.
    write({ 1: '9', 2: null, 3: '4' });
    expect(read()).toEqual({ 1: '10', 2: '12', 3: '4' });
    // Markers that move on are taken; ids compare as numbers, not as text.
    write({ 1: '100', 2: '12', 3: '4' });
    expect(read()).toEqual({ 1: '100', 2: '12', 3: '4' });
    // The list itself is the newest write's: someone who left is gone, a newcomer is there.
    write({ 1: '100', 4: null });
    expect(read()).toEqual({ 1: '100', 4: null });
  });

  it("applies the viewer's own reaction to the groups cached, once, however the answer and the entry are ordered", () => {
    const cache = createCache();
    const fragment = { id: 'Message:5', fragment: MessageReactionsFragmentDoc, fragmentName: 'MessageReactions' };
    type Groups = Record<string, [count: number, mine: boolean]>;
    const group = (emoji: string, [count, reactedByMe]: [number, boolean]) => ({ __typename: 'ReactionGroup' as const, emoji, count, reactedByMe });
    /** An entry: the whole list, as the log has it. */
    const entry = (groups: Groups) => {
      const message = { __typename: 'Message', reactions: Object.entries(groups).map(([e, g]) => group(e, g)) };
      cache.writeFragment({ ...fragment, data: message });
    };
    const read = (): Groups =>
      Object.fromEntries(
        cache.readFragment<MessageReactionsFragment>(fragment)!.reactions.map((g) => [g.emoji, [g.count, g.reactedByMe]]),
      );
    const own = (emoji: string, add: boolean) => applyOwnReaction(cache, '5', emoji, add);

    entry({ '👍': [2, false] });
    // The answer came first: counted on top of what the cache has.
    own('👍', true);
    own('🎉', true);
    expect(read()).toEqual({ '👍': [3, true], '🎉': [1, true] });
    // An entry came first and already counts it (with someone else's newer one): left as it is.
    entry({ '👍': [4, true], '🎉': [1, true] });
    own('👍', true);
    expect(read()).toEqual({ '👍': [4, true], '🎉': [1, true] });
    // Taking one back: the group goes with its last reaction; taking back what is not there changes nothing.
    own('🎉', false);
    own('👍', false);
    own('😮', false);
    expect(read()).toEqual({ '👍': [3, false] });
    own('👍', false);
    expect(read()).toEqual({ '👍': [3, false] });
  });
});
