import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildParleySchema } from '../src/schema/build.js';
import { SCHEMA_FILE } from '../src/schema/schema-file.js';

describe('schema.graphql', () => {
  it('matches what the code emits (run `npm run schema` after changing the API)', async () => {
    const emitted = printSchema(await buildParleySchema()) + '\n';
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(emitted);
  });
});
