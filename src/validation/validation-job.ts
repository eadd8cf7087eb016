import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { renderJobMetric } from './evaluator-pod';
import { ValidationProps } from './validation-options';
import { ValidationTarget, ValidationTargetKind } from './validation-target';
import { CANDIDATE_SERVICE_ARG, IAnalysisTemplate } from '../gates/analysis-template';
import { AnalysisTemplate } from '../imports/analysistemplate-argoproj.io';
import { bindInputs } from '../internal/errors';
import { NetworkPeer } from '../serving/network-policy';

/**
 * Properties of a ValidationJob.
 */
export interface ValidationJobProps extends ValidationProps {}

/**
 * A validation of the candidate model as an Argo Rollouts gate: an AnalysisTemplate with the `job` provider,
 * for a canary step (`CanaryStep.analysis({ templates: [job] })`, typically after
 * `CanaryStep.canaryScale({ replicas: 1 })` and before the first traffic) or a blue-green `prePromotionAnalysis`.
 * Argo counts the Job exiting 0 as success; a failed Job fails the analysis and aborts the rollout.
 *
 * The evaluator contract is described on ValidationOptions. By default the evaluator calls the rollout's
 * candidate Service, whose name and namespace the rollout passes as the `candidate-service` and `namespace` args.
 *
 * Child ids: `ServiceAccount` (the evaluator's own, unless `serviceAccountName` or `serviceAccount` is given), `Config` (the ConfigMap
 * with `validation.json`), `Resource` (the AnalysisTemplate).
 * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/job/
 */
export class ValidationJob extends Construct implements IAnalysisTemplate {
  public readonly templateName: string;
  public readonly clusterScope = false;
  public readonly requiredArgs: string[];
  public readonly gpus: number;
  /** The evaluator's pods, which call the candidate Service (in the rollout's namespace), unless the target is elsewhere. */
  public readonly candidateClient?: NetworkPeer;

  constructor(scope: Construct, id: string, props: ValidationJobProps) {
    super(scope, id);
    bindInputs(this, props);
    const svc = props.service;
    const target = props.target ?? ValidationTarget.rolloutCandidate();
    const candidate = target._kind === ValidationTargetKind.ROLLOUT_CANDIDATE;
    this.requiredArgs = candidate ? ['namespace', CANDIDATE_SERVICE_ARG] : [];
    // What loads the model holds a whole replica's GPUs: every node of a multi-node group (gpusPerReplica counts them all).
    this.gpus = target._kind === ValidationTargetKind.IN_PROCESS ? svc.gpusPerReplica : 0;
    const job = renderJobMetric(this, props, target);
    this.templateName = job.name;
    this.candidateClient = job.candidateClient;
    new ApiObject(this, 'Resource', {
      ...AnalysisTemplate.GVK,
      metadata: svc.metadata(job.name),
      spec: {
        args: this.requiredArgs.length ? this.requiredArgs.map(name => ({ name })) : undefined,
        metrics: [job.metric],
      },
    });
  }
}
