import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { evaluatorServiceAccount, renderValidation } from './evaluator-pod';
import { ValidationProps } from './validation-options';
import { ValidationTarget, ValidationTargetKind } from './validation-target';
import { CANDIDATE_SERVICE_ARG, IAnalysisTemplate } from '../gates/analysis-template';
import { AnalysisTemplate } from '../imports/analysistemplate-argoproj.io';
import { bindInputs } from '../internal/errors';
import { selectorLabels } from '../internal/labels';
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
 * Child ids: `ServiceAccount` (the evaluator's own, unless `serviceAccountName` is given), `Config` (the ConfigMap
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
    this.gpus = target._kind === ValidationTargetKind.IN_PROCESS ? svc.gpusPerReplica : 0;
    const endpoint = `http://{{args.${CANDIDATE_SERVICE_ARG}}}.{{args.namespace}}.svc:${svc.port}`;
    const rendered = renderValidation(this, props, target, candidate ? endpoint : undefined);
    this.templateName = rendered.name;
    // Argo runs the Job in the AnalysisRun's namespace, the rollout's: the policy's own.
    this.candidateClient = candidate ? NetworkPeer.pods({ labels: selectorLabels(rendered.name) }) : undefined;

    // A plain object: the analysis runs its Job during the rollout, after every object of the sync's earlier waves exists.
    evaluatorServiceAccount(this, rendered, svc.metadata(rendered.name));
    new k8s.KubeConfigMap(this, 'Config', { metadata: svc.metadata(rendered.name), data: rendered.configData });
    new ApiObject(this, 'Resource', {
      ...AnalysisTemplate.GVK,
      metadata: svc.metadata(rendered.name),
      spec: {
        args: this.requiredArgs.length ? this.requiredArgs.map(name => ({ name })) : undefined,
        metrics: [{
          name: 'validation',
          // One verdict: the Job's own retries (backoffLimit) cover evaluator errors.
          failureLimit: 0,
          provider: {
            job: {
              metadata: { labels: rendered.labels, annotations: svc.annotations },
              spec: k8s.toJson_JobSpec(rendered.jobSpec),
            },
          },
        }],
      },
    });
  }
}
