import { CANARY_HASH, END_TIME, SCENARIOS, ScenarioName, STABLE_HASH } from './openmetrics';
import { argoResult, measure, resolveArgs, startPrometheus, useScenarioServer } from './server';

const server = useScenarioServer();

const sel = (scenario: ScenarioName, hash = CANARY_HASH, extra = '') =>
  `namespace="${SCENARIOS[scenario].namespace}",rollouts_pod_template_hash="${hash}"${extra}`;
const INFERENCE = ',handler="/v1/chat/completions"';
const requestRate = (s: ScenarioName, hash?: string) => `sum(rate(http_requests_total{${sel(s, hash, INFERENCE)}}[5m]))`;
const quantile = (q: number, metric: string, s: ScenarioName, hash?: string) =>
  `histogram_quantile(${q}, sum by (le) (rate(vllm:${metric}_bucket{${sel(s, hash)}}[5m])))`;
const values = async (promql: string) => (await server().query(promql)).values;

describe('backfilled scenarios', () => {
  test('queries run at the last sample', () => {
    expect(server().evalTime).toBe(END_TIME);
    expect(server().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test.each([
    // scenario, hash, req/s, e2e p99, TTFT p95, ITL p95, queue, KV cache (the table in openmetrics.ts)
    ['healthy', CANARY_HASH, 2, 4, 0.3, 0.04955, 1, 0.5],
    ['healthy', STABLE_HASH, 8, 4, 0.3, 0.04955, 1, 0.5],
    ['errors5x', CANARY_HASH, 2, 4, 0.3, 0.04955, 1, 0.5],
    ['slowP99', CANARY_HASH, 2, 16, 1.3, 0.1982, 1, 0.5],
    ['saturated', CANARY_HASH, 2, 4, 0.3, 0.04955, 50, 0.99],
  ] as const)('%s %s: %d req/s, e2e p99 %d s, TTFT p95 %d s, ITL p95 %d s, queue %d, KV %d',
    async (s, hash, rate, e2eP99, ttftP95, itlP95, queue, kv) => {
      expect(await values(requestRate(s, hash))).toEqual([expect.closeTo(rate, 9)]);
      expect(await values(quantile(0.99, 'e2e_request_latency_seconds', s, hash))).toEqual([expect.closeTo(e2eP99, 3)]);
      expect(await values(quantile(0.95, 'time_to_first_token_seconds', s, hash))).toEqual([expect.closeTo(ttftP95, 3)]);
      expect(await values(quantile(0.95, 'inter_token_latency_seconds', s, hash))).toEqual([expect.closeTo(itlP95, 4)]);
      expect(await values(`vllm:num_requests_waiting{${sel(s, hash)}}`)).toEqual([queue]);
      expect(await values(`vllm:kv_cache_usage_perc{${sel(s, hash)}}`)).toEqual([kv]);
    });

  test('healthy e2e p95 is 2.4 s on both versions', async () => {
    expect(await values(quantile(0.95, 'e2e_request_latency_seconds', 'healthy'))).toEqual([expect.closeTo(2.4, 9)]);
    expect(await values(quantile(0.95, 'e2e_request_latency_seconds', 'healthy', STABLE_HASH))).toEqual([expect.closeTo(2.4, 9)]);
  });

  test('a version without errors has no 5xx series, so an unguarded error ratio is empty', async () => {
    expect(await values(`http_requests_total{${sel('healthy', CANARY_HASH, ',status="5xx"')}}`)).toEqual([]);
    expect(await values(`http_requests_total{${sel('healthy', CANARY_HASH, ',status="2xx"' + INFERENCE)}}`)).toHaveLength(1);
    expect(await values(`sum(rate(http_requests_total{${sel('healthy', CANARY_HASH, ',status="5xx"')}}[5m])) / ${requestRate('healthy')}`)).toEqual([]);
  });

  test('errors5x: canary 5 %, stable 1 %', async () => {
    const ratio = (hash: string) =>
      `sum(rate(http_requests_total{${sel('errors5x', hash, ',status="5xx"')}}[5m])) / ${requestRate('errors5x', hash)}`;
    expect(await values(ratio(CANARY_HASH))).toEqual([expect.closeTo(0.05, 9)]);
    expect(await values(ratio(STABLE_HASH))).toEqual([expect.closeTo(0.01, 9)]);
  });

  test('onlyNonInference: the canary answers GET /v1/models only, which an all-handler ratio counts as 0 % errors', async () => {
    expect(await values(`sum(rate(http_requests_total{${sel('onlyNonInference', CANARY_HASH, ',handler="/v1/models"')}}[5m]))`)).toEqual([expect.closeTo(3, 9)]);
    expect(await values(requestRate('onlyNonInference'))).toEqual([0]);
    expect(await values(`(sum(rate(http_requests_total{${sel('onlyNonInference', CANARY_HASH, ',status="5xx"')}}[5m])) or vector(0)) / sum(rate(http_requests_total{${sel('onlyNonInference')}}[5m]))`)).toEqual([0]);
  });

  test('scrapedOnce has one canary sample, scrapedTwice two: rate() needs two', async () => {
    expect(await values(`count_over_time(vllm:num_requests_waiting{${sel('scrapedOnce')}}[30m])`)).toEqual([1]);
    expect(await values(requestRate('scrapedOnce'))).toEqual([]);
    expect(await values(`count_over_time(vllm:num_requests_waiting{${sel('scrapedTwice')}}[30m])`)).toEqual([2]);
    expect(await values(`sum(irate(http_requests_total{${sel('scrapedTwice', CANARY_HASH, INFERENCE)}}[5m]))`)).toEqual([expect.closeTo(2, 9)]);
  });

  test('noTraffic: the canary exists with a zero rate, NaN quantiles and idle gauges', async () => {
    expect(await values(requestRate('noTraffic'))).toEqual([0]);
    expect(await values(quantile(0.95, 'e2e_request_latency_seconds', 'noTraffic'))).toEqual([NaN]);
    expect(await values(`(sum(rate(http_requests_total{${sel('noTraffic', CANARY_HASH, ',status="5xx"')}}[5m])) or vector(0)) / ${requestRate('noTraffic')}`)).toEqual([NaN]);
    expect(await values(`vllm:num_requests_running{${sel('noTraffic')}}`)).toEqual([0]);
  });

  test('canaryAbsent: every canary selector is empty, the stable is served', async () => {
    expect(await values(`{${sel('canaryAbsent')}}`)).toEqual([]);
    expect(await values(quantile(0.95, 'e2e_request_latency_seconds', 'canaryAbsent'))).toEqual([]);
    expect(await values(requestRate('canaryAbsent', STABLE_HASH))).toEqual([expect.closeTo(8, 9)]);
  });
});

describe('query results as Argo sees them', () => {
  test('scalars and special values', async () => {
    const inf = await server().query('1/0');
    expect(inf).toEqual({ resultType: 'scalar', values: [Infinity] });
    expect(argoResult(inf)).toBe(Infinity);
    expect(argoResult(await server().query('-1/0'))).toBe(-Infinity);
    expect(argoResult(await server().query('vector(0)/0'))).toEqual([NaN]);
    expect(argoResult(await server().query(`scalar(${requestRate('canaryAbsent')})`))).toBeNaN();
  });

  test('a vector is an array, empty when nothing matches', async () => {
    expect(argoResult(await server().query(requestRate('healthy')))).toEqual([expect.closeTo(2, 9)]);
    expect(argoResult(await server().query(requestRate('canaryAbsent')))).toEqual([]);
  });

  test('Prometheus errors and range vectors reject', async () => {
    await expect(server().query('sum(')).rejects.toThrow(/bad_data/);
    await expect(server().query('up[5m]')).rejects.toThrow(/metric type not supported: matrix/);
  });
});

describe('measure', () => {
  const errorRatioGate = {
    successCondition: 'len(result) == 1 && result[0] <= {{args.max-error-ratio}}',
    failureCondition: 'len(result) == 1 && result[0] > {{args.max-error-ratio}}',
    provider: {
      prometheus: {
        query: '(sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{ args.canary-hash }}",handler="/v1/chat/completions",status="5xx"}[5m])) or vector(0))'
          + ' / sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{ args.canary-hash }}",handler="/v1/chat/completions"}[5m]))',
      },
    },
  };
  const args = (s: ScenarioName) => ({ 'namespace': SCENARIOS[s].namespace, 'canary-hash': CANARY_HASH, 'max-error-ratio': '0.02' });

  test.each([
    ['healthy', 'Successful', [0]],
    ['errors5x', 'Failed', [expect.closeTo(0.05, 9)]],
    ['noTraffic', 'Inconclusive', [NaN]],
    ['canaryAbsent', 'Inconclusive', []],
  ] as const)('an error-ratio gate on %s is %s', async (s, phase, value) => {
    expect(await measure(server(), errorRatioGate, args(s))).toEqual({ phase, value });
  });

  test('a failing query is an Error measurement', async () => {
    const m = await measure(server(), { successCondition: 'true', provider: { prometheus: { query: 'sum(' } } });
    expect(m.phase).toBe('Error');
    expect(m.message).toMatch(/bad_data/);
  });

  test('args resolve like Argo: trimmed tags, unknown tags throw', () => {
    expect(resolveArgs('a{{ args.x }}b{{args.x}}', { x: '1' })).toBe('a1b1');
    expect(() => resolveArgs('{{args.y}}', { x: '1' })).toThrow('failed to resolve {{args.y}}');
    expect(() => resolveArgs('{{inputs.x}}', { x: '1' })).toThrow('failed to resolve {{inputs.x}}');
  });
});

describe('startPrometheus', () => {
  test('serves any OpenMetrics text and stops', async () => {
    const prom = await startPrometheus('# TYPE up gauge\nup{job="x"} 1 1700000000\nup{job="x"} 0 1700000015\n# EOF\n');
    try {
      expect(prom.evalTime).toBe(1700000015);
      expect(await prom.query('up')).toEqual({ resultType: 'vector', values: [0] });
    } finally {
      await prom.stop();
    }
    await expect(fetch(`${prom.url}/-/ready`)).rejects.toThrow();
  });

  test('reports a failed backfill', async () => {
    await expect(startPrometheus('not openmetrics\n')).rejects.toThrow(/promtool backfill failed/);
  });

  test('says what to install when the binaries are missing', async () => {
    const saved = process.env.PROMTOOL;
    process.env.PROMTOOL = '/nonexistent/promtool';
    try {
      await expect(startPrometheus('# EOF\n')).rejects.toThrow(/install Debian's prometheus package/);
    } finally {
      if (saved === undefined) delete process.env.PROMTOOL;
      else process.env.PROMTOOL = saved;
    }
  });
});
