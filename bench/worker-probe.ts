/**
 * `npm run worker` with a memory probe, for bench/memory.ts: asked over the IPC channel, it runs a full
 * garbage collection (node --expose-gc) and answers with its memory figures, so samples compare live memory
 * rather than whatever garbage the last collection left. (Not a signal: the Temporal runtime shuts the
 * worker down on SIGUSR2.)
 */
import { runWorker } from '../src/worker';

process.on('message', (m) => {
  if (m !== 'probe') return;
  (globalThis as { gc?: () => void }).gc?.();
  process.send?.({ probe: process.memoryUsage() });
});

// Exits once the worker has shut down: the open IPC channel would otherwise keep the process alive.
runWorker().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`Worker failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
