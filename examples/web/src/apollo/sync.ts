import type { ApolloClient } from '@apollo/client';
import type { Client as WsClient } from 'graphql-ws';
import type { Subscription } from 'rxjs';
import { ContactsDocument, UpdateCursorDocument, UpdatesDocument, type UpdatesSubscription } from '../gql/graphql';
import { insertMessage, listChat, unlistChat } from './cache-updates';
import { clearTyping, stopTyping } from './typing';

type Entry = UpdatesSubscription['updates'];

/**
 * Keeps the cache in step with the chat log:
 * 1. `updateCursor` — where "now" is — before anything is loaded (the app renders its lists
 *    only after `start()` resolved);
 * 2. the lists load over HTTP;
 * 3. `updates(after: cursor)` follows from there, and every entry's cursor is kept.
 * When the socket drops (a laptop that slept, a server restart, a token that expired), the
 * subscription starts again from the last cursor kept, so the replay brings exactly what was
 * missed. Apollo writes each entry's message and chat into the normalised cache; `apply` only
 * adds or removes list members.
 */
export class ChatLogSync {
  private cursor: string | null = null;
  private subscription: Subscription | undefined;
  private stopped = false;
  private readonly offClosed: () => void;
  private readonly offConnected: () => void;
  private connectedBefore = false;

  constructor(
    private readonly client: ApolloClient,
    ws: WsClient,
    private readonly viewerId: string,
  ) {
    // graphql-ws would re-send the subscription as it was first sent (from the first cursor):
    // start it afresh from the newest one instead.
    this.offClosed = ws.on('closed', () => {
      clearTyping();
      if (this.cursor !== null && !this.stopped) this.follow();
    });
    // Contact events are not part of the chat log and have no replay: reload the contact list
    // once per reconnection instead.
    this.offConnected = ws.on('connected', () => {
      if (this.connectedBefore) void client.refetchQueries({ include: [ContactsDocument] });
      this.connectedBefore = true;
    });
  }

  /** Resolves once the cursor is read and the subscription started; retries while the server cannot be reached. */
  async start() {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const { data } = await this.client.query({ query: UpdateCursorDocument, fetchPolicy: 'network-only' });
        this.cursor = data!.updateCursor;
        this.follow();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * 2 ** attempt, 15_000)));
      }
    }
  }

  stop() {
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.offClosed();
    this.offConnected();
  }

  private follow() {
    this.subscription?.unsubscribe();
    this.subscription = this.client.subscribe({ query: UpdatesDocument, variables: { after: this.cursor } }).subscribe({
      next: ({ data }) => {
        if (!data) return;
        this.apply(data.updates);
        this.cursor = data.updates.cursor;
      },
      // An error the server sent for the subscription itself (not a dropped socket): try again shortly.
      error: () => setTimeout(() => !this.stopped && this.follow(), 2_000),
    });
  }

  private apply(entry: Entry) {
    const cache = this.client.cache;
    switch (entry.__typename) {
      case 'MessageAddedUpdate':
        insertMessage(cache, entry.message);
        listChat(cache, entry.message.chat);
        stopTyping(entry.chatId, entry.message.sender.id);
        break;
      case 'ChatChangedUpdate':
        if (entry.chat) listChat(cache, entry.chat);
        else if (entry.user?.id === this.viewerId) unlistChat(cache, entry.chatId);
        break;
      // Edits, deletions, reactions and read markers change entities only: normalisation has
      // applied them (a reaction entry brings its message's `id` and whole `reactions` list).
      default:
        break;
    }
  }
}
