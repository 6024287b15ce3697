import { ApolloArmor } from '@escape.tech/graphql-armor';
import { NoSchemaIntrospectionCustomRule, type ParseOptions, type ValidationRule } from 'graphql';
import type { Config } from '../config.js';

/** Tokens in one document; the parser stops past it, before building anything. */
const MAX_TOKENS = 2000;

export interface DocumentLimits {
  parseOptions: ParseOptions;
  /** In addition to GraphQL's specified rules. */
  validationRules: ValidationRule[];
}

/**
 * The limits every GraphQL document meets before it runs, the same on HTTP and on the
 * WebSocket: a token cap while parsing (a parse error, so HTTP 400), then depth, cost, aliases
 * and directives, and no introspection unless it is enabled. All are rejections of the
 * client's document, never internal errors.
 */
export function documentLimits(config: Config): DocumentLimits {
  const armor = new ApolloArmor({
    // A fragment is not a level of nesting: counted as one (armor's default), the documents
    // that clients build from fragments (codegen, Apollo) pass the limits only when inlined.
    maxDepth: { n: config.limits.depth, flattenFragments: true },
    costLimit: { maxCost: config.limits.cost, flattenFragments: true },
    maxAliases: { n: config.limits.aliases },
    maxDirectives: { n: 20 },
    // Armor's token limit throws from a plugin hook (an HTTP 500) and does not reach the
    // socket; GraphQL's parser enforces the same limit on both transports.
    maxTokens: { enabled: false },
    // Suggestions are cut by the error formatter, which both transports share.
    blockFieldSuggestion: { enabled: false },
  });
  return {
    parseOptions: { maxTokens: MAX_TOKENS },
    validationRules: [...armor.protect().validationRules, ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])],
  };
}
