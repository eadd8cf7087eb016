import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AnalysisMetric, Gate, GATE_ARGS } from './gate';
import { AnalysisTemplate } from '../imports/analysistemplate-argoproj.io';
import { bindInputs, propError } from '../internal/errors';
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
  /** The rendered metrics. */
  public readonly metrics: AnalysisMetric[];

  constructor(scope: Construct, id: string, props: GateAnalysisTemplateProps) {
    super(scope, id);
    bindInputs(this, props);
    if (props.gates.length === 0) {
      throw propError(this, 'gates', [], 'is empty, so the analysis would measure nothing', 'give at least one Gate');
    }
    this.templateName = props.name;
    this.metrics = props.gates.flatMap(g => g.bind(this, props.service));
    const seen = new Set<string>();
    for (const m of this.metrics) {
      if (seen.has(m.name)) {
        throw propError(this, 'gates', m.name, 'has two gates with the same metric name', 'give custom gates distinct names, and use each built-in gate once per analysis');
      }
      seen.add(m.name);
    }
    const address = PrometheusSettings.of(this).address;
    // Plain JSON, as the Rollout is written: the typed L1 wraps each limit in a union class and converts the whole
    // spec again at synth, half of what a gated canary's objects cost at synth beyond their JSON (see bench/).
    new ApiObject(this, 'Resource', {
      ...AnalysisTemplate.GVK,
      metadata: props.service.metadata(props.name),
      spec: {
        args: GATE_ARGS.map(name => ({ name })),
        metrics: analysisMetricsJson(this.metrics, address),
      },
    });
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
