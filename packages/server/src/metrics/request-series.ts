import type { Metric, Registry } from 'prom-client'

/** One label set of a {@link LabelledCounter}: counting is `series.value++`. */
export interface CounterSeries {
  readonly labels: Readonly<Record<string, string>>
  value: number
}

/** One label set of a {@link LabelledHistogram}: observing is a bucket search and three additions. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly perBucket: number[]
  sum: number
  count: number
}

interface MetricText {
  name: string
  help: string
  type: 'counter' | 'histogram'
  aggregator: 'sum'
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[]
}

/**
 * A Prometheus metric whose label sets are looked up once and then kept: updating a series is plain
 * arithmetic, where prom-client's own metrics (children included) validate and hash the labels on every
 * call, several microseconds per proxied call for the per-request metrics. It registers in a prom-client
 * `Registry` like prom-client's own metrics (the registry only calls `get()` and `reset()`), so the
 * exposition is prom-client's.
 */
abstract class KeptSeriesMetric<Series extends { readonly labels: Readonly<Record<string, string>> }> {
  abstract readonly type: MetricText['type']
  readonly aggregator = 'sum'
  protected readonly kept = new Map<string, Series>()

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric)
  }

  /** The series of one label set, created empty the first time; `key` identifies the label set. */
  series(key: string, labels: Record<string, string>): Series {
    let found = this.kept.get(key)
    if (found === undefined) {
      found = this.create(labels)
      this.kept.set(key, found)
    }
    return found
  }

  /** For prom-client's registry. */
  async get(): Promise<MetricText> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.values(),
    }
  }

  /** For prom-client's registry (`resetMetrics()`). */
  reset(): void {
    this.kept.clear()
  }

  protected abstract create(labels: Record<string, string>): Series
  protected abstract values(): MetricText['values']
}

/** A Prometheus counter with kept label sets (see {@link KeptSeriesMetric}): `series.value++` counts. */
export class LabelledCounter extends KeptSeriesMetric<CounterSeries> {
  readonly type = 'counter'

  protected create(labels: Record<string, string>): CounterSeries {
    return { labels, value: 0 }
  }

  protected values(): MetricText['values'] {
    return [...this.kept.values()].map((series) => ({ value: series.value, labels: series.labels }))
  }
}

/** A Prometheus histogram with kept label sets (see {@link KeptSeriesMetric}). */
export class LabelledHistogram extends KeptSeriesMetric<HistogramSeries> {
  readonly type = 'histogram'

  constructor(
    name: string,
    help: string,
    /** Upper bounds, ascending. */
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, registry)
  }

  observe(series: HistogramSeries, value: number): void {
    const { buckets } = this
    let bucket = 0
    while (bucket < buckets.length && value > buckets[bucket]!) bucket++
    series.perBucket[bucket]!++
    series.sum += value
    series.count++
  }

  protected create(labels: Record<string, string>): HistogramSeries {
    return { labels, perBucket: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 }
  }

  /** Cumulative `_bucket` lines, then `_sum` and `_count`, per label set. */
  protected values(): MetricText['values'] {
    const values: MetricText['values'] = []
    for (const series of this.kept.values()) {
      let cumulative = 0
      for (const [index, bound] of this.buckets.entries()) {
        cumulative += series.perBucket[index]!
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...series.labels, le: bound },
          value: cumulative,
        })
      }
      values.push(
        { metricName: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: series.count },
        { metricName: `${this.name}_sum`, labels: series.labels, value: series.sum },
        { metricName: `${this.name}_count`, labels: series.labels, value: series.count },
      )
    }
    return values
  }
}
