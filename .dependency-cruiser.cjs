// Interflow's layer rules (docs/architecture.md, "Layers"). `npm run lint:layers` checks src/, test/
// and bench/ against them; CI runs it. A module is a folder under src/; under src/services/ each
// service folder is one, and src/transfer/signing (WS-Security signing, shared with the Wf-XML
// services) is one.
const MODULE = '^src/(transfer/signing|(?:services/)?[^/]+)/';
const MODULE_INDEX = '^src/(?:transfer/signing|(?:services/)?[^/]+)/index\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle means two files cannot be understood, tested or replaced apart. ' +
        'Known exception: engine/runtime/instance-session <-> unit-of-work (type-only), removed by the split of instance-session.ts (issue 12).',
      from: { path: '^src/', pathNot: '^src/engine/runtime/(instance-session|unit-of-work)\\.ts$' },
      to: { circular: true },
    },
    {
      name: 'no-deep-imports',
      severity: 'error',
      comment: "Another module is imported through its index.ts only: its other files are its own business.",
      from: { path: MODULE },
      to: { path: '^src/', pathNot: ['^src/$1/', MODULE_INDEX] },
    },
    {
      name: 'engine-depends-on-nothing',
      severity: 'error',
      comment:
        'The engine is the core: it reaches storage, applications and other departments only through its ports. ' +
        'One package is allowed: quickjs-emscripten, the sandbox XPDL JavaScript runs in (src/engine/script).',
      from: { path: '^src/engine/' },
      to: { pathNot: ['^src/engine/', '^node_modules/quickjs-emscripten(-core)?/'], dependencyTypesNot: ['core', 'type-only'] },
    },
    {
      name: 'engine-types-from-engine-only',
      severity: 'error',
      comment: 'Not even types: the engine knows no other module of Interflow.',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: '^src/engine/' },
    },
    {
      name: 'soap-is-a-leaf',
      severity: 'error',
      comment:
        'The SOAP layer knows no other module: metrics and error mapping reach it as hooks (SoapOptions.observe, mapError) from the composition root.',
      from: { path: '^src/services/soap/' },
      to: { path: '^src/', pathNot: '^src/services/soap/' },
    },
    {
      name: 'app-is-the-root',
      severity: 'error',
      comment: 'src/app wires every module together; only the CLI (its front end) may import it.',
      from: { path: '^src/', pathNot: '^src/(app|cli)/' },
      to: { path: '^src/app/' },
    },
    {
      name: 'storage-behind-ports',
      severity: 'error',
      comment:
        'The registry and transfer declare their repository ports (src/registry/repository.ts, src/transfer/repository.ts) and the database is reached only through them: ' +
        'their TypeORM implementations live in src/persistence (registry-repository.ts, transfer-repositories.ts), which the composition root wires in.',
      from: { path: '^src/(registry|transfer)/' },
      to: { path: ['^src/persistence/', '^node_modules/typeorm/'] },
    },
    {
      name: 'cli-is-the-top',
      severity: 'error',
      comment: 'Nothing in src/ imports the CLI: a child process runs it (federation/supervisor names src/cli/cli-entry.ts by path).',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'http-listens-only',
      severity: 'error',
      comment: 'services/http keeps listening, TLS, request logging and the security hooks; it builds no server of a department or hub.',
      from: { path: '^src/services/http/' },
      to: { path: '^src/(app|cli|console|monitoring|registry|binding|transfer|federation|services/(process|wfxml))/' },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Production code never imports tests, benchmarks or their support.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'src-not-to-dev-dependencies',
      severity: 'error',
      comment: 'What src/ imports must be a runtime dependency in package.json (soap, mocha, chai … are for tests and benchmarks).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A source file nothing imports is dead code (entry points excepted).',
      from: { orphan: true, path: '^src/', pathNot: ['^src/cli/(main|cli-entry)\\.ts$', '\\.d\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.test.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^dist/' },
  },
};
