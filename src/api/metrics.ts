/**
 * A minimal Prometheus text-format registry: counters and gauges with labels. Enough for request and
 * visit counters without another dependency.
 */
type Labels = Record<string, string>;

class Metric {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}
  private key(labels: Labels) {
    return JSON.stringify(Object.entries(labels).sort());
  }
  inc(labels: Labels = {}, by = 1) {
    const k = this.key(labels);
    const cur = this.values.get(k) ?? { labels, value: 0 };
    cur.value += by;
    this.values.set(k, cur);
  }
  set(labels: Labels, value: number) {
    this.values.set(this.key(labels), { labels, value });
  }
}

export class Metrics {
  private metrics: Metric[] = [];
  private collectors: Array<() => Promise<void>> = [];
  counter(name: string, help: string) {
    const m = new Metric(name, help, 'counter');
    this.metrics.push(m);
    return m;
  }
  gauge(name: string, help: string) {
    const m = new Metric(name, help, 'gauge');
    this.metrics.push(m);
    return m;
  }
  /** Gauges computed at scrape time (e.g. visits per status from the database). */
  onCollect(fn: () => Promise<void>) {
    this.collectors.push(fn);
  }
  async render(): Promise<string> {
    await Promise.all(this.collectors.map((c) => c().catch(() => undefined)));
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    return this.metrics
      .map((m) => {
        const lines = [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`];
        for (const { labels, value } of m.values.values()) {
          const l = Object.entries(labels)
            .map(([k, v]) => `${k}="${esc(v)}"`)
            .join(',');
          lines.push(`${m.name}${l ? `{${l}}` : ''} ${value}`);
        }
        return lines.join('\n');
      })
      .join('\n')
      .concat('\n');
  }
}
