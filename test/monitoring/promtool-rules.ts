/**
 * `promtool test rules` on a synthesized PrometheusRule: the rule groups are written as a rules file as
 * prometheus-operator hands them to Prometheus, and each scenario becomes a unit test with input series
 * and an `alert_rule_test` per alert name. Expected labels and annotations are derived from the rule so a
 * scenario only states what the data makes of it: the series labels of each firing alert and the text its
 * `{{ $value }}` renders to. promtool then compares the complete label and annotation sets.
 * `expectPromqlResults` runs plain queries (scalers, dashboards) the same way with `promql_expr_test`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';

export interface ExpectedAlert {
  /** Labels the expression yields (the rule's own labels and `alertname` are added). */
  readonly labels?: Record<string, string>;
  /** What every `{{ $value ... }}` in the annotations renders to, e.g. `5%`. */
  readonly value?: string;
}

export interface RuleScenario {
  readonly name: string;
  /** Series selector -> promtool expanding notation, e.g. `'0+60x30'`. */
  readonly series: Record<string, string>;
  /** Step between input samples. @default '1m' */
  readonly interval?: string;
  /** When the alerts are checked, e.g. `'20m'`. */
  readonly evalTime: string;
  /** Alert name -> the alerts expected to fire at evalTime (`[]`: silent). */
  readonly alerts: Record<string, ExpectedAlert[]>;
}

export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

type Doc = Record<string, any>;

/** Runs `promtool test rules` for the scenarios against the rules of a PrometheusRule document. */
export function promtoolTestRules(ruleDoc: Doc, scenarios: RuleScenario[], evaluationInterval = '1m'): PromtoolResult {
  if (ruleDoc?.kind !== 'PrometheusRule') throw new Error(`not a PrometheusRule: ${ruleDoc?.kind}`);
  const groups: Doc[] = ruleDoc.spec.groups;
  const rules = new Map<string, Doc>(groups.flatMap(g => g.rules).filter((r: Doc) => r.alert).map((r: Doc) => [r.alert, r]));
  const tests = scenarios.map(s => ({
    name: s.name,
    interval: s.interval ?? '1m',
    input_series: Object.entries(s.series).map(([series, values]) => ({ series, values })),
    alert_rule_test: Object.entries(s.alerts).map(([alertname, expected]) => {
      const rule = rules.get(alertname);
      if (!rule) throw new Error(`scenario ${s.name}: no alert ${alertname} in ${[...rules.keys()].join(', ')}`);
      return {
        eval_time: s.evalTime,
        alertname,
        exp_alerts: expected.map(e => {
          const labels = { ...rule.labels, ...e.labels };
          return { exp_labels: labels, exp_annotations: render(rule.annotations ?? {}, labels, e.value, `${s.name}/${alertname}`) };
        }),
      };
    }),
  }));

  return run(ruleDoc, tests, evaluationInterval);
}

/** Throws with promtool's report unless every scenario passes. */
export function expectRulesPass(ruleDoc: Doc, scenarios: RuleScenario[], evaluationInterval?: string): void {
  const result = promtoolTestRules(ruleDoc, scenarios, evaluationInterval);
  if (result.status !== 0) throw new Error(`promtool test rules failed:\n${result.output}`);
}

export interface ExprCase {
  readonly expr: string;
  readonly evalTime: string;
  /** Expected result: series labels (`{a="b"}`) -> value. */
  readonly samples: Record<string, number>;
}

/** Runs PromQL expressions (queries of scalers and dashboards) against input series with `promql_expr_test`. */
export function expectPromqlResults(series: Record<string, string>, cases: ExprCase[], interval = '1m'): void {
  const doc = { kind: 'PrometheusRule', spec: { groups: [] } };
  const test = {
    interval,
    input_series: Object.entries(series).map(([s, values]) => ({ series: s, values })),
    promql_expr_test: cases.map(c => ({
      expr: c.expr, eval_time: c.evalTime, exp_samples: Object.entries(c.samples).map(([labels, value]) => ({ labels, value })),
    })),
  };
  const result = run(doc, [test]);
  if (result.status !== 0) throw new Error(`promtool promql_expr_test failed:\n${result.output}`);
}

function run(ruleDoc: Doc, tests: object[], evaluationInterval = '1m'): PromtoolResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-test-'));
  try {
    // prometheus-operator drops the Thanos-only partial_response_strategy before Prometheus sees the rules.
    const groups = (ruleDoc.spec.groups as Doc[]).map(g => ({ ...g, partial_response_strategy: undefined }));
    fs.writeFileSync(path.join(dir, 'rules.yaml'), YAML.stringify({ groups }));
    fs.writeFileSync(path.join(dir, 'test.yaml'), YAML.stringify({ rule_files: ['rules.yaml'], evaluation_interval: evaluationInterval, tests }));
    const proc = spawnSync(process.env.PROMTOOL ?? 'promtool', ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
    if (proc.error) throw new Error(`cannot run promtool: ${proc.error.message} (apt-get install -y prometheus)`);
    return { status: proc.status, output: `${proc.stdout}${proc.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The annotations as Prometheus renders them: `$labels.x` from the alert's labels, `$value` as given. */
function render(annotations: Record<string, string>, labels: Record<string, string>, value: string | undefined, where: string) {
  return Object.fromEntries(Object.entries(annotations).map(([key, template]) => [key, template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const label = /^\$labels\.(\w+)$/.exec(expr);
    if (label) return labels[label[1]] ?? '';
    if (/^\$value\b/.test(expr)) {
      if (value === undefined) throw new Error(`${where}: annotation ${key} renders $value; give the expected value`);
      return value;
    }
    throw new Error(`${where}: the helper cannot render {{ ${expr} }}`);
  })]));
}
