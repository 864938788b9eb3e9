// Regenerates src/api/schema.gen.ts from the server's OpenAPI document:
//
//   npm run gen:api                                  # http://localhost:8080/api/openapi.json
//   npm run gen:api -- http://127.0.0.1:18080/api/openapi.json
//   npm run gen:api -- ./openapi.json
//
// openapi-typescript 7 needs the TypeScript 5 compiler API, which this app's
// TypeScript 7 does not provide, so it runs through npx with its own
// TypeScript beside it instead of being a dependency of the app. The output is
// types only (no runtime code) and is committed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const source = process.argv[2] || process.env.SWITCHYARD_OPENAPI || 'http://localhost:8080/api/openapi.json';
const out = fileURLToPath(new URL('../src/api/schema.gen.ts', import.meta.url));
execFileSync(
  'npx',
  ['--yes', '-p', 'openapi-typescript@7', '-p', 'typescript@5', 'openapi-typescript', source, '-o', out],
  { stdio: 'inherit' },
);
