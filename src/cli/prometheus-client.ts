import { Result } from './condition';

const QUERY_TIMEOUT_MS = 30_000;

/** An instant query's result as Argo's Prometheus provider hands it to conditions. */
export interface QueryValue {
  readonly result: Result;
  /** Label sets of a vector's samples, in the order of `result`. */
  readonly labels: ReadonlyArray<{ readonly [name: string]: string }>;
}

/** Prometheus answered, and rejected the query (Argo would record an Error measurement). */
export class PrometheusQueryError extends Error {}

/** Go's ParseFloat on Prometheus' formatting ("+Inf", "-Inf", "NaN"). */
function sample(text: string): number {
  return text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
}

/** Instant queries against one Prometheus, all at the same evaluation time. */
export class PrometheusClient {
  constructor(private readonly url: string, private readonly time: number) {}

  /**
   * Runs `promql`; rejects with a PrometheusQueryError for Prometheus' error or a result type Argo does not
   * support, and with the fetch error when Prometheus cannot be reached.
   */
  public async query(promql: string): Promise<QueryValue> {
    const response = await fetch(`${this.url.replace(/\/+$/, '')}/api/v1/query`, {
      method: 'POST',
      body: new URLSearchParams({ query: promql, time: String(this.time) }),
      signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: { status?: string; error?: string; errorType?: string; data?: { resultType: string; result: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${this.url} answered HTTP ${response.status} without JSON: is it Prometheus? (${text.slice(0, 200)})`);
    }
    if (body.status !== 'success' || !body.data) throw new PrometheusQueryError(`Prometheus ${body.errorType ?? 'error'}: ${body.error ?? text.slice(0, 200)}`);
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return { result: sample((result as [number, string])[1]), labels: [] };
    if (resultType === 'vector') {
      const samples = result as Array<{ metric: { [name: string]: string }; value: [number, string] }>;
      return { result: samples.map(s => sample(s.value[1])), labels: samples.map(s => s.metric) };
    }
    throw new PrometheusQueryError(`Prometheus metric type not supported by Argo Rollouts: ${resultType}`);
  }

  /** The number of series a `count(...)` query found (0 when it returned nothing). */
  public async count(promql: string): Promise<number> {
    const { result } = await this.query(promql);
    return typeof result === 'number' ? result : result[0] ?? 0;
  }
}
