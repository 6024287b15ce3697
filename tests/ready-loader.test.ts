import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../src/db/client.js';
import { createUserLoaders } from '../src/users/user.loaders.js';

const database = connectDatabase(inject('databaseUrl'), { max: 2 });
afterAll(() => database.close());

describe('a loader that answers without a promise for what it loaded', () => {
  it('has a user ready once loaded, and nothing before, for a missing one, or after clear', async () => {
    const email = `ready-${process.pid}-${Date.now()}@example.com`;
    const [row] = await database.db.execute<{ id: number }>(
      sql`insert into users (firstname, lastname, email, password) values ('Rea', 'Dy', ${email}, 'x') returning id`,
    );
    const id = row!.id;
    const missing = 2_000_000_000;
    const { userById } = createUserLoaders(database.db, null);
    expect(userById.peek(id)).toBeUndefined();
    const [loaded] = await userById.loadMany([id, missing]);
    expect(userById.peek(id)).toBe(loaded);
    expect(userById.peek(id)).toMatchObject({ id, email, firstname: 'Rea' });
    // Loaded, and absent: null is what the loader answered, so it is ready too.
    expect(userById.peek(missing)).toBeNull();
    userById.clear(id);
    expect(userById.peek(id)).toBeUndefined();
    await userById.load(id);
    userById.clearAll();
    expect(userById.peek(id)).toBeUndefined();
  });
});
