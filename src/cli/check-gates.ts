/**
 * `cdk8s-mlops check-gates`: runs every Prometheus query of the AnalysisTemplates in synthesized YAML
 * against a live Prometheus now, and says per metric whether it finds series, which label matcher
 * finds nothing, the value, and the phase Argo Rollouts would give the measurement. A gate that can
 * never measure (a wrong metric name, a label no series carries, a query Prometheus rejects) makes
 * the command exit 1, before a rollout pauses or passes on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';
import { measurementPhase, Phase, Result, UnsupportedCondition } from './condition';
import { PrometheusClient, PrometheusQueryError } from './prometheus-client';
import { countQuery, Matcher, parseSelectors, renderSelector, Selector, without, withMatcher } from './selectors';

const ANALYSIS_KINDS = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate']);
const ARG_TAG = /\{\{\s*args\.([^}\s]+)\s*\}\}/g;
/** Label values listed when a matcher's value matches nothing. */
const MAX_VALUES = 5;

export interface CheckGatesOptions {
  /** YAML files, or directories searched recursively for `*.yaml`/`*.yml`. */
  readonly inputs: readonly string[];
  /** Prometheus base URL, e.g. http://localhost:9090. */
  readonly prometheus: string;
  /** Values of template args; they win over the templates' own values and over discovery. */
  readonly args: { readonly [name: string]: string };
  /** Evaluation time (Unix seconds). */
  readonly time: number;
  /** The series label holding the pod-template hash of a version. */
  readonly hashLabel: string;
}

/** What one selector of a query finds. */
export interface SelectorCheck {
  readonly selector: string;
  readonly series: number;
  /** Why it finds nothing, when it does not. */
  readonly diagnosis?: string;
  /** Whether the cause is structural: no measurement can ever find data. */
  readonly never: boolean;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'never measures' | 'unknown';

export interface MetricCheck {
  readonly name: string;
  readonly query?: string;
  readonly value?: Result;
  readonly phase?: Phase;
  readonly verdict: Verdict;
  readonly detail?: string;
  readonly selectors: readonly SelectorCheck[];
}

export interface TemplateCheck {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly file: string;
  readonly args: { readonly [name: string]: string };
  readonly notes: readonly string[];
  readonly metrics: readonly MetricCheck[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KubeObject = { [key: string]: any };

function yamlFiles(input: string): string[] {
  if (!fs.statSync(input).isDirectory()) return [input];
  return fs.readdirSync(input, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap(entry => {
    const full = path.join(input, entry.name);
    return entry.isDirectory() ? yamlFiles(full) : /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

/** Substitutes `{{args.NAME}}` as Argo does; an arg without a value throws. */
function resolveArgs(template: string, args: { readonly [name: string]: string }): string {
  return template.replace(ARG_TAG, (_tag, name: string) => {
    if (args[name] === undefined) throw new Error(`arg ${name} has no value: pass --arg ${name}=<value>`);
    return args[name];
  });
}

function hasData(result: Result): boolean {
  return typeof result === 'number' ? !Number.isNaN(result) : result.some(v => !Number.isNaN(v));
}

/** Args whose values fill matchers of the hash label: the versions' pod-template hashes. */
function hashArgs(queries: readonly string[], hashLabel: string): Set<string> {
  const names = new Set<string>();
  const matcher = new RegExp(`${hashLabel}\\s*=~?\\s*"\\{\\{\\s*args\\.([^}\\s]+)\\s*\\}\\}"`, 'g');
  for (const q of queries) for (const m of q.matchAll(matcher)) names.add(m[1]);
  return names;
}

export class GateChecker {
  private readonly prometheus: PrometheusClient;

  constructor(private readonly options: CheckGatesOptions) {
    this.prometheus = new PrometheusClient(options.prometheus, options.time);
  }

  public async run(): Promise<TemplateCheck[]> {
    const checks: TemplateCheck[] = [];
    for (const file of this.options.inputs.flatMap(yamlFiles)) {
      for (const object of Yaml.load(file) as KubeObject[]) {
        if (object && ANALYSIS_KINDS.has(object.kind)) checks.push(await this.checkTemplate(object, file));
      }
    }
    return checks;
  }

  private async checkTemplate(template: KubeObject, file: string): Promise<TemplateCheck> {
    const metrics: KubeObject[] = (template.spec?.metrics ?? []).filter((m: KubeObject) => m.provider?.prometheus?.query);
    const namespace: string | undefined = template.metadata?.namespace;
    const args: { [name: string]: string } = {};
    const notes: string[] = [];
    for (const arg of template.spec?.args ?? []) {
      if (arg.value !== undefined) args[arg.name] = String(arg.value);
      // The library's gates pass the Rollout's namespace, which is the template's.
      else if (arg.name === 'namespace' && namespace) args.namespace = namespace;
    }
    Object.assign(args, this.options.args);
    const queries = metrics.map(m => String(m.provider.prometheus.query));
    const missing = [...hashArgs(queries, this.options.hashLabel)].filter(name => args[name] === undefined);
    if (missing.length > 0) {
      const stable = await this.discoverVersion(queries, args, notes);
      // A value no series has: the selectors then say whether the label exists at all.
      for (const name of missing) args[name] = stable ?? 'no-version-found';
    }
    const checked: MetricCheck[] = [];
    for (const metric of metrics) checked.push(await this.checkMetric(metric, args));
    return { kind: template.kind, name: template.metadata?.name, namespace, file, args, notes, metrics: checked };
  }

  /**
   * The running version's hash: the value of the hash label on most series of the templates'
   * selectors (without their hash matchers). Mid-rollout there are two; pass --arg to choose.
   */
  private async discoverVersion(queries: readonly string[], args: { readonly [name: string]: string }, notes: string[]): Promise<string | undefined> {
    const label = this.options.hashLabel;
    const placeholder = { ...args };
    for (const q of queries) for (const m of q.matchAll(ARG_TAG)) placeholder[m[1]] ??= '';
    const selectors = queries.flatMap(q => parseSelectors(resolveArgs(q, placeholder)))
      .filter(s => s.matchers.some(m => m.label === label))
      .map(s => withMatcher(without(s, label), { label, op: '!=', quoted: '""' }));
    const counts = new Map<string, number>();
    for (const s of selectors) {
      const { labels, result } = await this.prometheus.query(`count by (${label}) (last_over_time(${renderSelector(s)}[${s.range ?? '5m'}]))`);
      labels.forEach((l, i) => counts.set(l[label], (counts.get(l[label]) ?? 0) + (result as number[])[i]));
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    if (ranked.length === 0) {
      notes.push(`no series of these queries carries ${label}: the version args cannot be filled (see the selectors below)`);
      return undefined;
    }
    notes.push(`version hash ${ranked[0][0]} (the running version, on ${ranked[0][1]} series) fills every ${label} arg`
      + (ranked.length > 1 ? `; also running: ${ranked.slice(1).map(r => r[0]).join(', ')} (pass --arg to choose)` : ''));
    return ranked[0][0];
  }

  private async checkMetric(metric: KubeObject, args: { readonly [name: string]: string }): Promise<MetricCheck> {
    const name = String(metric.name);
    let query: string;
    try {
      query = resolveArgs(String(metric.provider.prometheus.query), args);
    } catch (e) {
      return { name, verdict: 'never measures', detail: (e as Error).message, selectors: [] };
    }
    let value: Result;
    try {
      value = (await this.prometheus.query(query)).result;
    } catch (e) {
      // A connection error is not the gate's fault: it ends the run (exit 2).
      if (!(e instanceof PrometheusQueryError)) throw e;
      return { name, query, verdict: 'never measures', detail: `the query fails, so every measurement is an Error: ${e.message}`, selectors: [] };
    }
    const selectors: SelectorCheck[] = [];
    for (const s of parseSelectors(query)) selectors.push(await this.checkSelector(s));
    const never = selectors.filter(s => s.never);
    const base = { name, query, value, selectors };
    if (never.length > 0) {
      return { ...base, verdict: 'never measures', detail: `${never.length} of its selectors can never find series (below)` };
    }
    let phase: Phase;
    try {
      phase = measurementPhase(metric.successCondition, metric.failureCondition, value);
    } catch (e) {
      if (e instanceof UnsupportedCondition) return { ...base, verdict: 'unknown', detail: `conditions not evaluated: ${e.message}` };
      throw e;
    }
    const verdict: Verdict = phase === 'Successful' ? 'pass' : phase === 'Failed' ? 'fail' : 'inconclusive';
    const detail = hasData(value) ? undefined : 'no data now (no traffic, or no series match the selectors: see below)';
    return { ...base, phase, verdict, detail };
  }

  private async checkSelector(s: Selector): Promise<SelectorCheck> {
    const selector = renderSelector(s) + (s.range ? `[${s.range}]` : '');
    const series = await this.prometheus.count(countQuery(s));
    if (series > 0) return { selector, series, never: false };
    const nameOnly: Selector = { name: s.name, range: s.range, matchers: s.matchers.filter(m => m.label === '__name__') };
    if (await this.prometheus.count(countQuery(nameOnly)) === 0) {
      return { selector, series, never: true, diagnosis: `metric ${renderSelector(nameOnly)} has no series at all: a wrong metric name, or nothing scrapes it` };
    }
    // Each matcher dropped in turn, then pairs (a 5xx matcher hides a missing hash label): a label no
    // series has is fatal; a value nothing has now is explained.
    const labels = s.matchers.filter(x => x.label !== '__name__');
    const single = labels.map(m => [m]);
    const pairs = labels.flatMap((a, i) => labels.slice(i + 1).map(b => [a, b]));
    for (const drops of [single, pairs]) {
      const found: string[] = [];
      for (const dropped of drops) {
        const rest = dropped.reduce((acc, m) => without(acc, m.label), s);
        const others = await this.prometheus.count(countQuery(rest));
        if (others === 0) continue;
        for (const m of dropped) {
          const present: Matcher = { label: m.label, op: '!=', quoted: '""' };
          if (await this.prometheus.count(countQuery(withMatcher(rest, present))) === 0) {
            const hint = m.label === this.options.hashLabel ? ` (does the PodMonitor relabel the pod's hash label to ${m.label}?)` : '';
            return { selector, series, never: true, diagnosis: `none of the ${others} series of ${renderSelector(rest)} has the label ${m.label}${hint}` };
          }
        }
        if (dropped.length > 1) continue;
        const m = dropped[0];
        const { labels: values } = await this.prometheus.query(`count by (${m.label}) (last_over_time(${renderSelector(rest)}[${s.range ?? '5m'}]))`);
        found.push(`${m.label}${m.op}${m.quoted} matches none of the ${others} series without it (${m.label} values: ${values.map(l => l[m.label]).sort().slice(0, MAX_VALUES).join(', ')})`);
      }
      if (found.length > 0) return { selector, series, never: false, diagnosis: found.join('; ') };
    }
    return { selector, series, never: false, diagnosis: 'no series match these matchers together' };
  }
}

function formatValue(value: Result | undefined): string {
  if (value === undefined) return '-';
  const f = (n: number) => (Number.isNaN(n) ? 'NaN' : n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(Number(n.toPrecision(6))));
  return typeof value === 'number' ? f(value) : `[${value.map(f).join(', ')}]`;
}

/** The human-readable report. */
export function formatReport(checks: readonly TemplateCheck[]): string {
  const lines: string[] = [];
  for (const t of checks) {
    lines.push(`${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name} (${t.file})`);
    lines.push(`  args: ${Object.entries(t.args).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}`);
    for (const note of t.notes) lines.push(`  note: ${note}`);
    for (const m of t.metrics) {
      lines.push(`  ${m.verdict.toUpperCase().padEnd(15)} ${m.name}: value ${formatValue(m.value)}${m.phase ? ` (Argo: ${m.phase})` : ''}${m.detail ? `: ${m.detail}` : ''}`);
      for (const s of m.selectors) {
        lines.push(`      ${s.series > 0 ? `${s.series} series` : 'NO SERIES'}  ${s.selector}${s.diagnosis ? `\n          ${s.diagnosis}` : ''}`);
      }
    }
  }
  const metrics = checks.flatMap(t => t.metrics);
  const count = (v: Verdict) => metrics.filter(m => m.verdict === v).length;
  lines.push(`${metrics.length} metrics in ${checks.length} templates: ${count('pass')} pass, ${count('fail')} fail, ${count('inconclusive')} inconclusive, `
    + `${count('unknown')} unknown, ${count('never measures')} never measure`);
  return lines.join('\n');
}
