import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import { checkValidationProps } from './validation-inputs';
import { ValidationProps } from './validation-options';
import { ValidationTarget, ValidationTargetKind } from './validation-target';
import { CANDIDATE_SERVICE_ARG } from '../gates/analysis-template';
import { wholeSeconds } from '../internal/duration';
import { check, propError } from '../internal/errors';
import { selectorLabels } from '../internal/labels';
import { childName } from '../internal/names';
import { scratchMebibytes, sizeQuantity } from '../internal/quantity';
import { checkImagePinned, pullPolicy, restrictedContainer, restrictedPod } from '../internal/security';
import { plainEnv, secretEnv } from '../serving/env';
import { standardLabels } from '../serving/lineage-labels';
import type { IModelService } from '../serving/model-service';
import { releaseOf } from '../serving/multi-node';
import { NetworkPeer } from '../serving/network-policy';

/** Where the config volume is mounted in the evaluator. */
export const CONFIG_DIR = '/etc/mlops-validation';
/** The container's termination message: the result file of the contract. */
const RESULT_FILE = '/dev/termination-log';
const EVALUATOR = 'evaluator';
/** Exit code of the contract for "a check failed": the Job fails at once instead of retrying. */
const CHECK_FAILED = 1;

/** A validation rendered once, wrapped by a job-provider AnalysisTemplate or an Argo CD hook Job. */
export interface RenderedValidation {
  readonly name: string;
  readonly configData: Record<string, string>;
  readonly jobSpec: k8s.JobSpec;
  /** Labels of the Job and its pod: never the service's selector labels, or the Service would send it traffic. */
  readonly labels: Record<string, string>;
  /** The pod's ServiceAccount; the caller creates it (see `evaluatorServiceAccount`) unless the user named one. */
  readonly serviceAccountName: string;
  /** Whether the ServiceAccount is the evaluator's own, to be created with the validation. */
  readonly ownServiceAccount: boolean;
}

/**
 * Checks the props and renders the evaluator's config and Job spec. `endpoint` is the URL of a
 * rollout candidate (built from analysis args), used for ValidationTarget.rolloutCandidate().
 */
export function renderValidation(scope: IConstruct, props: ValidationProps, target: ValidationTarget,
  candidateEndpoint?: string): RenderedValidation {
  const svc = props.service;
  if (!props.image) {
    throw propError(scope, 'image', props.image, 'is empty: the checks run in your evaluator image, the library ships no ML code',
      'set image to your evaluator, pinned, e.g. ghcr.io/acme/llm-eval@sha256:...');
  }
  checkImagePinned(scope, 'image', props.image);
  check(/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(props.dataset?.uri ?? ''), scope, 'dataset.uri', props.dataset?.uri,
    'must be a URI with a scheme, so the evaluator knows where to read from', 'e.g. s3://eval-sets/chat-v3/');
  check(props.dataset.sha256 === undefined || /^[0-9a-f]{64}$/.test(props.dataset.sha256), scope, 'dataset.sha256', props.dataset.sha256,
    'must be 64 lowercase hex digits', 'give the sha256 of the dataset or its manifest');
  check(props.checks.length > 0, scope, 'checks', [], 'is empty, so the validation would pass without checking anything', 'give at least one ValidationCheck');
  const checks = props.checks.map(c => c.bind());
  const files: Record<string, string> = {};
  const seen = new Set<string>();
  for (const c of checks) {
    check(!seen.has(c.name), scope, 'checks', c.name, 'has two checks with the same name', 'keep one check per metric (and per slice field)');
    seen.add(c.name);
    Object.assign(files, c.files);
  }
  const account = checkValidationProps(scope, props);
  check(account !== svc.name, scope, props.serviceAccount ? 'serviceAccount' : 'serviceAccountName', account,
    "is the model server's ServiceAccount: its cloud identity (IRSA, Workload Identity) would become the evaluator's",
    'leave it unset (the evaluator gets its own ServiceAccount) or name one made for the evaluator');
  const backoffLimit = props.backoffLimit ?? 1;
  check(Number.isInteger(backoffLimit) && backoffLimit >= 0, scope, 'backoffLimit', backoffLimit, 'must be a whole number >= 0', 'e.g. backoffLimit: 1');

  const name = props.name ?? childName(svc.name, 'validation');
  const configData = {
    'validation.json': JSON.stringify({
      model: {
        name: svc.lineage.modelName, version: svc.lineage.modelVersion, sourceUri: svc.lineage.sourceUri, servedModelName: svc.servedModelName,
      },
      dataset: props.dataset,
      checks: checks.map(c => c.entry),
    }, undefined, 2),
    ...files,
  };

  const inProcess = target._kind === ValidationTargetKind.IN_PROCESS;
  const endpoint = target._kind === ValidationTargetKind.URL ? target._endpoint : candidateEndpoint;
  check(inProcess || endpoint !== undefined, scope, 'target', target._kind, 'has no endpoint here: only a rollout analysis knows its candidate Service',
    'use ValidationTarget.url(...) or ValidationTarget.inProcess()');
  // Refused rather than faked: the pod template is one node of a group, so an in-process evaluator would have to be a
  // group too, and the one Job an engine waits for cannot be one. An Indexed Job (pods `<job>-<index>` behind a headless
  // Service) has one pod template for every index: the user's evaluator would run beside every worker, and only index 0
  // may serve (probes, evaluator). Argo Rollouts names a job metric's Job `<AnalysisRun UID>.<metric>.<n>`
  // (metricproviders/job/job.go), and the API server refuses an Indexed Job whose `<name>-<completions - 1>` is not a
  // DNS label (pkg/apis/batch/validation). Argo CD has no health check for a LeaderWorkerSet hook.
  check(!inProcess || releaseOf(svc.podTemplate) === undefined, scope, 'target', target._kind,
    `loads the model in one evaluator pod, but a replica of this service is a LeaderWorkerSet group (${svc.gpusPerReplica} GPUs over several nodes): `
    + 'an in-process evaluator would have to be a group too, and no engine that runs a validation waits for one: '
    + 'an Indexed Job gives every pod one template (the evaluator would run on every node, the server\'s probes on the workers), '
    + 'and Argo Rollouts names its job metric\'s Job <AnalysisRun UID>.<metric>.<n>, whose dots the API server refuses in an Indexed Job',
    'validate the new groups through their endpoint: StagedGroupUpdate\'s validation (it calls the canary groups\' leaders), '
    + 'or ValidationTarget.url(<a running endpoint of this version, e.g. staging>)');
  const env = [
    ...Object.entries({
      MLOPS_VALIDATION_CONFIG: `${CONFIG_DIR}/validation.json`,
      MLOPS_RESULT_FILE: RESULT_FILE,
      MLOPS_MODEL_NAME: svc.lineage.modelName,
      MLOPS_MODEL_VERSION: svc.lineage.modelVersion,
      MLOPS_SERVED_MODEL_NAME: svc.servedModelName,
      ...(inProcess ? { MLOPS_MODEL_DIR: svc.modelPath } : { MLOPS_ENDPOINT: endpoint! }),
    }).map(([n, value]) => ({ name: n, value })),
    ...plainEnv(scope, 'env', props.env),
    ...Object.entries(props.secretEnv ?? {}).map(([n, ref]) => secretEnv(n, ref)),
  ];
  const configMount = { name: 'validation-config', mountPath: CONFIG_DIR, readOnly: true };
  const evaluator: k8s.Container = {
    name: EVALUATOR,
    image: props.image,
    imagePullPolicy: pullPolicy(props.image),
    command: props.command,
    args: props.args,
    env,
    securityContext: restrictedContainer(),
    terminationMessagePath: RESULT_FILE,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  const configVolume = { name: 'validation-config', configMap: { name } };
  const pod = inProcess
    ? inProcessPod(svc.podTemplate.spec!, evaluator, configMount, configVolume)
    : clientPod(scope, props, evaluator, configMount, configVolume);

  const timeout = props.timeout ?? Duration.minutes(30);
  const deadline = wholeSeconds(scope, 'timeout', timeout, 60) + (inProcess ? svc.startupTimeout.toSeconds() : 0);
  const labels = standardLabels(name, 'validation', svc.lineage);
  // Never the model's ServiceAccount: cloud identity annotations on it (IRSA, Workload Identity) would hand the
  // evaluator the model's role, and in an Argo CD PreSync hook it would not exist yet on a first sync.
  const serviceAccountName = account ?? name;
  return {
    name,
    labels,
    serviceAccountName,
    ownServiceAccount: account === undefined,
    configData,
    jobSpec: {
      backoffLimit,
      activeDeadlineSeconds: deadline,
      podFailurePolicy: {
        rules: [
          // A failed check is a verdict, not a flake: retrying would only spend GPU time.
          { action: 'FailJob', onExitCodes: { containerName: EVALUATOR, operator: 'In', values: [CHECK_FAILED] } },
          // Preemption or a node drain does not count against backoffLimit.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: {
        metadata: { labels, annotations: { ...svc.annotations, 'kubectl.kubernetes.io/default-container': EVALUATOR } },
        spec: { ...pod, serviceAccountName, automountServiceAccountToken: false },
      },
    },
  };
}

/**
 * The evaluator's own ServiceAccount, without a token (the evaluator calls no Kubernetes API), unless the user named
 * one. `metadata` decides when it exists: a hook's ServiceAccount is a hook itself, a job provider's a plain object.
 */
export function evaluatorServiceAccount(scope: Construct, rendered: RenderedValidation, metadata: k8s.ObjectMeta): void {
  if (!rendered.ownServiceAccount) return;
  new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: { ...metadata, name: rendered.serviceAccountName, labels: rendered.labels },
    automountServiceAccountToken: false,
  });
}

/** The URL of a rollout candidate, from the analysis arguments `candidate-service` and `namespace`. */
export function rolloutCandidateUrl(svc: IModelService): string {
  return `http://{{args.${CANDIDATE_SERVICE_ARG}}}.{{args.namespace}}.svc:${svc.port}`;
}

/** A validation rendered as one `job` metric of an analysis, its ServiceAccount and ConfigMap created beside it. */
export interface JobMetric {
  /** The name of the evaluator's objects. */
  readonly name: string;
  /** The metric, for an AnalysisTemplate's or an AnalysisRun's `metrics`. */
  readonly metric: { [key: string]: any };
  /** The evaluator's pods, when they call a rollout candidate. */
  readonly candidateClient?: NetworkPeer;
}

/**
 * Renders a validation as an analysis `job` metric, with the evaluator's ServiceAccount and ConfigMap as children
 * `ServiceAccount` and `Config` of `scope`. A rollout candidate is called through the analysis arguments
 * `candidate-service` and `namespace`.
 */
export function renderJobMetric(scope: Construct, props: ValidationProps, target: ValidationTarget): JobMetric {
  const svc = props.service;
  const candidate = target._kind === ValidationTargetKind.ROLLOUT_CANDIDATE;
  const rendered = renderValidation(scope, props, target, candidate ? rolloutCandidateUrl(svc) : undefined);
  // A plain object: the analysis runs its Job during the rollout, after every object of the sync's earlier waves exists.
  evaluatorServiceAccount(scope, rendered, svc.metadata(rendered.name));
  new k8s.KubeConfigMap(scope, 'Config', { metadata: svc.metadata(rendered.name), data: rendered.configData });
  return {
    name: rendered.name,
    // Argo runs the Job in the AnalysisRun's namespace, the rollout's: the policy's own.
    candidateClient: candidate ? NetworkPeer.pods({ labels: selectorLabels(rendered.name) }) : undefined,
    metric: {
      name: 'validation',
      // One verdict: the Job's own retries (backoffLimit) cover evaluator errors.
      failureLimit: 0,
      provider: {
        job: {
          metadata: { labels: rendered.labels, annotations: svc.annotations },
          spec: k8s.toJson_JobSpec(rendered.jobSpec),
        },
      },
    },
  };
}

function clientPod(scope: IConstruct, props: ValidationProps, evaluator: k8s.Container, mount: k8s.VolumeMount, volume: k8s.Volume): k8s.PodSpec {
  const cpu = props.cpu ?? 2;
  check(cpu > 0, scope, 'cpu', cpu, 'must be positive', 'e.g. cpu: 2');
  const resources = {
    'cpu': k8s.Quantity.fromString(String(cpu)),
    'memory': sizeQuantity(props.memory ?? Size.gibibytes(4)),
    // The /tmp emptyDir is on the node's disk and counts against this limit.
    'ephemeral-storage': sizeQuantity(Size.mebibytes(scratchMebibytes(scope, 'ephemeralStorage', props.ephemeralStorage))),
  };
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPod(),
    containers: [{ ...evaluator, resources: { requests: resources, limits: resources }, volumeMounts: [mount, { name: 'tmp', mountPath: '/tmp' }] }],
    volumes: [volume, { name: 'tmp', emptyDir: {} }],
  };
}

/**
 * The service's own pod, with the evaluator in place of the server: same model download, GPUs, node selection,
 * tolerations and writable cache paths. Anti-affinity to the service's pods is dropped: it is not a replica.
 */
function inProcessPod(spec: k8s.PodSpec, evaluator: k8s.Container, mount: k8s.VolumeMount, volume: k8s.Volume): k8s.PodSpec {
  const server = spec.containers[0];
  const cacheEnv = (server.env ?? []).filter(e => e.value !== undefined && /(HOME|CACHE|CONFIG_ROOT)/.test(e.name));
  return {
    ...spec,
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 30,
    affinity: spec.affinity?.nodeAffinity ? { nodeAffinity: spec.affinity.nodeAffinity } : undefined,
    topologySpreadConstraints: undefined,
    containers: [{
      ...evaluator,
      env: [...cacheEnv, ...evaluator.env ?? []],
      resources: server.resources,
      volumeMounts: [...server.volumeMounts ?? [], mount],
    }],
    volumes: [...spec.volumes ?? [], volume],
  };
}
