import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Typed documents for the web app, generated from the committed schema (`npm run web:codegen`).
 * `outputDir` lets a test generate into a scratch directory and compare with the committed files.
 */
export function webCodegenConfig(outputDir = path.join(here, 'src/gql')): CodegenConfig {
  return {
    schema: path.join(here, '../../schema.graphql'),
    documents: [path.join(here, 'src/operations/*.graphql')],
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
        },
      },
    },
  };
}

export default webCodegenConfig();
