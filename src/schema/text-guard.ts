import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { badInput } from '../common/errors.js';
import { findUnstorableText } from '../common/storable-text.js';

/**
 * Refuses text that cannot be stored (see storable-text.ts) in any argument of any field,
 * before its resolver runs: one check for every operation, on HTTP and WebSocket alike,
 * instead of a database error later. Fields without arguments are left untouched; a
 * subscription's arguments are checked once, when it starts.
 */
export function guardTextArguments(schema: GraphQLSchema): GraphQLSchema {
  const subscriptionType = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      if (type === subscriptionType) field.subscribe = checked(field.subscribe ?? defaultFieldResolver);
      else field.resolve = checked(field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}

function checked<S, C>(resolve: GraphQLFieldResolver<S, C>): GraphQLFieldResolver<S, C> {
  return (source, args, context, info) => {
    const field = findUnstorableText(args);
    if (field) throw badInput(field, `${field} contains characters that cannot be stored (a NUL byte or an unpaired surrogate)`);
    return resolve(source, args, context, info);
  };
}
