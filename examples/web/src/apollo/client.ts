import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { from, switchMap } from 'rxjs';
import { freshAccessToken, getAuth, markStale, refreshNow } from './auth';
import { createCache } from './cache';
import { connectionVar } from './connection';

const HTTP_URL = new URL('/graphql', location.href).toString();
const WS_URL = HTTP_URL.replace(/^http/, 'ws');
/** No pong within this after a ping: the socket is dead (a laptop that slept), so close it and reconnect. */
const PONG_TIMEOUT_MS = 5_000;

export interface Connection {
  client: ApolloClient;
  ws: WsClient;
  dispose(): void;
}

/**
 * One signed-in connection: queries and mutations over HTTP, subscriptions over one WebSocket.
 * Both ask `freshAccessToken()` for the token each time, so a refreshed token is used at once:
 * graphql-ws re-reads the lazy `connectionParams` on every (re)connect, and retries after the
 * server closes the socket with 4403 when the token expires.
 */
export function connect(): Connection {
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let socket: WebSocket | undefined;
  const ws = createClient({
    url: WS_URL,
    connectionParams: async () => {
      const token = await freshAccessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    // A chat app keeps trying: after sleep, on a train, while the server restarts.
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * 2 ** retries, 15_000) * (0.5 + Math.random() / 2))),
    shouldRetry: () => true,
    keepAlive: 10_000,
    on: {
      connecting: (isRetry) => connectionVar(isRetry ? 'reconnecting' : 'connecting'),
      connected: (s) => {
        socket = s as WebSocket;
        connectionVar('online');
      },
      ping: (received) => {
        if (received) return;
        pongTimer = setTimeout(() => socket?.readyState === WebSocket.OPEN && socket.close(4408, 'Pong timeout'), PONG_TIMEOUT_MS);
      },
      pong: (received) => received && clearTimeout(pongTimer),
      closed: (event) => {
        clearTimeout(pongTimer);
        if ((event as CloseEvent | undefined)?.code === 4403) markStale();
        connectionVar('reconnecting');
      },
    },
  });

  const auth = new SetContextLink(async (prev) => {
    const token = await freshAccessToken();
    return { headers: { ...prev.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } };
  });
  // A token refused anyway (a clock that is off, a session revoked elsewhere): refresh once and retry.
  const retryOnce = new ErrorLink(({ error, operation, forward }) => {
    const refused = CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
    if (!refused || !getAuth() || operation.getContext().authRetried) return;
    operation.setContext({ authRetried: true });
    return from(refreshNow()).pipe(switchMap(() => forward(operation)));
  });
  const transport = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    new HttpLink({ uri: HTTP_URL }),
  );

  const client = new ApolloClient({
    link: ApolloLink.from([retryOnce, auth, transport]),
    cache: createCache(),
    clientAwareness: { name: 'parley-web', version: '1.0.0' },
  });
  return {
    client,
    ws,
    dispose() {
      client.stop();
      void ws.dispose();
    },
  };
}
