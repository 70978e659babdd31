/**
 * `npm run chaos`: the service under faults, in separate processes, with invariant checks. Prints a figure
 * line and a report; exits 1 on any violation, 2 when the run itself could not be carried out.
 *
 *   npm run chaos -- [--visits 500] [--concurrency 24] [--small] [--seed n] [--without drops,kills,…] [--keep] [--quiet]
 *
 * Fault kinds for --without: latency, errors, outages, drops, refusal, kills, temporal, cancels, terminates,
 * replays. docs/development.md ("Chaos runs") explains what runs and how to read the output.
 */
import { parseArgs } from 'node:util';
import { defaultOptions, FAULT_KINDS, smallOptions, type ChaosOptions, type FaultKind } from './options';
import { runChaos } from './harness';

async function main() {
  const { values } = parseArgs({
    options: {
      visits: { type: 'string' },
      concurrency: { type: 'string' },
      small: { type: 'boolean', default: false },
      seed: { type: 'string' },
      without: { type: 'string' },
      kills: { type: 'string' },
      'settle-seconds': { type: 'string' },
      keep: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      `usage: npm run chaos -- [--visits N] [--concurrency N] [--small] [--seed N] [--without ${FAULT_KINDS.join(',')}] [--kills N] [--settle-seconds N] [--keep] [--quiet]\n`,
    );
    return 0;
  }
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${v}"`);
    return n;
  };
  const without = (values.without ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const w of without)
    if (!(FAULT_KINDS as readonly string[]).includes(w)) throw new Error(`--without: unknown fault "${w}" (known: ${FAULT_KINDS.join(', ')})`);
  const over: Partial<ChaosOptions> = {
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, !without.includes(k)])) as Record<FaultKind, boolean>,
    keep: values.keep,
    verbose: !values.quiet,
  };
  const visits = num('visits', values.visits);
  if (visits !== undefined) over.visits = Math.max(1, visits);
  const concurrency = num('concurrency', values.concurrency);
  if (concurrency !== undefined) over.concurrency = Math.max(1, concurrency);
  const seed = num('seed', values.seed);
  if (seed !== undefined) over.seed = seed;
  const kills = num('kills', values.kills);
  if (kills !== undefined) over.serviceKills = kills;
  const settle = num('settle-seconds', values['settle-seconds']);
  if (settle !== undefined) over.settleMs = settle * 1000;
  const opts = values.small ? smallOptions(over) : defaultOptions(over);
  if (opts.badgesPerProvider < opts.concurrency) opts.badgesPerProvider = opts.concurrency + 8;

  let aborting = false;
  const result = await runChaos(opts, {
    onAbortSignal: (abort) => {
      const stop = (sig: string) => {
        if (aborting) return;
        aborting = true;
        process.stderr.write(`\n${sig}: stopping every process of the run…\n`);
        void abort().finally(() => process.exit(130));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
  });
  process.stdout.write(`\n${result.report}\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`chaos run could not complete: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
