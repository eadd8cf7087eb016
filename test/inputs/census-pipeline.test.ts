/**
 * The pipeline-level GitOps props: ModelDeliveryPipeline (gitOps.*, each environment's options), DeliveryEnvironment,
 * and the AppProject's repositories and kinds. Props the pipeline passes on are reported under the name the
 * user wrote (`gitOps.repoUrl`, `production.destinationServer`), by the construct that received them.
 */
import { App, Duration, Testing, YamlOutputType } from 'cdk8s';
import { census, x } from './census';
import type { ArgoCdProjectProps, DeliveryEnvironmentProps, GitOpsOptions, ModelDeliveryPipelineProps, PipelineEnvironmentOptions } from '../../src';
import {
  Accelerator, ArgoCdProject, CanaryStep, DeliveryEnvironment, Gate, ModelDeliveryPipeline, ModelRuntime, TrafficRouter, ValidationCheck,
} from '../../src';
import { hfSource } from '../serving/helpers';

const EVALUATOR = `ghcr.io/acme/evaluator@sha256:${'a'.repeat(64)}`;
const steps = () => [CanaryStep.weight(25), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] }), CanaryStep.weight(100)];
const serviceProps = () => ({
  name: 'llm',
  model: hfSource(),
  runtime: ModelRuntime.vllm({ image: `vllm/vllm-openai:v0.11.0@sha256:${'b'.repeat(64)}` }),
  accelerator: Accelerator.H100_SXM,
  tensorParallelSize: 8,
});
const validation = () => ({ image: EVALUATOR, dataset: { uri: 's3://evals/chat/v3/' }, checks: [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })] });

const pipeline = (o: Partial<ModelDeliveryPipelineProps> = {}) => new ModelDeliveryPipeline(
  new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/census-pipeline' }), 'llm', {
    service: serviceProps(),
    trafficRouter: TrafficRouter.istio(),
    validation: validation(),
    staging: { namespace: 'llm-staging', replicas: 1, steps: steps() },
    production: { namespace: 'llm', replicas: 4, steps: steps(), gpuBudget: 56 },
    gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'clusters/prod/llm', targetRevision: 'main' },
    ...o,
  });
const git = (o: Partial<GitOpsOptions>) => pipeline({ gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'clusters/prod/llm', ...o } });
const staging = (o: Partial<PipelineEnvironmentOptions>) => pipeline({ staging: { namespace: 'llm-staging', replicas: 1, steps: steps(), ...o } });
const production = (o: Partial<PipelineEnvironmentOptions>) => pipeline({ production: { namespace: 'llm', replicas: 4, steps: steps(), gpuBudget: 56, ...o } });
const environment = (o: Partial<DeliveryEnvironmentProps>) => new DeliveryEnvironment(new App(), 'Env', {
  environment: 'staging', namespace: 'llm', service: serviceProps(), trafficRouter: TrafficRouter.istio(), steps: steps(), validation: validation(), ...o,
});
const project = (o: Partial<ArgoCdProjectProps>) => new ArgoCdProject(Testing.chart(), 'P', {
  name: 'llm', sourceRepos: ['https://github.com/acme/deploy.git'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'llm' }], ...o,
});
const q = (s: string) => JSON.stringify(s);
const GIT = 'https://host/org/repo.git';

const ST = 'llm/Staging';
const PR = 'llm/Production';

describe('ModelDeliveryPipeline gitOps props (reported by the Application they configure)', () => census([
  ['gitOps.repoUrl without scheme', () => git({ repoUrl: 'github.com/acme/deploy' }), x(ST, 'repoUrl', q('github.com/acme/deploy'), GIT)],
  ['gitOps.repoUrl over http', () => git({ repoUrl: 'http://github.com/acme/deploy.git' }), x(ST, 'repoUrl', q('http://github.com/acme/deploy.git'), GIT)],
  ['gitOps.repoUrl empty (also the project\'s repository)', () => git({ repoUrl: '' }), x('llm/Project', 'sourceRepos[0]', '""', GIT)],
  ['gitOps.path with ..', () => git({ path: 'clusters/../secrets' }), x(ST, 'path', q('clusters/../secrets/llm-staging'), 'deploy/llama-70b')],
  ['gitOps.path absolute', () => git({ path: '/clusters/prod' }), x(ST, 'path', q('/clusters/prod/llm-staging'), 'deploy/llama-70b')],
  ['gitOps.targetRevision with space', () => git({ targetRevision: 'release 1' }), x(ST, 'targetRevision', q('release 1'), "'main'")],
  ['gitOps.targetRevision empty', () => git({ targetRevision: '' }), x(ST, 'targetRevision', '""', "'main'")],
  ['gitOps.argoCdNamespace with underscore', () => git({ argoCdNamespace: 'argo_cd' }), x('llm/Project', 'namespace', q('argo_cd'), "'argocd'")],
  ['gitOps.project with a space', () => git({ project: 'ml serving' }), x(ST, 'project', q('ml serving'), '')],
  ['gitOps.project default', () => git({ project: 'default' }), x(ST, 'project', q('default'), '')],
]));

describe('ModelDeliveryPipeline environment props', () => census([
  ['staging.namespace invalid', () => staging({ namespace: 'LLM_staging' }), x('llm', 'staging.namespace', q('LLM_staging'), "'llm-staging'")],
  ['production.namespace kube-system', () => production({ namespace: 'kube-system' }), x('llm', 'production.namespace', q('kube-system'), '')],
  ['production.namespace same as staging', () => production({ namespace: 'llm-staging' }), x('llm', 'production.namespace', q('llm-staging'), 'its own namespace')],
  ['staging.destinationServer over http', () => staging({ destinationServer: 'http://k8s.example.com' }),
    x('llm/Project', 'destinations[0].server', q('http://k8s.example.com'), 'kubernetes.default.svc')],
  ['production.destinationServer without scheme', () => production({ destinationServer: 'k8s.example.com' }),
    x('llm/Project', 'destinations[1].server', q('k8s.example.com'), 'kubernetes.default.svc')],
  ['production.destinationServer with a project given', () => pipeline({
    gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'clusters/prod/llm', project: 'ml' },
    production: { namespace: 'llm', replicas: 4, steps: steps(), gpuBudget: 56, destinationServer: 'https://k8s example' },
  }), x(PR, 'destinationServer', q('https://k8s example'), 'kubernetes.default.svc')],
  ['production.imageDigestWaiver blank is no waiver', () => pipeline({
    service: { ...serviceProps(), runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0' }) },
    production: { namespace: 'llm', replicas: 4, steps: steps(), gpuBudget: 56, imageDigestWaiver: ' ' },
  }),
  x('llm-production', 'service.runtime.image', q('vllm/vllm-openai:v0.11.0'), 'imageDigestWaiver')],
  ['staging.replicas 0', () => staging({ replicas: 0 }), x('llm-staging/Service', 'replicas', '0', '')],
  ['production.replicas 1.5', () => production({ replicas: 1.5 }), x('llm-production/Service', 'replicas', '1.5', '')],
  ['production.gpuBudget below one replica', () => production({ gpuBudget: 4 }), x('llm-production/Rollout', 'gpuBudget', '4', '')],
  ['production.gpuBudget NaN', () => production({ gpuBudget: NaN }), x('llm-production/Rollout', 'gpuBudget', 'NaN', '')],
  ['production.prometheus.scrapeInterval below a second', () => production({ prometheus: { scrapeInterval: Duration.millis(500) } }),
    x('llm-production', 'PrometheusSettings.scrapeInterval', '"500 ms"', '')],
  ['staging.prometheus.address not a URL', () => staging({ prometheus: { address: 'prometheus:9090' } }), x('llm-staging', 'PrometheusSettings.address', q('prometheus:9090'), '')],
  ['validationWaiver blank without validation is no waiver', () => pipeline({ validation: undefined, validationWaiver: '  ' }),
    x('llm-staging', 'validation', 'undefined', 'validationWaiver')],
]));

describe('DeliveryEnvironment props', () => census([
  ['environment uppercase', () => environment({ environment: 'Staging' }), x('Env', 'environment', q('Staging'), "'staging' or 'production'")],
  ['environment with a space', () => environment({ environment: 'eu west' }), x('Env', 'environment', q('eu west'), "'staging' or 'production'")],
  ['environment empty', () => environment({ environment: '' }), x('Env', 'environment', '""', "'staging' or 'production'")],
  ['namespace with underscore', () => environment({ namespace: 'llm_prod' }), x('Env', 'namespace', q('llm_prod'), "'llm-staging'")],
  ['namespace empty', () => environment({ namespace: '' }), x('Env', 'namespace', '""', "'llm-staging'")],
  ['replicas -1', () => environment({ replicas: -1 }), x('Env/Service', 'replicas', '-1', '')],
  ['gpuBudget 0', () => environment({ gpuBudget: 0 }), x('Env/Rollout', 'gpuBudget', '0', '')],
]));

describe('ArgoCdProject repositories and kinds', () => census([
  ['sourceRepos entry empty', () => project({ sourceRepos: [''] }), x('test/P', 'sourceRepos[0]', '""', GIT)],
  ['sourceRepos entry blank', () => project({ sourceRepos: ['https://github.com/acme/deploy.git', ' '] }), x('test/P', 'sourceRepos[1]', '" "', GIT)],
  ['description blank', () => project({ description: ' ' }), x('test/P', 'description', '" "', 'or leave it out')],
  ['clusterResources kind empty', () => project({ clusterResources: [{ group: '', kind: '' }] }), x('test/P', 'clusterResources[0].kind', '""', "kind: 'Namespace'")],
  ['clusterResources kind lowercase', () => project({ clusterResources: [{ group: '', kind: 'namespace' }] }), x('test/P', 'clusterResources[0].kind', q('namespace'), "kind: 'Namespace'")],
  ['clusterResources group with a space', () => project({ clusterResources: [{ group: 'rbac authorization', kind: 'ClusterRole' }] }),
    x('test/P', 'clusterResources[0].group', q('rbac authorization'), "'rbac.authorization.k8s.io'")],
  ['clusterResources name invalid', () => project({ clusterResources: [{ group: '', kind: 'Namespace', name: 'LLM' }] }),
    x('test/P', 'clusterResources[0].name', q('LLM'), "'llm'")],
]));
