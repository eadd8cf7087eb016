import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { ValidationCheck } from './validation-check';
import { ValidationTarget } from './validation-target';
import { IModelService } from '../serving/model-service';
import { SecretKeyRef } from '../serving/secret-ref';

/** The held-out dataset the evaluator scores the model on. */
export interface ValidationDataset {
  /** Where it is, e.g. `s3://eval-sets/chat-v3/` (scheme required). */
  readonly uri: string;
  /**
   * sha256 of the dataset (or its manifest), so a result names exactly what it was measured on.
   * @default - not recorded
   */
  readonly sha256?: string;
}

/**
 * What a validation runs: the evaluator image, the dataset, the checks, and the pod's resources.
 *
 * The evaluator contract (what the container gets and must do):
 * - `MLOPS_VALIDATION_CONFIG` is the path of `validation.json`: `model` (name, version, sourceUri, servedModelName),
 *   `dataset` (uri, sha256), `checks` (one entry per ValidationCheck, with `name` and `type`: `quality`, `latency`,
 *   `schema`, `slices`); schema files sit beside it.
 * - `MLOPS_ENDPOINT` is the base URL of the server under test (OpenAI-compatible for vLLM/TGI), or `MLOPS_MODEL_DIR`
 *   is the model's directory when the evaluator loads the model itself (ValidationTarget.inProcess()).
 * - `MLOPS_MODEL_NAME`, `MLOPS_MODEL_VERSION`, `MLOPS_SERVED_MODEL_NAME` name the version under test.
 * - It writes a JSON summary `{"passed": bool, "checks": [{"name", "passed", "value", "limit"}]}` (at most 4 KiB) to
 *   `MLOPS_RESULT_FILE` (the container's termination message, shown by `kubectl describe` and Argo).
 * - Exit code 0: every check passed. 1: a check failed (the Job fails at once, no retry). Anything else: the
 *   evaluator itself failed, retried up to `backoffLimit`.
 */
export interface ValidationOptions {
  /** The evaluator image (ours ships no ML code), pinned by digest or version tag. */
  readonly image: string;
  /** The held-out dataset. */
  readonly dataset: ValidationDataset;
  /** The checks; names must be unique. */
  readonly checks: ValidationCheck[];
  /**
   * The evaluator's command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * The evaluator's arguments.
   * @default - the image's default arguments
   */
  readonly args?: string[];
  /**
   * Plain environment variables. Credentials are refused: use `secretEnv`.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables read from Secret keys (e.g. dataset store credentials).
   * @default - none
   */
  readonly secretEnv?: { [name: string]: SecretKeyRef };
  /**
   * CPU cores of the evaluator (request and limit). In-process validation uses the server's resources instead.
   * @default 2
   */
  readonly cpu?: number;
  /**
   * Memory of the evaluator (request and limit). In-process validation uses the server's resources instead.
   * @default Size.gibibytes(4)
   */
  readonly memory?: Size;
  /**
   * Node-local disk of the evaluator (`ephemeral-storage` request and limit): its `/tmp` emptyDir, where a dataset
   * it downloads lands, and its logs. In-process validation uses the server's resources instead.
   * @default Size.gibibytes(10)
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
   */
  readonly ephemeralStorage?: Size;
  /**
   * How long the validation may run (`activeDeadlineSeconds`); in-process validation adds the service's startup timeout.
   * @default Duration.minutes(30)
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup
   */
  readonly timeout?: Duration;
  /**
   * Retries after an evaluator error (exit codes other than 0 and 1). A failed check is never retried.
   * @default 1
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy
   */
  readonly backoffLimit?: number;
  /**
   * The pod's ServiceAccount (e.g. one allowed to read the dataset). It must exist before the evaluator runs: for a
   * ValidationHook, before Argo CD's PreSync phase (a PreSync hook in a wave before -5, or created by the platform).
   * Never the model's: cloud identity annotations (IRSA, Workload Identity) on it would give the evaluator the model's role.
   * @default - the evaluator's own ServiceAccount, named like the validation, without a token, created with it
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
   */
  readonly serviceAccountName?: string;
  /**
   * The pod's ServiceAccount as a cdk8s-plus object, in the service's namespace; at most one of this and
   * `serviceAccountName`, with the same rules.
   * @default - the evaluator's own ServiceAccount, or `serviceAccountName`
   * @see https://kubernetes.io/docs/concepts/security/service-accounts/
   */
  readonly serviceAccount?: kplus.IServiceAccount;
}

/** Properties every validation construct shares. */
export interface ValidationProps extends ValidationOptions {
  /** The service whose model version is validated. */
  readonly service: IModelService;
  /**
   * What is validated.
   * @default - ValidationJob: ValidationTarget.rolloutCandidate(); ValidationHook: ValidationTarget.inProcess()
   */
  readonly target?: ValidationTarget;
  /**
   * Name of the objects.
   * @default - `<service>-validation`
   */
  readonly name?: string;
}
