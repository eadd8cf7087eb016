import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { IConstruct } from 'constructs';
import { ModelLineage } from './lineage';
import { RuntimeKind } from './model-runtime';
import { MetricCatalog } from '../metrics/runtime-metrics';

/**
 * The object a workload controller (Deployment, Argo Rollout) is reached by, e.g. for a scale target.
 */
export interface WorkloadReference {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** e.g. `Deployment`. */
  readonly kind: string;
  /** The object's name. */
  readonly name: string;
}

/**
 * A Kubernetes Service, referenced by object rather than by name: the service of a GpuModelService, the variant
 * Services a rollout creates, or a cdk8s-plus `Service` (which has these members).
 */
export interface IServiceRef extends IConstruct {
  /** The Service's name. */
  readonly name: string;
  /**
   * The Service's namespace.
   * @default - the namespace of its chart
   */
  readonly namespace?: string;
  /** The port clients call (a model service's inference port, named `http`). */
  readonly port: number;
}

/**
 * A controller that takes a service's pods over (an Argo Rollout): the service then renders no Deployment of its own,
 * and its `workload` is this owner's.
 */
export interface IWorkloadOwner extends IConstruct {
  /** The object that runs the service's pods. */
  readonly workload: WorkloadReference;
}

/**
 * What gates, alerts, dashboards and scaling metrics read of a model service: the model it serves and the series its
 * runtime exports.
 */
export interface IServedModel extends IServiceRef {
  /** The model name clients (and vLLM metrics' `model_name` label) use. */
  readonly servedModelName: string;
  /** Where the served model version comes from. */
  readonly lineage: ModelLineage;
  /** Where the model's files are inside the server container. */
  readonly modelPath: string;
  /** The server kind. */
  readonly runtimeKind: RuntimeKind;
  /** The metrics port. */
  readonly metricsPort: number;
  /** The metrics path. */
  readonly metricsPath: string;
  /**
   * The series the runtime's image exports, which gates, alerts and dashboards read.
   * @internal
   */
  readonly _metricCatalog: MetricCatalog;
}

/**
 * What workload controllers and evaluators read of a model service to run its pods: the pod template, its labels and
 * sizing, and which controller runs the pods.
 */
export interface IModelWorkload extends IConstruct {
  /** The pod template every workload controller wraps. */
  readonly podTemplate: k8s.PodTemplateSpec;
  /** Labels selecting the service's pods, stable across versions. */
  readonly selectorLabels: { [key: string]: string };
  /** Labels every object of the service carries. */
  readonly labels: { [key: string]: string };
  /** Annotations every object of the service carries. */
  readonly annotations: { [key: string]: string };
  /** The ports of the service's Service, to copy into variant Services (canary, stable, preview). */
  readonly servicePorts: k8s.ServicePort[];
  /** Desired replicas. */
  readonly replicas: number;
  /** GPUs (or MIG instances) one replica holds. */
  readonly gpusPerReplica: number;
  /** How long a new pod may take to become ready. */
  readonly startupTimeout: Duration;
  /**
   * The workload that runs the pods: the service's own Deployment (or LeaderWorkerSet), or the Argo Rollout that took
   * it over. Decided by the whole app, so read it when rendering (in a `Lazy`), not in a constructor.
   */
  readonly workload: WorkloadReference;
  /**
   * The construct that took the workload over (an Argo Rollout, or a staged update of LeaderWorkerSet groups).
   * Decided by the whole app, so read it when rendering or validating.
   * @default - none: the service's own Deployment runs the pods
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/specification/
   */
  readonly workloadOwner?: IConstruct;
  /** Metadata for an object of the service: its name, namespace, labels and lineage annotations. */
  metadata(name: string, annotations?: { [key: string]: string }): k8s.ObjectMeta;
  /**
   * Records the controller that takes the pods over, from that controller's constructor (it takes the service in its
   * props, so it always comes after the service): the service drops its Deployment, so that two controllers never
   * fight over the same pods.
   * @internal
   */
  _adoptOwner(owner: IWorkloadOwner): void;
}

/**
 * A model service as other constructs see it: its Service, the model it serves, and its workload. Nothing in it
 * changes the service; a rollout that takes the pods over refers to the service, which then renders no Deployment.
 */
export interface IModelService extends IServedModel, IModelWorkload {}
