import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../common/errors.js';

/**
 * What only the HTTP transport needs. A subscription sent over HTTP is refused as the client's
 * mistake (subscriptions live on the WebSocket). A request that failed only because the
 * database could not answer (errors marked `retryable`, no data) is 503 with `Retry-After`, so
 * load balancers and clients treat it as the temporary failure it is. No answer may be kept by a
 * cache: answers are private to their viewer (`Cache-Control: no-store`, set here because Apollo's
 * cache-control plugin, which would set it, is off: src/server.ts).
 */
export function httpTransportPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on this path', {
              extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'query', http: { status: 400 } },
            });
          }
        },
        async willSendResponse({ response }) {
          response.http.headers.set('cache-control', 'no-store');
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (data == null && errors?.some((e) => e.extensions?.retryable === true)) {
            response.http.status = 503;
            response.http.headers.set('retry-after', '1');
          }
        },
      };
    },
  };
}
