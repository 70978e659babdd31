import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestApi, type TestApi } from '../helpers/api';
import { createUser } from '../api/admin/helpers';

/**
 * deploy/: Prometheus rules and the Grafana dashboard parse, are mounted by docker-compose.yml, and name
 * only metrics the service exports (scraped from a running API), so a renamed metric cannot silently
 * disable an alert.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');

const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'rate',
  'irate',
  'increase',
  'delta',
  'histogram_quantile',
  'time',
  'absent',
  'abs',
  'clamp_min',
  'clamp_max',
  'offset',
  'bool',
]);

/** Metric names an expression reads: identifiers outside label matchers, groupings, strings and ranges. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const ids = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(ids.filter((id) => !PROMQL_WORDS.has(id) && !/^\d/.test(id)))];
}

/** Series names of a Prometheus text exposition: every `# TYPE` name, with _bucket/_sum/_count for histograms. */
function exported(text: string): Set<string> {
  const names = new Set<string>(['up']); // Prometheus's own, per target
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

describe('deploy/', () => {
  let api: TestApi;
  let names: Set<string>;
  beforeAll(async () => {
    api = await startTestApi();
    const token = (await createUser(api, 'Prometheus', ['viewMetrics'])).token;
    const r = await api.call('GET', '/metrics', { token });
    expect(r.status).toBe(200);
    names = exported(r.body as string);
  });
  afterAll(() => api.close());

  const alerts = parseYaml(read('deploy/prometheus/alerts.yml'));
  const rules: Array<{ alert: string; expr: string; for?: string; labels?: { severity?: string }; annotations?: Record<string, string> }> =
    alerts.groups.flatMap((g: { rules: unknown[] }) => g.rules);
  const dashboard = JSON.parse(read('deploy/grafana/visitor-badges.json'));
  const targets: Array<{ panel: string; expr: string }> = dashboard.panels.flatMap((p: { title: string; targets: Array<{ expr: string }> }) =>
    p.targets.map((t) => ({ panel: p.title, expr: t.expr })),
  );

  it('has the alerts operations asks for, each with a severity and what to do', () => {
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(byName.VisitDeprovisionOverdue).toMatchObject({ expr: 'max(visits_deprovision_overdue) > 0', for: '5m' });
    expect(byName.VisitSwitchOffFailing).toMatchObject({ expr: 'max(visits_switch_off_failing) > 0', for: '15m' });
    expect(byName.VisitorBadgesApiDown.expr).toMatch(/^up\{job="visitor-badges"\} == 0$/);
    expect(byName.ReconciliationStale.expr).toContain('reconciliation_last_success_timestamp_seconds');
    expect(byName.ReconciliationFindings.expr).toContain('reconciliation_findings');
    for (const r of rules) {
      expect({ alert: r.alert, severity: r.labels?.severity, summary: !!r.annotations?.summary, description: !!r.annotations?.description }).toEqual({
        alert: r.alert,
        severity: expect.stringMatching(/^(critical|warning)$/),
        summary: true,
        description: true,
      });
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('alerts and dashboard read only metrics the service exports', () => {
    const unknown = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
      ...targets.map((t) => ({ where: `panel ${t.panel}`, expr: t.expr })),
    ].flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((n) => !names.has(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(unknown).toEqual([]);
    // And they do read some: the extraction is not vacuous.
    expect(metricNames(rules.find((r) => r.alert === 'VisitSignInSlow')!.expr)).toEqual(['visits_sign_in_to_active_seconds_bucket']);
    expect(targets.length).toBeGreaterThanOrEqual(10);
  });

  it('gives every dashboard panel a unique id and the provisioned Prometheus datasource', () => {
    expect(dashboard.uid).toBe('visitor-badges');
    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const datasources = parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yml')).datasources;
    for (const p of dashboard.panels) expect(p.datasource).toEqual({ type: 'prometheus', uid: datasources[0].uid });
    expect(datasources[0].url).toBe('http://prometheus:9090');
  });

  it('is wired into docker-compose.yml', () => {
    const services = parseYaml(read('docker-compose.yml')).services;
    const prom = parseYaml(read('deploy/prometheus/prometheus.yml'));
    const mounts = (s: string) =>
      (services[s].volumes as Array<string | { source: string; target: string }>).map((v) =>
        typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : { source: v.source, target: v.target },
      );
    const target = (s: string, source: string) => mounts(s).find((m) => m.source === source)?.target;
    expect(target('prometheus', './deploy/prometheus/prometheus.yml')).toBe('/etc/prometheus/prometheus.yml');
    expect(prom.rule_files).toEqual([target('prometheus', './deploy/prometheus/alerts.yml')]);
    expect(target('prometheus', './deploy/prometheus/metrics-token')).toBe(prom.scrape_configs[0].authorization.credentials_file);
    expect(prom.scrape_configs[0]).toMatchObject({ job_name: 'visitor-badges', metrics_path: '/metrics', static_configs: [{ targets: ['app:3000'] }] });
    expect(target('grafana', './deploy/grafana/visitor-badges.json')).toBe(
      `${parseYaml(read('deploy/grafana/provisioning/dashboards/visitor-badges.yml')).providers[0].options.path}/visitor-badges.json`,
    );
    expect(target('grafana', './deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    // The API keeps host port 3000.
    expect(services.grafana.ports).not.toContain('3000:3000');
  });
});
