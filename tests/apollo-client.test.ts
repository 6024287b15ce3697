import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registerUser } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/ws.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv?.stop());

/** The way our users' frontends are wired: HTTP for queries and mutations, graphql-ws for subscriptions. */
function apolloClient(token: () => string | undefined) {
  const http = new HttpLink({ uri: srv.url, headers: {}, fetch });
  const auth = new ApolloLink((operation, forward) => {
    const t = token();
    if (t) operation.setContext({ headers: { authorization: `Bearer ${t}` } });
    return forward(operation);
  });
  const wsClient = createClient({ url: srv.wsUrl, webSocketImpl: WebSocket, connectionParams: () => ({ authorization: `Bearer ${token()}` }) });
  const link = split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === 'OperationDefinition' && def.operation === 'subscription';
    },
    new GraphQLWsLink(wsClient),
    auth.concat(http),
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), wsClient };
}

describe('Apollo Client', () => {
  it('logs in over HTTP, subscribes to messageAdded over WebSocket, and receives a message', async () => {
    const ana = await registerUser(srv.url, { firstname: 'Ana' });
    const ben = await registerUser(srv.url, { firstname: 'Ben' });
    let token: string | undefined;
    const { client, wsClient } = apolloClient(() => token);

    const login = await client.mutate({
      mutation: gql`mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken user { id firstname } } }`,
      variables: { email: ben.email, password: ben.password },
    });
    token = (login.data as any).login.accessToken;
    expect((login.data as any).login.user).toMatchObject({ id: ben.id, firstname: 'Ben' });

    const chat = await client.mutate({ mutation: gql`mutation($u: ID!) { createDirectChat(userId: $u) { id } }`, variables: { u: ana.id } });
    const chatId = (chat.data as any).createDirectChat.id as string;

    const received: any[] = [];
    const before = srv.server.hub.stats.subscriptions;
    const subscription = client
      .subscribe({ query: gql`subscription OnMessage($chatId: ID) { messageAdded(chatId: $chatId) { id content sender { id firstname } } }`, variables: { chatId } })
      .subscribe({ next: (result) => received.push(result.data) });
    await until(() => srv.server.hub.stats.subscriptions > before, 5000, 'the subscription');

    const sent = await fetch(srv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ana.token}` },
      body: JSON.stringify({ query: `mutation($c: ID!) { sendMessage(input: { chatId: $c, content: "hi Ben" }) { id } }`, variables: { c: chatId } }),
    }).then((r) => r.json() as Promise<any>);
    await until(() => received.length > 0, 5000, 'the message');
    expect(received[0].messageAdded).toMatchObject({ id: sent.data.sendMessage.id, content: 'hi Ben', sender: { id: ana.id, firstname: 'Ana' } });

    const history = await client.query({ query: gql`query($c: ID!) { messages(chatId: $c) { edges { node { id content } } } }`, variables: { c: chatId } });
    expect((history.data as any).messages.edges.map((e: any) => e.node.content)).toEqual(['hi Ben']);

    subscription.unsubscribe();
    await wsClient.dispose();
    client.stop();
  });
});
