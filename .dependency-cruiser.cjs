// Import cycles, type-only imports included (eslint's import-x/no-cycle skips those): a cycle through types
// still means neither module can be understood, moved or tested without the other.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Give the shared types their own module (e.g. src/activities/deps.ts, src/api/context.ts).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
