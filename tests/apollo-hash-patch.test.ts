import { createHash as nodeHash } from 'node:crypto';
import { createRequire } from 'node:module';
import Module from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * patches/@apollo+utils.createhash+3.0.1.patch: Apollo Server hashes every request's query with
 * `createHash`, which called `module.require('crypto')` each time — through every require hook
 * of the process (tsx's resolver, under `npm start`). Patched, crypto is resolved once.
 */
describe('the @apollo/utils.createhash patch', () => {
  it("hashes without resolving node:crypto again on each call, and hashes the same", () => {
    // The copy Apollo Server itself loads.
    const fromServer = createRequire(createRequire(import.meta.url).resolve('@apollo/server'));
    const { createHash } = fromServer('@apollo/utils.createhash') as { createHash(kind: string): ReturnType<typeof nodeHash> };
    const proto = Module.prototype as unknown as { require(id: string): unknown };
    const original = proto.require;
    let resolved = 0;
    proto.require = function (this: unknown, id: string) {
      if (id === 'crypto') resolved++;
      return original.call(this, id);
    };
    try {
      for (let i = 0; i < 10; i++) {
        expect(createHash('sha256').update(`query ${i}`).digest('hex')).toBe(nodeHash('sha256').update(`query ${i}`).digest('hex'));
      }
    } finally {
      proto.require = original;
    }
    expect(resolved).toBe(0);
  });
});
