import { randomBytes } from 'node:crypto';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string; [k: string]: unknown } }[];
}

/** Sends one operation over real HTTP, the way any GraphQL client does. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: res.status, ...body };
}

/** The first error's code (and field), for terse assertions. */
export const errorOf = (res: Pick<GraphQLResponse, 'errors'>) => ({
  code: res.errors?.[0]?.extensions?.code,
  field: res.errors?.[0]?.extensions?.field,
});

export const uniqueEmail = (prefix = 'user') => `${prefix}-${randomBytes(5).toString('hex')}@example.com`;

export const USER_FIELDS = 'id firstname lastname email phone country profilePicture createdAt';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  firstname: string;
  lastname: string;
}

/**
 * Test users can be reached by anyone, so that scenarios need not make everyone contacts first;
 * the privacy tests register with the real defaults (`privacy: null`).
 */
const OPEN = { directMessages: 'EVERYONE', groupAdds: 'EVERYONE' };

export async function registerUser(
  url: string,
  input: Partial<{ firstname: string; lastname: string; email: string; password: string; phone: string; country: string; privacy: Record<string, string> | null }> = {},
): Promise<TestUser> {
  const full = {
    firstname: 'Test',
    lastname: 'User',
    email: uniqueEmail(),
    password: 'password-123',
    privacy: OPEN,
    ...input,
  };
  const res = await gql(
    url,
    `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id } } }`,
    { input: full },
  );
  if (res.errors) throw new Error(`register failed: ${JSON.stringify(res.errors)}`);
  const p = res.data!.register;
  return {
    id: p.user.id,
    email: full.email,
    password: full.password,
    token: p.accessToken,
    refreshToken: p.refreshToken,
    firstname: full.firstname,
    lastname: full.lastname,
  };
}

/**
 * A client address of one's own, for servers that trust X-Forwarded-For: rate-limit counters
 * live in the database the whole run shares, so a test counting them uses fresh addresses.
 */
export const uniqueAddress = () => `10.${[...randomBytes(3)].join('.')}`;
export const fromAddress = (address: string) => ({ 'x-forwarded-for': address });
