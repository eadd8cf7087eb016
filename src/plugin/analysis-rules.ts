import { Finding, KubeObject, kindOf, Resource } from './manifest';

const ANALYSIS_KINDS = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun']);
const RULE = 'analysis-passes-without-data';
/** A success condition that short-circuits to true when the query returned nothing (or NaN). */
const NO_DATA_PASSES = /(len\(\s*result\s*\)\s*(==\s*0|<\s*1)|isNaN\([^)]*\))\s*(\|\||\bor\b)/;
const FIX_BOTH = 'set both conditions and guard each with data, e.g. successCondition: len(result) > 0 && result[0] <= T, failureCondition: len(result) > 0 && result[0] > T (no data is then Inconclusive and pauses the rollout)';

/**
 * Metrics of Argo Rollouts analyses whose conditions let a measurement pass when there is no data
 * (Argo Rollouts `EvaluateResult`): without a successCondition, anything that does not meet the
 * failureCondition (NaN, a missing series behind `or vector(0)`) is Successful; without either
 * condition every measurement that does not error is Successful.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 */
export function analysisRules(resources: readonly Resource[]): Finding[] {
  const findings: Finding[] = [];
  for (const resource of resources.filter(r => ANALYSIS_KINDS.has(kindOf(r)))) {
    (resource.object.spec?.metrics ?? []).forEach((metric: KubeObject, i: number) => {
      // The job provider has no result: a Job that succeeds is a successful measurement by design.
      if (metric.provider?.job) return;
      const at = `spec.metrics[${i}]`;
      const add = (field: string, problem: string) => findings.push({ rule: RULE, object: resource, field, problem: `metric ${metric.name}: ${problem}`, fix: FIX_BOTH });
      const success: string | undefined = metric.successCondition;
      const failure: string | undefined = metric.failureCondition;
      if (!success && !failure) {
        add(`${at}.successCondition`, 'has no condition, so every measurement that does not error is Successful');
      } else if (!success) {
        add(`${at}.successCondition`, `has only failureCondition (${JSON.stringify(failure)}), so a result that does not meet it, such as NaN without traffic, is Successful`);
      } else if (NO_DATA_PASSES.test(success)) {
        add(`${at}.successCondition`, `successCondition ${JSON.stringify(success)} is true when the query returns no data`);
      }
    });
  }
  return findings;
}
