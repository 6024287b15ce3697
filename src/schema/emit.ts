import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { buildParleySchema } from './build.js';
import { SCHEMA_FILE } from './schema-file.js';

const printed = printSchema(await buildParleySchema()) + '\n';
if (process.argv.includes('--check')) {
  // The schema as this process built it (tsx's transform, under `npm start`), against the file.
  if (readFileSync(SCHEMA_FILE, 'utf8') !== printed) {
    console.error(`${SCHEMA_FILE} differs from the schema the code builds: run \`npm run schema\``);
    process.exit(1);
  }
  console.log(`${SCHEMA_FILE} matches`);
} else {
  writeFileSync(SCHEMA_FILE, printed);
  console.log(`Wrote ${SCHEMA_FILE}`);
}
