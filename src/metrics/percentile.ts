/** A latency percentile, computed with `histogram_quantile` from histogram buckets. */
export enum Percentile {
  /** The median. */
  P50 = 'p50',
  /** The 95th percentile. */
  P95 = 'p95',
  /** The 99th percentile. */
  P99 = 'p99',
}
