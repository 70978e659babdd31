import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { envSchema, loadConfig } from '../../src/config';
import { SEARCH_ATTRIBUTE_NAMES } from '../../src/workflows/search-attributes';
import { dockerCmd, dockerfileInstructions } from './dockerfile';

/**
 * No Docker engine runs where the tests run, so docker-compose.yml and the Dockerfile are checked here
 * against the code they deploy: a renamed variable, a wrong port or a missing search attribute would
 * otherwise only show up on someone's first `docker compose up`.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const compose = parseYaml(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'));
const services: Record<string, any> = compose.services;

/** What `docker compose` would substitute: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])((?:[^{}]|\{[^}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, name, colon, op, arg, bare) => {
      if (m === '$$') return '$';
      if (bare) return vars[bare] ?? '';
      const v = vars[name];
      const missing = colon ? !v : v === undefined;
      if (!op) return v ?? '';
      if (op === '-') return missing ? interpolate(arg, vars) : v!;
      if (op === '+') return missing ? '' : interpolate(arg, vars);
      if (missing) throw new Error(`required variable ${name} is missing: ${arg}`);
      return v!;
    },
  );
}

/** A service's environment with substitutions done, whether written as a map or as KEY=VALUE lines. */
function environment(service: string, vars: Record<string, string | undefined>): Record<string, string> {
  const env = services[service].environment ?? {};
  const entries: Array<[string, unknown]> = Array.isArray(env)
    ? env.map((line: string) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(env);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(String(v ?? ''), vars)]));
}

/** "8233:8080" / "127.0.0.1:8233:8080" / long syntax → { host, container }. */
function publishedPorts(service: string): Array<{ host: number; container: number }> {
  return (services[service].ports ?? []).map((p: string | { published: number | string; target: number }) => {
    if (typeof p === 'object') return { host: Number(p.published), container: Number(p.target) };
    const parts = String(p).split(':');
    return { host: Number(parts[parts.length - 2]), container: Number(parts[parts.length - 1]) };
  });
}

// What an operator exports before `docker compose up` (see the file's header).
const SAMPLE_VARS = {
  POSTGRES_PASSWORD: 'pgsecret42',
  ADMIN_TOKEN: 'a'.repeat(48),
  SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
};
const schemaKeys = Object.keys(envSchema.shape);
const appEnv = environment('app', SAMPLE_VARS);

describe('docker-compose.yml', () => {
  it('defines the production-like stack', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'grafana', 'postgres', 'prometheus', 'temporal', 'temporal-admin-tools', 'temporal-ui']);
    // Monitoring starts only on request (it needs a metrics token first): `docker compose up` is unchanged.
    const always = Object.keys(services).filter((s) => !services[s].profiles);
    expect(always.sort()).toEqual(['app', 'postgres', 'temporal', 'temporal-admin-tools', 'temporal-ui']);
    expect(services.postgres.image).toMatch(/^postgres:15/);
    expect(services.postgres.healthcheck?.test).toBeDefined();
    // PostgreSQL's data survives `docker compose down` (without -v).
    expect(services.postgres.volumes.some((v: string) => /:\/var\/lib\/postgresql\/data$/.test(v))).toBe(true);
    expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(services.app.build).toBeDefined();
  });

  it('gives the app only variables the configuration schema knows', () => {
    // A typo here (DATABASE_URI, TEMPORAL_HOST) would be silently ignored and the app would start embedded mode.
    const unknown = Object.keys(appEnv).filter((k) => !schemaKeys.includes(k));
    expect(unknown).toEqual([]);
  });

  it("gives the app an environment that the app's own schema accepts, in production mode", () => {
    const parsed = envSchema.safeParse(appEnv);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const config = loadConfig(appEnv);
    expect(config.env).toBe('production');
    expect(config.http.host).toBe('0.0.0.0'); // reachable from outside the container
    expect(config.database.kind).toBe('postgres');
    expect(config.temporal.address).not.toBeNull(); // no dev server inside the container
    expect(config.simulators.enabled).toBe(false);
    expect(config.demoSeed).toBe(false);
    expect(config.adminToken).toBe(SAMPLE_VARS.ADMIN_TOKEN);
    expect(config.secretsKey).toBe(SAMPLE_VARS.SECRETS_KEY);
  });

  it('refuses to start without the secrets instead of falling back to ephemeral ones', () => {
    for (const name of ['ADMIN_TOKEN', 'SECRETS_KEY', 'POSTGRES_PASSWORD'] as const) {
      const vars: Record<string, string | undefined> = { ...SAMPLE_VARS, [name]: undefined };
      expect(() => environment('app', vars)).toThrow(new RegExp(`required variable ${name}`));
    }
  });

  it('points DATABASE_URL at the postgres service with its credentials and database', () => {
    const url = new URL(appEnv.DATABASE_URL);
    const pg = environment('postgres', SAMPLE_VARS);
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('postgres');
    expect(url.port || '5432').toBe('5432');
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    // The app must not start before PostgreSQL accepts connections.
    expect(services.app.depends_on.postgres.condition).toBe('service_healthy');
  });

  it('persists Temporal in the same postgres service', () => {
    const t = environment('temporal', SAMPLE_VARS);
    const pg = environment('postgres', SAMPLE_VARS);
    expect(t.DB).toBe('postgres12');
    expect(t.POSTGRES_SEEDS).toBe('postgres');
    expect(t.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(t.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
  });

  it('points the app and the UI at the temporal service frontend on 7233, in one namespace', () => {
    expect(appEnv.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(environment('temporal-ui', SAMPLE_VARS).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(environment('temporal', SAMPLE_VARS).DEFAULT_NAMESPACE).toBe(loadConfig(appEnv).temporal.namespace);
  });

  it('publishes the ports the configuration documents as defaults', () => {
    const defaults = envSchema.parse({});
    expect(publishedPorts('app')).toEqual([{ host: defaults.PORT, container: loadConfig(appEnv).http.port }]);
    expect(publishedPorts('temporal-ui')).toEqual([{ host: defaults.TEMPORAL_UI_PORT, container: 8080 }]);
    expect(publishedPorts('temporal')).toEqual([{ host: defaults.TEMPORAL_DEV_PORT, container: 7233 }]);
  });

  it('registers exactly our search attributes, each as Keyword, before the app starts', () => {
    const admin = services['temporal-admin-tools'];
    const script = [admin.entrypoint, admin.command].flat().join(' ');
    const create = script.slice(script.indexOf('search-attribute create'));
    // The CLI pairs the n-th --name with the n-th --type: one --type for several names registers only the first.
    const flags = [...create.matchAll(/--(name|type)[ =](\S+)/g)].map((m) => [m[1], m[2]]);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < flags.length; i += 2) {
      expect([flags[i][0], flags[i + 1]?.[0]]).toEqual(['name', 'type']);
      pairs.push([flags[i][1], flags[i + 1][1]]);
    }
    expect(pairs.map(([n]) => n).sort()).toEqual([...SEARCH_ATTRIBUTE_NAMES].sort());
    expect(new Set(pairs.map(([, t]) => t))).toEqual(new Set(['Keyword']));
    expect(create).toMatch(/--namespace[ =]default\b/);
    expect(create).toMatch(/--address[ =]temporal:7233\b/);
    // Workflows that set an unregistered attribute fail, so the app waits for the registration to finish.
    expect(services.app.depends_on['temporal-admin-tools'].condition).toBe('service_completed_successfully');
  });
});

describe('Dockerfile', () => {
  const instructions = dockerfileInstructions();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

  it("builds on Node 20 and runs the command of package.json's start script", () => {
    expect(instructions[0]).toMatch(/^FROM node:20-slim\b/);
    const argv = dockerCmd();
    // `tsx src/main.ts` as npm runs it: the binary from node_modules/.bin, optionally through node.
    const command = (argv[0] === 'node' ? argv.slice(1) : argv).map((a, i) => (i === 0 ? a.replace(/^(\.\/)?node_modules\/\.bin\//, '') : a));
    expect(command.join(' ')).toBe(pkg.scripts.start);
    // How it stops on SIGTERM is checked by running this very command in test/e2e/start.test.ts.
  });

  it('installs from the lockfile and generates the Prisma client before starting', () => {
    const runs = instructions.filter((l) => l.startsWith('RUN ')).join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/node scripts\/prisma\.js generate|npm run prisma:generate/);
    // The app listens on the port compose publishes.
    expect(instructions).toContain(`EXPOSE ${loadConfig(appEnv).http.port}`);
  });

  it('keeps host-only files out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    // Host node_modules has binaries for the host platform; data holds the embedded database and secrets.key.
    for (const p of ['node_modules', '.tools', 'data', 'src/generated', '.env']) expect(ignored).toContain(p);
  });
});
