import fs from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const LOCAL_CLI = path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal');

/** Where the Temporal CLI is: TEMPORAL_CLI, then the project's .tools/bin (npm run setup), then PATH. */
export function findTemporalCli(explicit?: string): string | null {
  const candidates = [explicit, process.env.TEMPORAL_CLI, LOCAL_CLI];
  for (const c of candidates) if (c && isExecutable(c)) return c;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const c = path.join(dir, 'temporal');
    if (dir && isExecutable(c)) return c;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export const MISSING_CLI_HELP =
  'The Temporal CLI (which contains the dev server) was not found. Run `npm run setup`, which installs it ' +
  'into .tools/bin with Go, or set TEMPORAL_CLI to an existing `temporal` binary.';
