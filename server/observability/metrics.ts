/**
 * Process metrics in the Prometheus text exposition format (version 0.0.4), written by hand: counters, gauges and
 * histograms with fixed label names, plus collectors that read a value when the endpoint is scraped (queue depth,
 * running runs, the database pool). No dependency: the format is a few lines, and the registry lives on
 * `globalThis` so that every bundle of the Next server (route handlers, instrumentation) counts into one.
 *
 * Label values are bounded sets (route patterns, provider kinds, error kinds, statuses): never an id, a name that a
 * person typed, or any text of a prompt.
 */

type LabelValues = Record<string, string | number>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelKey(names: readonly string[], labels: LabelValues = {}): string {
  return names.map((n) => `${n}="${escapeLabel(String(labels[n] ?? ""))}"`).join(",");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  lines(): string[];
}

function sample(name: string, key: string, value: number): string {
  return `${name}${key ? `{${key}}` : ""} ${formatValue(value)}`;
}

export class Counter implements Metric {
  readonly type = "counter" as const;
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}
  inc(labels?: LabelValues, by = 1): void {
    const key = labelKey(this.labelNames, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels?: LabelValues): number {
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0;
  }
  lines(): string[] {
    return [...this.values].map(([key, value]) => sample(this.name, key, value));
  }
}

export class Gauge implements Metric {
  readonly type = "gauge" as const;
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}
  set(value: number, labels?: LabelValues): void {
    this.values.set(labelKey(this.labelNames, labels), value);
  }
  inc(labels?: LabelValues, by = 1): void {
    const key = labelKey(this.labelNames, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  dec(labels?: LabelValues, by = 1): void {
    this.inc(labels, -by);
  }
  get(labels?: LabelValues): number {
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0;
  }
  lines(): string[] {
    return [...this.values].map(([key, value]) => sample(this.name, key, value));
  }
}

export const DEFAULT_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export class Histogram implements Metric {
  readonly type = "histogram" as const;
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
    readonly buckets: readonly number[] = DEFAULT_SECONDS_BUCKETS,
  ) {}
  observe(value: number, labels?: LabelValues): void {
    const key = labelKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  /** observes the seconds `fn` took (also when it throws) */
  async time<T>(fn: () => Promise<T>, labels?: LabelValues): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      this.observe((performance.now() - started) / 1000, labels);
    }
  }
  count(labels?: LabelValues): number {
    return this.series.get(labelKey(this.labelNames, labels))?.count ?? 0;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [key, s] of this.series) {
      const prefix = key ? `${key},` : "";
      this.buckets.forEach((le, i) => out.push(`${this.name}_bucket{${prefix}le="${formatValue(le)}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${prefix}le="+Inf"} ${s.count}`);
      out.push(sample(`${this.name}_sum`, key, s.sum));
      out.push(sample(`${this.name}_count`, key, s.count));
    }
    return out;
  }
}

/** Reads values at scrape time (a database count, a pool's state); a failing collector is skipped and counted. */
export type Collector = () => Promise<void> | void;

class Registry {
  readonly metrics = new Map<string, Metric>();
  readonly collectors = new Map<string, Collector>();

  register<M extends Metric>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) return existing as M;
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** one collector per name: registering again replaces it (module reloads) */
  collect(name: string, collector: Collector): void {
    this.collectors.set(name, collector);
  }

  async exposition(): Promise<string> {
    for (const [name, collector] of this.collectors) {
      try {
        await collector();
      } catch {
        metrics.collectorErrors.inc({ collector: name });
      }
    }
    const out: string[] = [];
    for (const metric of this.metrics.values()) {
      out.push(`# HELP ${metric.name} ${metric.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
      out.push(`# TYPE ${metric.name} ${metric.type}`);
      out.push(...metric.lines());
    }
    return `${out.join("\n")}\n`;
  }
}

const globalForMetrics = globalThis as unknown as { cadreMetrics?: ReturnType<typeof createMetrics> };

function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    httpRequests: registry.register(
      new Counter("cadre_http_requests_total", "HTTP requests answered, by method, route pattern and status", ["method", "route", "status"]),
    ),
    httpDuration: registry.register(
      new Histogram("cadre_http_request_duration_seconds", "Time to the response's headers, by method and route pattern", ["method", "route"]),
    ),
    queuedRuns: registry.register(new Gauge("cadre_runs_queued", "Runs waiting to be claimed (all workspaces)")),
    runningRuns: registry.register(new Gauge("cadre_runs_running", "Runs being executed (all workspaces)")),
    executorRunning: registry.register(new Gauge("cadre_executor_running_runs", "Runs held by this process's in-process executor")),
    claimDuration: registry.register(
      new Histogram("cadre_executor_claim_duration_seconds", "Time of one claim of the in-process executor (one database round of the claim)"),
    ),
    runSteps: registry.register(new Counter("cadre_run_steps_total", "Step attempts executed by this process, by outcome", ["outcome"])),
    gatewayCalls: registry.register(new Counter("cadre_gateway_calls_total", "Model calls made by the gateway, by provider kind", ["provider"])),
    gatewayErrors: registry.register(new Counter("cadre_gateway_errors_total", "Failed model calls, by provider kind and failure kind", ["provider", "kind"])),
    openStreams: registry.register(new Gauge("cadre_event_streams_open", "Run event streams (SSE) open in this process")),
    poolWait: registry.register(
      new Histogram(
        "cadre_db_pool_wait_seconds",
        "Time spent waiting for a database connection from the pool",
        [],
        [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ),
    ),
    poolWaiting: registry.register(new Gauge("cadre_db_pool_waiting", "Requests waiting for a database connection now")),
    poolTotal: registry.register(new Gauge("cadre_db_pool_connections", "Open database connections in the pool, by state", ["state"])),
    retentionPurged: registry.register(new Counter("cadre_retention_purged_rows_total", "Rows deleted or cleared by the retention purge, by kind", ["kind"])),
    retentionLastRun: registry.register(new Gauge("cadre_retention_last_run_timestamp_seconds", "When the retention purge last finished (Unix time)")),
    retentionErrors: registry.register(new Counter("cadre_retention_errors_total", "Retention purges that failed")),
    collectorErrors: registry.register(new Counter("cadre_metrics_collector_errors_total", "Scrape-time collectors that failed", ["collector"])),
  };
}

/** The process's metrics (one registry per process, whatever the bundle). */
export const metrics: ReturnType<typeof createMetrics> = (globalForMetrics.cadreMetrics ??= createMetrics());
