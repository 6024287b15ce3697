import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { buildParleySchema } from './build.js';
import { SCHEMA_FILE } from './schema-file.js';

const schema = await buildParleySchema();
writeFileSync(SCHEMA_FILE, printSchema(schema) + '\n');
console.log(`Wrote ${SCHEMA_FILE}`);
