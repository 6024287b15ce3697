import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Typed documents for the example client, generated from the committed schema. Every path is
 * resolved from this file, so codegen runs the same from any working directory. `outputDir`
 * lets a test generate into a scratch directory and compare with the committed files.
 */
export function clientCodegenConfig(outputDir = path.join(here, 'src/gql')): CodegenConfig {
  return {
    schema: path.join(here, '../../schema.graphql'),
    documents: [path.join(here, 'operations/*.graphql')],
    ignoreNoDocuments: false,
    generates: {
      [`${outputDir}/`]: {
        preset: 'client',
        presetConfig: { fragmentMasking: false },
        config: {
          scalars: { DateTime: 'string' },
          strictScalars: true,
          enumType: 'string-literal',
          useTypeImports: true,
          // `.js` in relative imports, as NodeNext resolution requires.
          emitLegacyCommonJSImports: false,
        },
      },
    },
  };
}

export default clientCodegenConfig();
