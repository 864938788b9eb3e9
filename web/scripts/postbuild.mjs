// Vite empties dist/ before each build (emptyOutDir), which removes the
// versioned placeholder the Go embed needs when no web build exists. Put it back.
import { writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const keep = fileURLToPath(new URL('../dist/.gitkeep', import.meta.url));
if (!existsSync(keep)) writeFileSync(keep, '');
