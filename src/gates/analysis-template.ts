import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AnalysisMetric, Gate, GATE_ARGS } from './gate';
import { AnalysisTemplate } from '../imports/analysistemplate-argoproj.io';
import { bindInputs, describe, InputError, propError } from '../internal/errors';
import { PrometheusSettings } from '../metrics/prometheus-settings';
import { IModelService } from '../serving/model-service';
import { NetworkPeer } from '../serving/network-policy';

/** The argument a rollout fills with the name of the Service in front of its new version (canary or preview). */
export const CANDIDATE_SERVICE_ARG = 'candidate-service';

/**
 * An Argo Rollouts AnalysisTemplate (or ClusterAnalysisTemplate) that rollouts can reference.
 */
export interface IAnalysisTemplate extends IConstruct {
  /** The template's name. */
  readonly templateName: string;
  /** Whether it is a ClusterAnalysisTemplate. */
  readonly clusterScope: boolean;
  /** The arguments the template declares without a value: whoever references it must supply them. */
  readonly requiredArgs: string[];
  /** GPUs the analysis itself holds while it runs (an in-process validation loads the model); rollouts count them in their GPU plan. */
  readonly gpus: number;
  /**
   * The pods a measurement runs in that call the rollout's candidate Service (a job-provider evaluator); the
   * service's NetworkPolicy admits them.
   * @default - the measurements call nothing in the service
   * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/job/
   */
  readonly candidateClient?: NetworkPeer;
}

/**
 * Properties of a GateAnalysisTemplate.
 */
export interface GateAnalysisTemplateProps {
  /** The service whose new version the gates measure. */
  readonly service: IModelService;
  /** The gates, one or more metrics each. */
  readonly gates: Gate[];
  /** The template's name. */
  readonly name: string;
}

/**
 * An AnalysisTemplate rendering metric gates as Prometheus metrics. It declares the arguments `namespace`,
 * `canary-hash` and `stable-hash`, which rollouts fill from the namespace and the pod-template hashes.
 *
 * Child ids: `Resource` (the AnalysisTemplate).
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 */
export class GateAnalysisTemplate extends Construct implements IAnalysisTemplate {
  public readonly templateName: string;
  public readonly clusterScope = false;
  public readonly requiredArgs = [...GATE_ARGS];
  public readonly gpus = 0;
  private readonly gates: Gate[];
  private readonly service: IModelService;

  constructor(scope: Construct, id: string, props: GateAnalysisTemplateProps) {
    super(scope, id);
    bindInputs(this, props);
    if (props.gates.length === 0) {
      throw propError(this, 'gates', [], 'is empty, so the analysis would measure nothing', 'give at least one Gate');
    }
    this.templateName = props.name;
    this.gates = props.gates;
    this.service = props.service;
    const seen = new Set<string>();
    for (const name of props.gates.flatMap(g => g._metricNames(this, props.service))) {
      if (seen.has(name)) {
        throw propError(this, 'gates', name, 'has two gates with the same metric name', 'give custom gates distinct names, and use each built-in gate once per analysis');
      }
      seen.add(name);
    }
    // Plain JSON, as the Rollout is written: the typed L1 wraps each limit in a union class and converts the whole
    // spec again at synth, half of what a gated canary's objects cost at synth beyond their JSON (see bench/).
    new ApiObject(this, 'Resource', {
      ...AnalysisTemplate.GVK,
      metadata: props.service.metadata(props.name),
      spec: {
        args: GATE_ARGS.map(name => ({ name })),
        // Rendered with the chart's PrometheusSettings, wherever they were created.
        metrics: Lazy.any({ produce: () => analysisMetricsJson(this.metrics, PrometheusSettings.of(this).address) }),
      },
    });
    this.node.addValidation({ validate: () => settingsFindings(() => this.metrics) });
  }

  /** The rendered metrics, with the chart's PrometheusSettings. */
  public get metrics(): AnalysisMetric[] {
    return this.gates.flatMap(g => g.bind(this, this.service));
  }
}

/**
 * The problem of gate metrics that only the chart's PrometheusSettings reveal (a window shorter than two scrapes),
 * as a validation finding: the settings may be created after the gates.
 */
export function settingsFindings(render: () => unknown): string[] {
  try {
    render();
    return [];
  } catch (e) {
    // cdk8s prefixes each finding with the construct's path.
    if (e instanceof InputError) return [`${e.prop}: ${e.problem} (got ${describe(e.value)}). Fix: ${e.fix}`];
    throw e;
  }
}

/** The `spec.metrics` of an AnalysisTemplate or AnalysisRun measuring gate metrics against a Prometheus. */
export function analysisMetricsJson(metrics: AnalysisMetric[], address: string): object[] {
  return metrics.map(m => ({
    name: m.name,
    interval: m.interval,
    count: m.count,
    initialDelay: m.initialDelay,
    failureLimit: m.failureLimit,
    inconclusiveLimit: m.inconclusiveLimit,
    consecutiveErrorLimit: m.consecutiveErrorLimit,
    successCondition: m.successCondition,
    failureCondition: m.failureCondition,
    provider: { prometheus: { address, query: m.query } },
  }));
}
