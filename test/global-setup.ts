import { Client } from 'pg';
import { findTemporalCli, MISSING_CLI_HELP } from '../src/temporal/cli';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { adminDatabaseUrl } from './helpers/db';

/**
 * Integration tests run against a real Temporal dev server (started here from the installed CLI, on free
 * ports) and real PostgreSQL. Missing either fails the run with how to fix it: nothing is skipped.
 */
export default async function globalSetup() {
  const pg = new Client({ connectionString: adminDatabaseUrl() });
  try {
    await pg.connect();
    await pg.query('select 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminDatabaseUrl()} (${(err as Error).message}). Start it ` +
        '(here: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set TEST_DATABASE_URL.',
      { cause: err },
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  if (!findTemporalCli()) throw new Error(MISSING_CLI_HELP);
  const port = await freePort();
  // With its Web UI: test/e2e/temporal-ui.test.ts looks at the pages an operator uses.
  const server = await startDevServer({ port, uiPort: await freePort(), headless: false });
  (globalThis as Record<string, unknown>).__TEMPORAL_DEV_SERVER__ = server;
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  if (server.uiUrl) process.env.TEST_TEMPORAL_UI_URL = server.uiUrl;
}
