import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver.js';
import { ContactResolver } from '../contacts/contacts.resolver.js';
import { UserResolver } from '../users/user.resolver.js';

export const resolvers = [AuthResolver, UserResolver, ContactResolver] as const;

let cached: Promise<GraphQLSchema> | undefined;

/** The executable schema, built once per process from the feature resolvers. */
export function buildParleySchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: [...resolvers],
    // Rules live in the services (one place each); class-validator is not used.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
  });
  return cached;
}
