import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { contacts } from '../src/db/schema.js';
import { errorOf, gql, registerUser, USER_FIELDS } from './helpers/graphql.js';
import { useServerAndDatabase } from './helpers/server.js';

const UPDATE = `mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { ${USER_FIELDS} } }`;
const USER = `query($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`;

const env = useServerAndDatabase();

describe('updateProfile', () => {
  it('changes given fields, keeps omitted ones, clears nulls', async () => {
    const u = await registerUser(env.srv.url, { phone: '+1 555 0100', country: 'Chile' });
    const res = await gql(env.srv.url, UPDATE, { input: { firstname: '  Bea ', profilePicture: 'http://pics.example.com/b.jpg', country: null } }, u.token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.updateProfile).toMatchObject({ firstname: 'Bea', lastname: u.lastname, phone: '+1 555 0100', country: null, profilePicture: 'http://pics.example.com/b.jpg' });
    const me = await gql(env.srv.url, `{ me { firstname country } }`, {}, u.token);
    expect(me.data!.me).toEqual({ firstname: 'Bea', country: null });
  });

  it.each([
    ['firstname', { firstname: '' }],
    ['firstname', { firstname: null }],
    ['lastname', { lastname: 'y'.repeat(101) }],
    ['phone', { phone: '1'.repeat(21) }],
    ['country', { country: 'c'.repeat(101) }],
    ['profilePicture', { profilePicture: 'not a url' }],
    ['profilePicture', { profilePicture: `https://example.com/${'p'.repeat(481)}` }],
  ])('refuses a bad %s and changes nothing', async (field, input) => {
    const u = await registerUser(env.srv.url, { country: 'Chile' });
    const res = await gql(env.srv.url, UPDATE, { input: { country: 'Peru', ...input } }, u.token);
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    const me = await gql(env.srv.url, `{ me { firstname lastname country } }`, {}, u.token);
    expect(me.data!.me).toEqual({ firstname: u.firstname, lastname: u.lastname, country: 'Chile' });
  });

  it('needs a viewer', async () => {
    expect(errorOf(await gql(env.srv.url, UPDATE, { input: { firstname: 'X' } })).code).toBe('UNAUTHENTICATED');
  });
});

describe('user and the email/phone privacy rule', () => {
  it('hides email and phone from non-contacts and shows them to accepted contacts', async () => {
    const a = await registerUser(env.srv.url, { phone: '+44 20 7946 0000' });
    const b = await registerUser(env.srv.url);
    const seenByB = await gql(env.srv.url, USER, { id: a.id }, b.token);
    expect(seenByB.data!.user).toMatchObject({ id: a.id, firstname: a.firstname, email: null, phone: null });

    // Pending is not enough; accepted is.
    await env.db.db.insert(contacts).values({ userId: Number(b.id), contactId: Number(a.id), status: 'PENDING', direction: 'OUTGOING' });
    expect((await gql(env.srv.url, USER, { id: a.id }, b.token)).data!.user.email).toBeNull();
    // Only this test's entry: the database is shared with files running in parallel.
    await env.db.db.update(contacts).set({ status: 'ACCEPTED' }).where(eq(contacts.userId, Number(b.id)));
    const asContact = await gql(env.srv.url, USER, { id: a.id }, b.token);
    expect(asContact.data!.user).toMatchObject({ email: a.email, phone: '+44 20 7946 0000' });
  });

  it('returns null for an unknown user, refuses a malformed id, and needs a viewer', async () => {
    const u = await registerUser(env.srv.url);
    expect((await gql(env.srv.url, USER, { id: '999999999' }, u.token)).data!.user).toBeNull();
    expect(errorOf(await gql(env.srv.url, USER, { id: 'abc' }, u.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(errorOf(await gql(env.srv.url, USER, { id: u.id })).code).toBe('UNAUTHENTICATED');
  });
});
