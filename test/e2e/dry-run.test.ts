import { execFile } from 'node:child_process';
import path from 'node:path';
import { pacsBadge, pacsPeopleNamed } from '../helpers/pacs-state';
import { startVisitEnv, type VisitEnv } from '../helpers/visit-env';

// The first-day dry run through the API, a real Temporal server (dryRun workflow on the provider's queue) and
// each simulator over HTTP.
describe.each(['onguard', 'genetec'] as const)('dry run on %s', (kind) => {
  let env: VisitEnv;
  const base = kind === 'onguard' ? 1180 : 2980;
  beforeAll(async () => {
    env = await startVisitEnv(kind);
  }, 120_000);
  afterAll(() => env?.close());

  const dryRun = (body: Record<string, unknown>, token?: string) => env.api.call('POST', `/v1/providers/${env.providerId}/dry-run`, { body, token });

  it('provisions and deprovisions a test visitor step by step, then leaves nothing behind', async () => {
    const badgeNumber = String(base + 1);
    const r = await dryRun({ visitor: { firstName: 'Dry', lastName: `Run${kind}` }, badgeNumber, accessRuleIds: env.accessRuleIds });
    expect(r.status).toBe(200);
    expect(r.body.steps.filter((s: any) => !s.ok)).toEqual([]);
    expect(r.body).toMatchObject({ ok: true, cleanedUp: true, providerId: env.providerId });
    const names = r.body.steps.map((s: any) => s.name);
    expect(names).toEqual([
      'test connection',
      'look up the test badge number',
      'create the test visitor',
      'issue the credential',
      'read the credential back',
      'grant the access rules',
      'revoke the access rules',
      'deactivate the credential',
      'clean up',
    ]);
    expect(r.body.steps.every((s: any) => s.ok)).toBe(true);
    // Every step that ran names the request form it sent.
    expect(r.body.steps.filter((s: any) => !s.skipped && !s.form)).toEqual([]);
    if (kind === 'genetec') {
      expect(r.body.steps.find((s: any) => s.name === 'issue the credential').form).toMatch(/^genetecCredentialForm=undecoded: Format=<UndecodedWiegand>/);
      expect(r.body.settingsRecorded).toEqual({ genetecCredentialForm: 'undecoded' });
    }
    expect(await pacsBadge(env, badgeNumber)).toMatchObject({ exists: false });
    expect(await pacsPeopleNamed(env, `Run${kind}`)).toBe(0);
  });

  it('refuses a test number outside the badge type range, and non-admins', async () => {
    const r = await dryRun({ visitor: { firstName: 'Dry', lastName: 'Range' }, badgeNumber: '99999999999', badgeTypeId: env.badgeTypeId });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    expect(r.body.steps).toEqual([expect.objectContaining({ name: 'check the test badge number', ok: false, code: 'BADGE_ID_OUT_OF_RANGE' })]);
    expect((await dryRun({ visitor: { firstName: 'A', lastName: 'B' }, badgeNumber: String(base + 2) }, env.receptionist.token)).status).toBe(403);
    expect((await dryRun({ visitor: { firstName: 'A', lastName: 'B' }, badgeNumber: 'abc' })).status).toBe(400);
  });

  it('npm run pacs-check runs the same dry run from a shell (DATABASE_URL, SECRETS_KEY) and exits 0', async () => {
    const badgeNumber = String(base + 5);
    const root = path.resolve(__dirname, '../..');
    const env2: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: env.api.db.url, SECRETS_KEY: env.api.secretsKey.toString('base64'), LOG_LEVEL: 'warn' };
    delete env2.TEMPORAL_ADDRESS;
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        path.join(root, 'node_modules/.bin/tsx'),
        ['src/pacs-check.ts', env.providerId, '--badge', badgeNumber, '--badge-type', env.badgeTypeId, '--last', 'Cli'],
        { cwd: root, env: env2, timeout: 90_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as any).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/✓ issue the credential/);
    expect(out.stdout).toMatch(/Dry run passed\./);
    expect(out.code).toBe(0);
    expect(await pacsBadge(env, badgeNumber)).toMatchObject({ exists: false });
    expect(await pacsPeopleNamed(env, 'Cli')).toBe(0);
  }, 120_000);

  if (kind === 'genetec') {
    it('a server refusing the decoded form: reports it, switches to the undecoded form and records it', async () => {
      const patched = await env.api.call('PATCH', `/v1/providers/${env.providerId}`, { body: { settings: { genetecCredentialForm: 'decoded' } } });
      expect(patched.status).toBe(200);
      await env.simCall('PUT', '/__sim/config', { refuseDecodedCredentialFormat: true });
      try {
        const badgeNumber = String(base + 3);
        const r = await dryRun({ visitor: { firstName: 'Dry', lastName: 'Refused' }, badgeNumber });
        expect(r.status).toBe(200);
        expect(r.body.ok).toBe(true);
        const lookups = r.body.steps.filter((s: any) => s.name === 'look up the test badge number');
        expect(lookups[0]).toMatchObject({ ok: false, code: 'PACS_VALIDATION', form: expect.stringMatching(/^genetecCredentialForm=decoded/) });
        expect(lookups[0].whatToDo).toMatch(/refused this request form; trying genetecCredentialForm=undecoded/);
        expect(lookups[1]).toMatchObject({ ok: true, form: expect.stringMatching(/^genetecCredentialForm=undecoded/) });
        expect(r.body.steps.find((s: any) => s.name === 'issue the credential')).toMatchObject({ ok: true, form: expect.stringMatching(/undecoded/) });
        expect(r.body.settingsRecorded).toEqual({ genetecCredentialForm: 'undecoded' });
        const provider = await env.api.call('GET', `/v1/providers/${env.providerId}`);
        expect(provider.body.settings).toMatchObject({ genetecCredentialForm: 'undecoded' });
        expect(await pacsBadge(env, badgeNumber)).toMatchObject({ exists: false });
      } finally {
        await env.simCall('PUT', '/__sim/config', { refuseDecodedCredentialFormat: false });
      }
    });

    it('a step that fails midway is reported with what to do, and the clean-up still removes everything', async () => {
      await env.simCall('POST', '/__sim/fail-next', {
        sdkErrorCode: 'InvalidOperation',
        message: 'Injected: the user may not change group membership',
        pathFilter: 'entity',
        methodFilter: 'POST',
        queryFilter: 'AddCardholderIntoGroup',
        count: 3,
      });
      const badgeNumber = String(base + 4);
      const r = await dryRun({ visitor: { firstName: 'Dry', lastName: 'Midway' }, badgeNumber, accessRuleIds: env.accessRuleIds });
      await env.simCall('DELETE', '/__sim/fail-next');
      expect(r.body.ok).toBe(false);
      const grant = r.body.steps.find((s: any) => s.name === 'grant the access rules');
      expect(grant).toMatchObject({ ok: false, code: 'PACS_VALIDATION' });
      expect(grant.answer).toMatch(/group membership/);
      expect(grant.whatToDo).toBeTruthy();
      expect(r.body.steps[r.body.steps.length - 1]).toMatchObject({ name: 'clean up', ok: true });
      expect(r.body.cleanedUp).toBe(true);
      expect(await pacsBadge(env, badgeNumber)).toMatchObject({ exists: false });
      expect(await pacsPeopleNamed(env, 'Midway')).toBe(0);
    });
  }
});
