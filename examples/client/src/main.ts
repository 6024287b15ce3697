/**
 * A Parley client in a few dozen lines: Apollo Client over HTTP for queries and mutations,
 * graphql-ws for subscriptions, and every operation typed by the documents that
 * `npm run example:codegen` generates from `schema.graphql`.
 *
 *   PARLEY_URL=http://localhost:4000/graphql npm run example:client
 */
import { randomUUID } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  AcceptInvitationDocument,
  AddReactionDocument,
  ChatsDocument,
  CreateDirectChatDocument,
  CreateUploadDocument,
  InvitationsDocument,
  LoginDocument,
  MessageAddedDocument,
  MessagesDocument,
  RegisterDocument,
  SearchMessagesDocument,
  SendInvitationDocument,
  SendMessageDocument,
  type MessageAddedSubscription,
} from './gql/graphql.js';

const SUBSCRIPTION_TIMEOUT_MS = 10_000;
const PASSWORD = 'example-password-123';

const httpUrl = process.env.PARLEY_URL ?? 'http://localhost:4000/graphql';
/** The same path over WebSocket: http → ws, https → wss. */
const wsUrl = httpUrl.replace(/^http/, 'ws');

interface Session {
  client: ApolloClient;
  ws: WsClient;
  dispose(): Promise<void>;
}

/** One signed-in (or anonymous) user: HTTP for queries and mutations, WebSocket for subscriptions. */
function connect(token?: string): Session {
  const authorization = token ? `Bearer ${token}` : undefined;
  const http = new HttpLink({ uri: httpUrl, headers: authorization ? { authorization } : {} });
  // Lazy: the socket opens with the first subscription and carries the token in connection_init.
  const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: authorization ? { authorization } : {}, retryAttempts: 0 });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    http,
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  return {
    client,
    ws,
    async dispose() {
      client.stop();
      await ws.dispose();
    },
  };
}

/** Apollo returns `data: undefined` only alongside an error it has already thrown; this narrows it. */
function required<T>(data: T | undefined, operation: string): T {
  if (data === undefined) throw new Error(`${operation} returned no data`);
  return data;
}

async function register(session: Session, firstname: string, lastname: string) {
  const email = `${firstname.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  const result = await session.client.mutate({
    mutation: RegisterDocument,
    variables: { input: { firstname, lastname, email, password: PASSWORD } },
  });
  return { email, ...required(result.data, 'register').register };
}

type AddedMessage = MessageAddedSubscription['messageAdded'];

/** Resolves with the first message that `accept` takes; rejects on an error or after a timeout. */
function nextMessage(session: Session, variables: { chatId: string; after?: string }, accept: (m: AddedMessage) => boolean) {
  let unsubscribe = () => {};
  const received = new Promise<AddedMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${SUBSCRIPTION_TIMEOUT_MS} ms`)), SUBSCRIPTION_TIMEOUT_MS);
    const subscription = session.client.subscribe({ query: MessageAddedDocument, variables }).subscribe({
      next: (result) => {
        if (result.error) return reject(result.error);
        const message = result.data?.messageAdded;
        if (message && accept(message)) resolve(message);
      },
      error: (err: unknown) => reject(err),
      complete: () => reject(new Error('the subscription ended before the message arrived')),
    });
    unsubscribe = () => {
      clearTimeout(timer);
      subscription.unsubscribe();
    };
  });
  return { received, unsubscribe: () => unsubscribe() };
}

async function main() {
  const anonymous = connect();
  const sessions: Session[] = [anonymous];
  try {
    const ana = await register(anonymous, 'Ana', 'Lima');
    const ben = await register(anonymous, 'Ben', 'Okafor');
    console.log(`Registered ${ana.user.firstname} (${ana.email}) and ${ben.user.firstname} (${ben.email})`);

    // Ben signs in with email and password; Ana keeps the token registration gave her.
    const login = required((await anonymous.client.mutate({ mutation: LoginDocument, variables: { email: ben.email, password: PASSWORD } })).data, 'login').login;
    console.log(`Logged in as ${login.user.firstname} ${login.user.lastname}, token valid until ${login.expiresAt}`);
    const asBen = connect(login.accessToken);
    const asAna = connect(ana.accessToken);
    sessions.push(asBen, asAna);

    // Direct chats are for contacts by default: Ben invites Ana, and she accepts.
    await asBen.client.mutate({ mutation: SendInvitationDocument, variables: { userId: ana.user.id } });
    const invitation = required((await asAna.client.query({ query: InvitationsDocument })).data, 'invitations').invitations[0];
    if (!invitation) throw new Error("Ben's invitation did not reach Ana");
    await asAna.client.mutate({ mutation: AcceptInvitationDocument, variables: { id: invitation.id } });
    console.log(`${invitation.user.firstname} and Ana are contacts`);

    const chat = required((await asBen.client.mutate({ mutation: CreateDirectChatDocument, variables: { userId: ana.user.id } })).data, 'createDirectChat').createDirectChat;
    console.log(`Direct chat ${chat.id} created`);

    // Ben says hello first; subscribing `after` his message replays anything newer, so Ana's
    // answer cannot slip between subscribing and the server registering the subscription.
    const hello = required(
      (await asBen.client.mutate({ mutation: SendMessageDocument, variables: { input: { chatId: chat.id, content: 'Hi Ana!', clientMessageId: randomUUID() } } })).data,
      'sendMessage',
    ).sendMessage;
    const incoming = nextMessage(asBen, { chatId: chat.id, after: hello.id }, (m) => m.sender.id === ana.user.id);

    const reply = required(
      (await asAna.client.mutate({ mutation: SendMessageDocument, variables: { input: { chatId: chat.id, content: 'Hi Ben, good to see you here.', replyToId: hello.id } } }))
        .data,
      'sendMessage',
    ).sendMessage;
    const received = await incoming.received.finally(incoming.unsubscribe);
    if (received.id !== reply.id) throw new Error(`expected message ${reply.id}, received ${received.id}`);
    console.log(`Received via subscription: "${received.content}" from ${received.sender.firstname} at ${received.sentAt}`);

    const reacted = required((await asBen.client.mutate({ mutation: AddReactionDocument, variables: { messageId: reply.id, emoji: '👍' } })).data, 'addReaction').addReaction;
    console.log(`Ben reacted: ${reacted.reactions.map((r) => `${r.emoji} ${r.count}`).join(', ')}`);
    // A file: ask where to send it, PUT the bytes there, then send a message naming the upload.
    const notes = Buffer.from('Things to bring:\n- a towel\n');
    const upload = required(
      (await asAna.client.mutate({ mutation: CreateUploadDocument, variables: { input: { filename: 'notes.txt', contentType: 'text/plain', size: notes.length } } })).data,
      'createUpload',
    ).createUpload;
    const put = await fetch(upload.uploadUrl, { method: 'PUT', headers: Object.fromEntries(upload.headers.map((h) => [h.name, h.value])), body: notes });
    if (!put.ok) throw new Error(`uploading notes.txt failed: ${put.status} ${await put.text()}`);
    await asAna.client.mutate({ mutation: SendMessageDocument, variables: { input: { chatId: chat.id, attachmentIds: [upload.id] } } });
    console.log(`Sent notes.txt (${notes.length} bytes)`);

    const chats = required((await asBen.client.query({ query: ChatsDocument, variables: { first: 10 }, fetchPolicy: 'network-only' })).data, 'chats').chats;
    console.log(`Ben's chats (${chats.edges.length}):`);
    for (const { node } of chats.edges) {
      const others = node.participants.filter((p) => p.user.id !== login.user.id).map((p) => p.user.firstname);
      const title = node.name ?? `with ${others.join(', ')}`;
      console.log(`  ${title}: ${node.unreadCount} unread, last "${node.lastMessage?.content ?? '(none)'}"`);
    }

    const history = required((await asBen.client.query({ query: MessagesDocument, variables: { chatId: chat.id, last: 20 }, fetchPolicy: 'network-only' })).data, 'messages').messages;
    console.log(`History of chat ${chat.id} (${history.edges.length} messages, oldest first):`);
    for (const { node } of history.edges) {
      const answering = node.replyTo ? ` (answering "${node.replyTo.content}")` : '';
      const reactions = node.reactions.map((r) => ` ${r.emoji}${r.count}`).join('');
      const files = node.attachments.map((f) => `${f.filename} (${f.contentType}, ${f.size} bytes)`);
      console.log(`  [${node.sentAt}] ${node.sender.firstname}: ${[node.content, ...files].filter(Boolean).join(' + ')}${answering}${reactions}`);
    }
    // Attachment links are signed and short-lived: fetch them as they come, no token needed.
    const file = history.edges.flatMap(({ node }) => node.attachments).find((f) => f.filename === 'notes.txt');
    const downloaded = file?.url ? await (await fetch(file.url)).text() : null;
    if (downloaded !== notes.toString()) throw new Error('notes.txt did not come back as sent');
    console.log('Downloaded notes.txt: the same bytes');

    // Search: words as prefixes, "phrases" as written; matches come marked in the highlight.
    const query = '"good to" se';
    const found = required((await asBen.client.query({ query: SearchMessagesDocument, variables: { query, first: 5 }, fetchPolicy: 'network-only' })).data, 'searchMessages').searchMessages;
    console.log(`Search ${query}: ${found.edges.length} found`);
    for (const { node } of found.edges) console.log(`  ${node.message.sender.firstname}: ${node.highlight}`);
  } finally {
    await Promise.all(sessions.map((s) => s.dispose()));
  }
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (err: unknown) => {
    console.error('Example client failed:', err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
