import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// hono is here for its JSX engine only (Koa serves HTTP). Escaping by construction: the
// two ways past the engine's escaping, hono/html's raw() and dangerouslySetInnerHTML,
// stay in src/web/ beside the layout primitives.
const honoImports = (allowed) => ['error', { patterns: [{
  regex: `^hono(?!/(?:${allowed.join('|')})$)(?:/.*)?$`,
  message: 'hono is the template engine only: import hono/jsx; raw HTML (hono/html) only in src/web/',
}] }];
const RAW_HTML_ATTRIBUTE = {
  selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
  message: 'raw HTML skips escaping: only src/web/ may use it',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bin/', 'bench/out/', 'eslint.config.js', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['src/web/**'],
    rules: {
      'no-restricted-imports': honoImports(['jsx']),
      'no-restricted-syntax': ['error', RAW_HTML_ATTRIBUTE],
    },
  },
  { files: ['src/web/**'], rules: { 'no-restricted-imports': honoImports(['jsx', 'jsx/jsx-runtime', 'html']) } },
  {
    files: ['test/**', 'bench/**', 'regtest/**', 'src/cli/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
