// ESLint checks correctness and the layers (docs/architecture.md); Prettier alone decides formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports a folder may not make, as no-restricted-imports patterns (regexes on the import string). */
const forbid = (regex, message, allowTypeImports = false) => ({ regex, message, allowTypeImports });

const NODE_ONLY = forbid(
  '^(node:|fs$|path$|crypto$|undici|pg$|express|@prisma/|pino|@temporalio/(client|worker|activity))',
  'Workflow code runs in the deterministic sandbox: no Node, I/O or non-workflow Temporal packages.',
);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.tools/', 'coverage/', 'src/generated/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // import-x's TypeScript settings (file extensions and parser), with the resolver of eslint-import-resolver-typescript.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // Text validation matches control characters on purpose (src/api/text.ts, src/api/validate.ts).
      'no-control-regex': 'off',
      // Value-import cycles; .dependency-cruiser.cjs also catches the type-only ones, which this rule skips.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            NODE_ONLY,
            forbid(
              '^\\.\\./(activities|domain|api|db|config|pacs/(registry|http|genetec|onguard)|simulators|temporal|logging)(/|$)',
              'Workflows import workflow-safe modules only (activity types are fine: `import type`).',
              true,
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['src/pacs/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid('^(\\.\\./)+(api|domain|db|activities|workflows)(/|$)', 'The PACS clients know nothing of the API, the domain services or the database.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid(
              '^(\\.\\./)+(api)(/|$)|^express|^\\.\\./errors$',
              'The domain layer knows no HTTP: it raises DomainError (./errors), which src/api maps to a status.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [forbid('^(\\.\\./)+(pacs|activities)(/|$)', 'The API reaches the PACS through workflows and src/domain, never directly.')] },
      ],
    },
  },
  {
    files: ['src/simulators/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid(
              '^(\\.\\./)+(api|domain|db|activities|workflows|pacs/(genetec|onguard)/(client|wiegand|query|envelope))(/|$)',
              'Simulators share evidence tables with the clients, never their codecs.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
