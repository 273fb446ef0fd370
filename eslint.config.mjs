// ESLint: typescript-eslint's recommended type-checked rules over the TypeScript, the recommended
// JavaScript rules over the CommonJS glue (cucumber.js, plugins, formatters, bin/refbox). Layout is Prettier's.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'reports/', '.refbox-image/', 'dist/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test'] }] },
      ],
      // `_name` marks a binding left unused on purpose (a destructured field dropped, a parameter of an interface).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Test doubles implement async interfaces (drivers, runtimes) whose fakes answer at once; `async`
      // keeps their throws as rejections, as the real implementations'.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.cjs', '**/*.js', 'bin/refbox'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
)
