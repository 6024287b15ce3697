import type { Loaders } from '../context.js';
import type { ContactRow } from '../db/schema.js';

/**
 * The viewer's own entries already say who is an accepted contact, which is exactly what the
 * `isAcceptedContact` loader (email/phone visibility) would ask the database: a listed entry
 * primes it, so a contact list costs no extra statement for that.
 */
export function primeFromOwnEntries(loaders: Loaders, viewerId: number, entries: readonly ContactRow[]): void {
  for (const entry of entries) {
    if (entry.userId === viewerId) loaders.isAcceptedContact.prime(entry.contactId, entry.status === 'ACCEPTED');
  }
}
