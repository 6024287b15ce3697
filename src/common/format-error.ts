import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode } from './errors.js';

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));
// Errors raised by GraphQL itself (parse, validation, variable coercion) are the client's input.
const INPUT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE']);

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
 * Every error leaves with one of the public codes. Unexpected errors are logged in full and
 * reach the client as INTERNAL_SERVER_ERROR, without a stack trace or SQL.
 */
export function createErrorFormatter(options: { isProduction: boolean; log: Logger }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? '');
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    if (PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      if (code === ErrorCode.BAD_USER_INPUT && !extensions.field) {
        return { ...formatted, extensions: { ...extensions, field: fieldFromMessage(formatted.message) } };
      }
      return { ...formatted, extensions };
    }
    if (INPUT_CODES.has(code) || isArmorRejection(formatted.message)) {
      return {
        message: formatted.message,
        locations: formatted.locations,
        extensions: { code: ErrorCode.BAD_USER_INPUT, field: fieldFromMessage(formatted.message), reason: code || undefined },
      };
    }
    options.log.error({ err: unwrap(error), path: formatted.path }, 'unexpected error');
    return {
      message: options.isProduction ? 'Internal server error' : formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

function isArmorRejection(message: string): boolean {
  return /^Syntax Error: (Query|Aliases|Directives|Token)/.test(message) || /limit of \d+ exceeded/i.test(message);
}

function unwrap(error: unknown): unknown {
  return error && typeof error === 'object' && 'originalError' in error && error.originalError ? error.originalError : error;
}
