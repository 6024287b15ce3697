import type { ApolloServerPlugin } from '@apollo/server';
import { metrics } from './metrics.js';

/** Counts every HTTP operation by name, type and outcome. */
export function operationMetricsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operationName, operation, errors, response }) {
          const failed = (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          metrics.operations.inc({
            operation: operationName ?? 'anonymous',
            type: operation?.operation ?? 'unknown',
            outcome: failed ? 'error' : 'success',
          });
        },
      };
    },
  };
}
