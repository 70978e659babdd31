import fs from 'node:fs';
import path from 'node:path';

export interface Persistable {
  /** Everything a restart must keep (entities, counters, switches), as plain JSON. */
  exportState(): unknown;
  /** Replaces the seed with a state exportState() produced. */
  importState(state: unknown): void;
}

export interface PersistedState {
  /** Writes the state now if it changed; then stops watching. */
  close(): void;
}

const VERSION = 1;

// OnGuard badge IDs beyond 2^53 are kept as BigInt; JSON has no such type.
const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v);
const reviver = (_k: string, v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $bigint?: unknown }).$bigint === 'string'
    ? BigInt((v as { $bigint: string }).$bigint)
    : v;

/**
 * Keeps an embedded simulator's state in a JSON file across restarts of `npm start`: loaded at start,
 * written (atomically) within a second of any change and on shutdown. Without it the simulators started
 * from their seed while the database still held active visits on badges they no longer had.
 */
export function persistState(target: Persistable, file: string, opts: { intervalMs?: number; onError?: (err: Error) => void } = {}): PersistedState {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file)) {
    try {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8'), reviver) as { version?: number; state?: unknown };
      if (saved.version === VERSION) target.importState(saved.state);
    } catch (err) {
      // A file from another version or a torn write: start from the seed rather than not at all.
      opts.onError?.(new Error(`could not load simulator state from ${file}, starting from the seed: ${(err as Error).message}`));
    }
  }
  let last = '';
  const save = () => {
    try {
      const text = JSON.stringify({ version: VERSION, state: target.exportState() }, replacer);
      if (text === last) return;
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, text, { mode: 0o600 });
      fs.renameSync(tmp, file);
      last = text;
    } catch (err) {
      opts.onError?.(err as Error);
    }
  };
  save();
  const timer = setInterval(save, opts.intervalMs ?? 1000);
  timer.unref();
  return {
    close() {
      clearInterval(timer);
      save();
    },
  };
}
