import client from 'prom-client';

/**
 * Prometheus metrics on prom-client, with its default process metrics (CPU, memory, event loop lag,
 * handles, GC). A thin layer keeps the route files' style: `counter`/`gauge` handles with
 * `inc`/`set`/`clear`, and `onCollect` for values read from the database at scrape time. Those
 * collectors run from the gauges' prom-client `collect()`, once per scrape however many gauges they fill.
 */
export type Labels = Record<string, string>;

export interface MetricHandle {
  /** Adds `by` (1) to the series with these labels. */
  inc(labels?: Labels, by?: number): void;
  /** Sets the series with these labels; for counters, only for totals read from the database. */
  set(labels: Labels, value: number): void;
  /** Drops every series, e.g. before refilling them from the database. */
  clear(): void;
}

/** One histogram's data, computed outside prom-client (e.g. bucketed by the database). */
export interface HistogramData {
  /** Cumulative counts: for each upper bound `le`, how many observations are <= le. */
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sum: number;
  labels?: Labels;
}

export class Metrics {
  readonly registry = new client.Registry();
  private readonly collectors: Array<() => Promise<void>> = [];
  private pending: Promise<void> | undefined;
  private rendering = 0;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
  }

  counter(name: string, help: string, labelNames: string[] = []): MetricHandle {
    const c = new client.Counter({ name, help, labelNames, registers: [this.registry] });
    return {
      inc: (labels = {}, by = 1) => c.inc(labels, by),
      set: (labels, value) => {
        c.remove(labels);
        c.inc(labels, value);
      },
      clear: () => c.reset(),
    };
  }

  gauge(name: string, help: string, labelNames: string[] = []): MetricHandle {
    const g = new client.Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: async () => {
        await this.collectOnce();
      },
    });
    return { inc: (labels = {}, by = 1) => g.inc(labels, by), set: (labels, value) => g.set(labels, value), clear: () => g.reset() };
  }

  /**
   * A histogram whose buckets are computed at scrape time (from the database: the API does not see
   * the events it measures, the worker writes them). `read` returns one entry per label set.
   */
  histogramFrom(name: string, help: string, read: () => Promise<HistogramData[]>): void {
    this.registry.registerMetric({
      name,
      help,
      type: 'histogram',
      get: async () => {
        const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
        for (const h of await read().catch(() => [] as HistogramData[])) {
          const labels = h.labels ?? {};
          for (const b of h.buckets) values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: b.le }, value: b.count });
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
          values.push({ metricName: `${name}_sum`, labels, value: h.sum });
          values.push({ metricName: `${name}_count`, labels, value: h.count });
        }
        return { name, help, type: 'histogram', values, aggregator: 'sum' };
      },
    } as unknown as client.Metric);
  }

  /** Gauges computed at scrape time (e.g. visits per status from the database). */
  onCollect(fn: () => Promise<void>) {
    this.collectors.push(fn);
  }

  /**
   * Runs every collector once for the scrape in progress: the gauges' collect() calls of one
   * registry.metrics() share it, and render() (which runs it first, so that counters filled from the
   * database are current too) makes them skip it.
   */
  private collectOnce(): Promise<void> {
    if (this.rendering) return Promise.resolve();
    this.pending ??= Promise.all(this.collectors.map((c) => c().catch(() => undefined))).then(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    // Collectors that fill counters (reconciliation_actions_total) run even if no gauge is registered.
    await this.collectOnce();
    this.rendering++;
    try {
      return await this.registry.metrics();
    } finally {
      this.rendering--;
    }
  }
}
