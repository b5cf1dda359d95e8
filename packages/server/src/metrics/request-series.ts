import type { Metric, Registry } from 'prom-client'

/** One label set of a {@link LabelledCounter}: incrementing it is one addition. */
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
 * A Prometheus counter whose label sets are looked up once and then kept: `inc(series)` is one
 * addition, where prom-client's `Counter` (children included) validates and hashes the labels on every
 * call. Per-request metrics cost several microseconds per proxied call that way. It registers in a
 * prom-client `Registry` like prom-client's own metrics (the registry only calls `get()` and
 * `reset()`), so the exposition is prom-client's.
 */
export class LabelledCounter {
  readonly type = 'counter'
  readonly aggregator = 'sum'
  readonly #series = new Map<string, CounterSeries>()

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric)
  }

  /** The series of one label set, created at zero the first time; `key` identifies the label set. */
  series(key: string, labels: Record<string, string>): CounterSeries {
    let found = this.#series.get(key)
    if (found === undefined) {
      found = { labels, value: 0 }
      this.#series.set(key, found)
    }
    return found
  }

  /** For prom-client's registry. */
  async get(): Promise<MetricText> {
    const values = [...this.#series.values()].map((series) => ({
      value: series.value,
      labels: series.labels,
    }))
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** For prom-client's registry (`resetMetrics()`). */
  reset(): void {
    this.#series.clear()
  }
}

/** A Prometheus histogram with kept label sets; see {@link LabelledCounter} for why. */
export class LabelledHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #series = new Map<string, HistogramSeries>()

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending. */
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric)
  }

  /** The series of one label set, created empty the first time; `key` identifies the label set. */
  series(key: string, labels: Record<string, string>): HistogramSeries {
    let found = this.#series.get(key)
    if (found === undefined) {
      found = { labels, perBucket: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 }
      this.#series.set(key, found)
    }
    return found
  }

  observe(series: HistogramSeries, value: number): void {
    const { buckets } = this
    let bucket = 0
    while (bucket < buckets.length && value > buckets[bucket]!) bucket++
    series.perBucket[bucket]!++
    series.sum += value
    series.count++
  }

  /** For prom-client's registry: cumulative `_bucket` lines, then `_sum` and `_count`, per label set. */
  async get(): Promise<MetricText> {
    const values: MetricText['values'] = []
    for (const series of this.#series.values()) {
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
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** For prom-client's registry (`resetMetrics()`). */
  reset(): void {
    this.#series.clear()
  }
}
