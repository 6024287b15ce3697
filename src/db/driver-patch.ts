import { readFileSync } from 'node:fs';

/** A line that patches/postgres+3.4.9.patch adds to the driver's connection code. */
const MARKER = 'porsager/postgres#1154';

/**
 * Whether the postgres.js this process loads carries Parley's patch (applied by `npm install`'s
 * postinstall; see the README). Without it, a database connection lost during a query can
 * crash the process, so start-up says so loudly.
 */
export function isDriverPatched(): boolean {
  try {
    return readFileSync(new URL('connection.js', import.meta.resolve('postgres')), 'utf8').includes(MARKER);
  } catch {
    return false;
  }
}
