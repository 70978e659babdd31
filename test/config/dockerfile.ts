import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** The Dockerfile's instructions, one per entry, continuation lines joined and comments dropped. */
export function dockerfileInstructions(): string[] {
  return fs
    .readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** The image's command (exec form), as the container runs it from WORKDIR. */
export function dockerCmd(): string[] {
  const cmd = dockerfileInstructions()
    .filter((l) => l.startsWith('CMD '))
    .pop();
  if (!cmd) throw new Error('Dockerfile has no CMD');
  const argv = JSON.parse(cmd.slice(4)) as unknown;
  if (!Array.isArray(argv)) throw new Error('Dockerfile CMD must use the exec form (JSON array): the shell form puts sh in front of the service');
  return argv as string[];
}
