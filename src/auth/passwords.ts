import argon2 from 'argon2';

const OPTIONS = { type: argon2.argon2id } as const;
// Verified against when the email is unknown, so both failures take about the same time.
let dummyHash: Promise<string> | undefined;

export const hashPassword = (password: string) => argon2.hash(password, OPTIONS);

export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  if (!hash) {
    dummyHash ??= argon2.hash('parley-timing-equaliser', OPTIONS);
    await argon2.verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return argon2.verify(hash, password).catch(() => false);
}
