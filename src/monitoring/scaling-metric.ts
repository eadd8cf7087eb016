import { IConstruct } from 'constructs';
import { check, deferFactoryChecks } from '../internal/errors';
import { promqlQuery } from '../internal/promql';
import { acrossReplicas, aggregate, gpuUtilization } from '../metrics/promql-builders';
import { requireSeries } from '../metrics/runtime-metrics';
import { modelSeries } from '../serving/model-series';
import { IModelService } from '../serving/model-service';

/** Scaling on vLLM's waiting queue. */
export interface QueueDepthScalingOptions {
  /** Waiting requests per replica the autoscaler aims for (`vllm:num_requests_waiting` summed over replicas). */
  readonly targetPerReplica: number;
}

/** Scaling on GPU utilization. */
export interface GpuUtilizationScalingOptions {
  /** The average utilization (0 to 1, of `DCGM_FI_DEV_GPU_UTIL`) of a replica's GPUs the autoscaler aims for. */
  readonly target: number;
}

/** Scaling on any Prometheus query. */
export interface PrometheusScalingOptions {
  /** The trigger's name (a DNS label). */
  readonly name: string;
  /** PromQL returning one sample: the total across replicas (KEDA divides by the replica count). */
  readonly query: string;
  /** The value per replica the autoscaler aims for. */
  readonly threshold: number;
  /**
   * The value above which the workload is woken from zero replicas (with `scaleToZero`).
   * @default 0
   * @see https://keda.sh/docs/latest/concepts/scaling-deployments/#activating-and-scaling-thresholds
   */
  readonly activationThreshold?: number;
}

/** A KEDA Prometheus trigger as a scaling metric renders it. */
export interface ScalingTrigger {
  /** The trigger's name. */
  readonly name: string;
  /** PromQL returning one sample. */
  readonly query: string;
  /** The per-replica target (KEDA `threshold`, metric type `AverageValue`). */
  readonly threshold: number;
  /** The activation threshold, when set. */
  readonly activationThreshold?: number;
  /** Whether the series come from the model's own pods, so that the metric vanishes at zero replicas. */
  readonly fromModelPods: boolean;
}

/**
 * What a ModelAutoscaler scales on. CPU and memory say little about an LLM server: its load shows in the
 * request queue and on the GPUs.
 */
export abstract class ScalingMetric {
  /** The runtime's waiting requests (vLLM, TGI), summed over the service's replicas. */
  public static queueDepth(props: QueueDepthScalingOptions): ScalingMetric {
    check(Number.isFinite(props.targetPerReplica) && props.targetPerReplica > 0, undefined, 'ScalingMetric.queueDepth.targetPerReplica', props.targetPerReplica,
      'must be > 0', 'e.g. targetPerReplica: 5');
    return new RenderedMetric((scope, svc) => ({
      name: 'queue-depth',
      query: acrossReplicas(requireSeries(svc._metricCatalog, 'queueDepth', scope, 'ScalingMetric.queueDepth'), modelSeries(scope, svc).runtime()),
      threshold: props.targetPerReplica,
      fromModelPods: true,
    }));
  }

  /** The average utilization of each replica's GPUs (DCGM), summed over replicas. */
  public static gpuUtilization(props: GpuUtilizationScalingOptions): ScalingMetric {
    check(Number.isFinite(props.target) && props.target > 0 && props.target <= 1, undefined, 'ScalingMetric.gpuUtilization.target', props.target,
      'must be a ratio above 0 and at most 1', 'e.g. target: 0.8 for 80%');
    return new RenderedMetric((scope, svc) => {
      const series = modelSeries(scope, svc);
      // One average per replica: a multi-node replica's workers count with their group's leader.
      return {
        name: 'gpu-utilization',
        query: aggregate('sum', aggregate('avg', series.scrapedPod(gpuUtilization(series.gpu())), 'namespace, pod')),
        threshold: Number((props.target * 100).toPrecision(12)),
        fromModelPods: true,
      };
    });
  }

  /**
   * Any Prometheus query. A query on series that exist without the model's pods (a gateway's request
   * rate, a message queue) is what can wake a workload from zero replicas.
   */
  public static prometheus(props: PrometheusScalingOptions): ScalingMetric {
    check(/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(props.name), undefined, 'ScalingMetric.prometheus.name', props.name, 'must be a DNS label', "e.g. name: 'gateway-requests'");
    check(props.query.trim().length > 0, undefined, 'ScalingMetric.prometheus.query', props.query, 'must not be empty', 'give a PromQL expression returning one sample');
    promqlQuery(undefined, 'ScalingMetric.prometheus.query', props.query);
    check(Number.isFinite(props.threshold) && props.threshold > 0, undefined, 'ScalingMetric.prometheus.threshold', props.threshold, 'must be > 0', 'e.g. threshold: 10');
    if (props.activationThreshold !== undefined) {
      check(Number.isFinite(props.activationThreshold) && props.activationThreshold >= 0, undefined, 'ScalingMetric.prometheus.activationThreshold',
        props.activationThreshold, 'must be >= 0', 'e.g. activationThreshold: 0');
    }
    return new RenderedMetric(() => ({
      name: props.name, query: props.query, threshold: props.threshold, activationThreshold: props.activationThreshold, fromModelPods: false,
    }));
  }

  /** Renders the trigger for a service. */
  public abstract bind(scope: IConstruct, service: IModelService): ScalingTrigger;
}

deferFactoryChecks(ScalingMetric);

class RenderedMetric extends ScalingMetric {
  constructor(private readonly render: (scope: IConstruct, svc: IModelService) => ScalingTrigger) {
    super();
  }

  public bind(scope: IConstruct, service: IModelService): ScalingTrigger {
    return this.render(scope, service);
  }
}
