import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { isTransientDatabaseError } from '../db/errors.js';
import { ErrorCode } from './errors.js';
import { logSafeError } from './log-safe-error.js';

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));
/**
 * Errors raised by GraphQL or Apollo Server before anything runs (parse, validation, variable
 * coercion, an unknown persisted query) are the client's input; the field they name, when it is
 * not in the message. Apollo's own message is kept: Apollo Client's persisted-query link
 * recognises "PersistedQueryNotFound" by it and resends the full query.
 */
const INPUT_CODES = new Map<string, string | undefined>([
  ['GRAPHQL_PARSE_FAILED', undefined],
  ['GRAPHQL_VALIDATION_FAILED', undefined],
  ['BAD_REQUEST', undefined],
  ['OPERATION_RESOLUTION_FAILURE', undefined],
  ['PERSISTED_QUERY_NOT_FOUND', 'persistedQuery'],
  ['PERSISTED_QUERY_NOT_SUPPORTED', 'persistedQuery'],
]);

/** GraphQL's "Did you mean ...?" hints, which reveal the schema's names. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

const FIELD_PATTERNS = [
  /Field "(?:\w+\.)?(\w+)" is not defined by type/,
  /Unknown argument "(\w+)"/,
  /Variable "\$(\w+)"/,
  /argument "(\w+)" of type "[^"]+" is required/,
  /Field "\w+\.(\w+)" of required type/,
  /Cannot query field "(\w+)"/,
  /Unknown type "(\w+)"/,
];

/** The name of the offending input, read from a message GraphQL wrote. */
export function fieldFromMessage(message: string): string {
  // Variable errors name the variable first and the inner field last; the inner one is sharper.
  const inner = /; Field "(?:\w+\.)?(\w+)"/.exec(message) ?? /at "\w+\.([\w.[\]]+)"/.exec(message);
  if (inner) return inner[1]!;
  for (const pattern of FIELD_PATTERNS) {
    const match = pattern.exec(message);
    if (match) return match[1]!;
  }
  return 'query';
}

/**
 * Every error leaves with one of the public codes, on both transports (the WebSocket path
 * formats with this too). In production, suggestions are cut from every message. A database
 * that cannot answer is INTERNAL_SERVER_ERROR with `retryable: true` (its transaction rolled
 * back, so sending the request again is safe). Other unexpected errors reach the client as
 * INTERNAL_SERVER_ERROR without a stack trace or SQL, and are logged without query parameters.
 */
export function createErrorFormatter(options: { isProduction: boolean; log: Logger }) {
  const clean = (message: string) => (options.isProduction ? message.replace(SUGGESTION, '') : message);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? '');
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    const message = clean(formatted.message);
    if (PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      if (code === ErrorCode.BAD_USER_INPUT && !extensions.field) {
        return { ...formatted, message, extensions: { ...extensions, field: fieldFromMessage(formatted.message) } };
      }
      return { ...formatted, message, extensions };
    }
    if (INPUT_CODES.has(code) || isArmorRejection(formatted.message)) {
      return {
        message,
        locations: formatted.locations,
        extensions: { code: ErrorCode.BAD_USER_INPUT, field: INPUT_CODES.get(code) ?? fieldFromMessage(formatted.message), reason: code || undefined },
      };
    }
    if (isTransientDatabaseError(error)) {
      options.log.warn({ err: logSafeError(error), path: formatted.path }, 'database unavailable');
      return {
        message: 'The database is unavailable; try again',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, retryable: true },
      };
    }
    const err = logSafeError(error);
    options.log.error({ err, path: formatted.path }, 'unexpected error');
    return {
      // Development shows what failed, but never a query wrapper's parameters either.
      message: options.isProduction ? 'Internal server error' : String((err as { message?: unknown })?.message ?? formatted.message),
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

function isArmorRejection(message: string): boolean {
  return /^Syntax Error: (Query|Aliases|Directives|Token)/.test(message) || /limit of \d+ exceeded/i.test(message);
}
