import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, fromAddress, gql, uniqueAddress, uniqueEmail, type GraphQLResponse } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`;
const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`;

// Two instances on one database: every budget is shared by both.
let a: TestServer;
let b: TestServer;
const limits = { perEmailIp: 2, perIp: 100, perEmail: 3, windowSeconds: 60 };
beforeAll(async () => {
  [a, b] = await Promise.all([startServer({ loginLimits: limits, trustProxy: true }), startServer({ loginLimits: limits, trustProxy: true })]);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const login = (server: TestServer, email: string, password: string, address: string) =>
  gql(server.url, LOGIN, { email, password }, undefined, fromAddress(address));

/** An account signed up from `home`, which is then an address it has signed in from. */
async function owner(home: string) {
  const input = { firstname: 'Olga', lastname: 'Owner', email: uniqueEmail('owner'), password: 'the-right-password' };
  const res = await gql(a.url, REGISTER, { input }, undefined, fromAddress(home));
  expect(res.errors).toBeUndefined();
  return input;
}

const code = (res: GraphQLResponse) => errorOf(res).code;
const expectRateLimited = (res: GraphQLResponse) => {
  expect(code(res)).toBe('RATE_LIMITED');
  expect(res.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
};

describe('login limits', () => {
  it('checks at most the budget of 40 concurrent guesses, on both instances, then refuses the right password', async () => {
    const u = await owner(uniqueAddress());
    const attacker = uniqueAddress();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => login(i % 2 ? a : b, u.email, `wrong-${i}`, attacker)));
    expect(results.filter((r) => code(r) === 'UNAUTHENTICATED')).toHaveLength(limits.perEmailIp);
    expect(results.filter((r) => code(r) === 'RATE_LIMITED')).toHaveLength(40 - limits.perEmailIp);
    expectRateLimited(await login(a, u.email, u.password, attacker));
  });

  it('lets the owner in from elsewhere while a stranger is locked out', async () => {
    const home = uniqueAddress();
    const u = await owner(home);
    const stranger = uniqueAddress();
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(code(await login(i % 2 ? a : b, u.email, 'wrong-password', stranger)));
    expect(codes).toEqual([...Array(limits.perEmailIp).fill('UNAUTHENTICATED'), ...Array(6 - limits.perEmailIp).fill('RATE_LIMITED')]);
    expect((await login(b, u.email, u.password, home)).errors).toBeUndefined();
    // Travelling: an address the account never used is fine too; refused attempts cost the owner nothing.
    expect((await login(a, u.email, u.password, uniqueAddress())).errors).toBeUndefined();
    expectRateLimited(await login(a, u.email, u.password, stranger));
  });

  it('slows a guesser spread over many addresses, but never the owner at an address they used', async () => {
    const home = uniqueAddress();
    const u = await owner(home);
    for (let i = 0; i < limits.perEmail; i++) {
      expect(code(await login(i % 2 ? a : b, u.email, 'wrong-password', uniqueAddress()))).toBe('UNAUTHENTICATED');
    }
    expectRateLimited(await login(a, u.email, u.password, uniqueAddress()));
    expect((await login(b, u.email, u.password, home)).errors).toBeUndefined();
  });

  it('counts password-change guesses with a stolen token against the same budget', async () => {
    const home = uniqueAddress();
    const u = await owner(home);
    const token = (await login(a, u.email, u.password, home)).data!.login.accessToken as string;
    const CHANGE = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;
    const change = (server: TestServer, current: string, address: string) =>
      gql(server.url, CHANGE, { c: current, n: 'a-brand-new-password' }, token, fromAddress(address));
    // Spread over addresses the account never used, guesses share the account's budget.
    for (let i = 0; i < limits.perEmail; i++) expect(code(await change(i % 2 ? a : b, `wrong-${i}`, uniqueAddress()))).toBe('BAD_USER_INPUT');
    expectRateLimited(await change(a, u.password, uniqueAddress()));
    expectRateLimited(await login(b, u.email, u.password, uniqueAddress()));
    // The owner, where they signed in, is not held back.
    expect((await change(b, u.password, home)).errors).toBeUndefined();
  });

  it('limits failures per address across emails, without throttling its other traffic', async () => {
    const strict = await startServer({ loginLimits: { ...limits, perIp: 4 }, trustProxy: true });
    try {
      const from = uniqueAddress();
      for (let i = 0; i < 4; i++) expect(code(await login(strict, uniqueEmail(), 'wrong-password', from))).toBe('UNAUTHENTICATED');
      const u = await owner(from);
      expectRateLimited(await login(strict, u.email, u.password, from));
      expect((await login(strict, u.email, u.password, uniqueAddress())).errors).toBeUndefined();
    } finally {
      await strict.stop();
    }
  });

  it("counts changePassword's current-password check as a guess", async () => {
    const from = uniqueAddress();
    const u = await owner(from);
    const token = (await login(a, u.email, u.password, from)).data!.login.accessToken;
    const change = (current: string) =>
      gql(b.url, `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`, { c: current, n: 'a-new-password' }, token, fromAddress(from));
    for (let i = 0; i < limits.perEmailIp; i++) expect(errorOf(await change('wrong-password'))).toEqual({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    expectRateLimited(await change(u.password));
    expectRateLimited(await login(a, u.email, u.password, from));
    expect((await login(b, u.email, u.password, uniqueAddress())).errors).toBeUndefined();
  });

  it("forgets an address's failures for an account once the right password comes from it", async () => {
    const u = await owner(uniqueAddress());
    const from = uniqueAddress();
    // Without the reset after the first success, the second would find the budget spent.
    for (const server of [a, b]) {
      for (let i = 0; i < limits.perEmailIp - 1; i++) expect(code(await login(server, u.email, 'wrong-password', from))).toBe('UNAUTHENTICATED');
      expect((await login(server, u.email.toUpperCase(), u.password, from)).errors).toBeUndefined();
    }
  });
});
