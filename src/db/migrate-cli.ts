import { loadConfig } from '../config';
import { openDatabase } from './client';

// `npm run migrate`: apply pending migrations to the configured database and exit.
async function main() {
  const db = await openDatabase(loadConfig().database);
  await db.close();
  console.log('migrations applied');
}
main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
