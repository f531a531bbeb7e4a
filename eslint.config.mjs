// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'libs/database/src/migrations/**', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Repositories are the only place with SQL: services hold rules and call them (docs/architecture.md).
    files: ['apps/server/src/**/*.ts'],
    ignores: ['**/*.repository.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'typeorm',
              importNames: [
                'DataSource',
                'Repository',
                'QueryBuilder',
                'SelectQueryBuilder',
                'In',
                'IsNull',
                'Not',
                'Like',
                'Raw',
              ],
              message: 'Queries belong in a *.repository.ts of the module that owns the table.',
              allowTypeImports: true,
            },
            {
              name: '@nestjs/typeorm',
              importNames: ['InjectRepository', 'InjectDataSource', 'InjectEntityManager', 'getRepositoryToken'],
              message: 'Queries belong in a *.repository.ts of the module that owns the table.',
            },
            {
              name: '@app/database',
              importNames: ['Statements', 'SearchRunner'],
              message: 'Queries belong in a *.repository.ts of the module that owns the table.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(query|createQueryBuilder|getRepository)$/]',
          message: 'Queries belong in a *.repository.ts of the module that owns the table.',
        },
        {
          selector:
            'CallExpression[callee.object.name=/^(manager|entityManager|em|tx|trx|transaction|queryRunner|runner|dataSource)$/][callee.property.name=/^(save|insert|update|upsert|delete|remove|softDelete|find.*|count.*|exists.*|increment|decrement)$/]',
          message: 'Queries belong in a *.repository.ts of the module that owns the table; pass the manager to it.',
        },
        {
          selector:
            'CallExpression[callee.object.property.name=/^(manager|entityManager|em|dataSource)$/][callee.property.name=/^(save|insert|update|upsert|delete|remove|softDelete|find.*|count.*|exists.*|increment|decrement)$/]',
          message: 'Queries belong in a *.repository.ts of the module that owns the table.',
        },
      ],
    },
  },
  {
    // Only libs/config reads the environment.
    files: ['apps/**/*.ts', 'libs/database/**/*.ts', 'libs/scim-protocol/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through libs/config.' },
      ],
    },
  },
);
