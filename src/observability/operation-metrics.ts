import type { ApolloServerPlugin } from '@apollo/server';
import { metrics } from './metrics.js';

/** Distinct operation names kept as labels; later ones are counted as `other`. */
const MAX_OPERATION_NAMES = 100;
const knownNames = new Set<string>();

/**
 * The `operation` label: the name of an operation that resolved against the schema, among the
 * first MAX_OPERATION_NAMES seen by this process. Names are the client's choice, so anything
 * else (unnamed, invalid, or past the cap) falls into a fixed label: series stay bounded.
 */
export function operationLabel(name: string | undefined, resolved: boolean): string {
  if (!resolved) return 'invalid';
  if (!name) return 'anonymous';
  if (knownNames.has(name)) return name;
  if (knownNames.size >= MAX_OPERATION_NAMES) return 'other';
  knownNames.add(name);
  return name;
}

/** Counts every HTTP operation by name, type and outcome. */
export function operationMetricsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, errors, response }) {
          const failed = (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          metrics.operations.inc({
            operation: operationLabel(operation?.name?.value, operation !== undefined),
            type: operation?.operation ?? 'unknown',
            outcome: failed ? 'error' : 'success',
          });
        },
      };
    },
  };
}
