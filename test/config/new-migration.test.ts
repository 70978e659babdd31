import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * scripts/new-migration.js is how a schema change becomes a migration (docs/development.md). It runs
 * Prisma 6's diff offline; these check it produces SQL and writes nothing when there is nothing to migrate.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA = fs.readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-new-migration-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'new-migration.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('scripts/new-migration.js', () => {
  it('prints the SQL that takes the previous schema to the current one', () => {
    // "Before", the schema had one more model: the migration must drop its table.
    const before = path.join(tmp, 'before.prisma');
    fs.writeFileSync(before, `${SCHEMA}\nmodel ZzRetired {\n  id Int @id\n}\n`);
    const r = run(['retire_model', '--from-file', before, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/DROP TABLE "ZzRetired"/);
  });

  it('writes no migration when schema.prisma has not changed', () => {
    const same = path.join(tmp, 'same.prisma');
    fs.writeFileSync(same, SCHEMA);
    const before = fs.readdirSync(path.join(ROOT, 'prisma', 'migrations'));
    const r = run(['nothing_to_do', '--from-file', same]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no changes');
    expect(fs.readdirSync(path.join(ROOT, 'prisma', 'migrations'))).toEqual(before);
  });

  it('rejects a name that would not sort or read well as a directory', () => {
    const r = run(['Add Visit Note']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/lower_snake_case/);
  });
});
