import { parseArgs } from 'node:util';
import { startGenetecSimulator } from './genetec/server';
import { startOnGuardSimulator } from './onguard/server';

const USAGE = `usage: npm run simulator -- <onguard|genetec> [--port n] [--host h] [--username u] [--password p] [--application-id id] [--tls]

Starts one bundled PACS simulator on its own. Defaults: OnGuard on 18080 (admin / onguard-sim-password,
Application-Id OPEN_ACCESS_NON_PRODUCTION); Genetec on 14590 (admin / genetec-sim-password, application ID
VB-SIMULATOR-APP-ID). Controls live under /__sim (see docs/pacs/*-simulator.md).`;

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'application-id': { type: 'string' },
      tls: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const kind = positionals[0];
  if (values.help || (kind !== 'onguard' && kind !== 'genetec')) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const port = values.port !== undefined ? Number(values.port) : kind === 'onguard' ? 18080 : 14590;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number, got "${values.port}"`);
    process.exit(2);
  }
  const opts = {
    port,
    host: values.host,
    tls: values.tls,
    username: values.username,
    password: values.password,
    applicationId: values['application-id'],
  };
  const sim = kind === 'onguard' ? await startOnGuardSimulator(opts) : await startGenetecSimulator(opts);
  console.log(`${kind} simulator listening: provider URL ${sim.providerUrl}`);
  console.log(`  username ${sim.credentials.username}, application ID ${sim.credentials.applicationId} (password as configured)`);
  if (sim.fingerprint256) console.log(`  TLS certificate SHA-256 fingerprint ${sim.fingerprint256}`);
  console.log(`  controls: ${sim.origin}/__sim/state, /__sim/faults, /__sim/stats, /__sim/reset`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
