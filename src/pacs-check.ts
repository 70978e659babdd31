/**
 * `npm run pacs-check -- <provider id> --badge <test number> [--badge-type <id>] [--access-rule <id>]…
 *  [--first <name>] [--last <name>] [--email <address>]`
 *
 * The dry run from a shell, for the first day on a real server (docs/operations.md): one complete provisioning
 * and deprovisioning of a test visitor on a reserved badge number, step by step, then clean-up. It runs in
 * this process against the database named by DATABASE_URL, with SECRETS_KEY to read the provider's password,
 * like src/worker.ts; run it where the PACS is reachable. Exit code 0 when every step passed.
 */
import { executeDryRun } from './domain/dry-run';
import { loadConfig } from './config';
import { loadSecretsKey } from './config/secrets';
import { openDatabase } from './db/client';
import { PacsRegistry } from './pacs/registry';

function parseArgs(argv: string[]) {
  const out: { providerId?: string; badge?: string; badgeType?: string; rules: string[]; first: string; last: string; email?: string } = {
    rules: [],
    first: 'Dry',
    last: 'Run',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--badge') out.badge = next();
    else if (a === '--badge-type') out.badgeType = next();
    else if (a === '--access-rule') out.rules.push(next());
    else if (a === '--first') out.first = next();
    else if (a === '--last') out.last = next();
    else if (a === '--email') out.email = next();
    else if (!a.startsWith('--') && !out.providerId) out.providerId = a;
    else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.providerId || !args.badge) {
    console.error(
      'usage: npm run pacs-check -- <provider id> --badge <reserved test number> [--badge-type <id>] [--access-rule <id>]… [--first <name>] [--last <name>] [--email <address>]',
    );
    process.exit(2);
  }
  const config = loadConfig();
  const db = await openDatabase(config.database);
  const pacs = new PacsRegistry(db.prisma, loadSecretsKey(config));
  try {
    const r = await executeDryRun(db.prisma, pacs, {
      providerId: args.providerId,
      visitor: { firstName: args.first, lastName: args.last, email: args.email ?? null },
      badgeNumber: args.badge,
      badgeTypeId: args.badgeType ?? null,
      accessRuleIds: args.rules,
    });
    for (const s of r.steps) {
      console.log(`${s.skipped ? '-' : s.ok ? '✓' : '✗'} ${s.name}${s.form ? ` [${s.form}]` : ''}: ${s.answer}`);
      if (!s.ok && s.whatToDo) console.log(`    what to do: ${s.whatToDo}`);
    }
    if (Object.keys(r.settingsRecorded).length) console.log(`Recorded in the provider's settings: ${JSON.stringify(r.settingsRecorded)}`);
    console.log(r.ok ? 'Dry run passed.' : `Dry run FAILED${r.cleanedUp ? '' : ' and the clean-up is incomplete (see above)'}.`);
    process.exitCode = r.ok ? 0 : 1;
  } finally {
    await pacs.closeAll();
    await db.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
