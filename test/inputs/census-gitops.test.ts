/**
 * Argo CD Application props. The AppProject and the pipeline's environments are being reworked (src/gitops): their
 * cases are added with that work.
 */
import { Duration, Testing } from 'cdk8s';
import { census, x } from './census';
import type { ArgoCdApplicationProps } from '../../src';
import { ArgoCdApplication } from '../../src';

const P = 'test/App';
const app = (o: Partial<ArgoCdApplicationProps>) => new ArgoCdApplication(Testing.chart(), 'App', {
  name: 'llm-prod', repoUrl: 'https://github.com/acme/deploy.git', path: 'deploy/llm', destinationNamespace: 'llm', project: 'llm', ...o,
});

describe('Argo CD Application props', () => census([
  ['name uppercase', () => app({ name: 'LLM_prod' }), x(P, 'name', '"LLM_prod"', 'lowercase letters')],
  ['repoUrl not a Git URL', () => app({ repoUrl: 'github.com/acme/deploy' }), x(P, 'repoUrl', '"github.com/acme/deploy"', 'https://host/org/repo.git')],
  ['path with ..', () => app({ path: '../secrets' }), x(P, 'path', '"../secrets"', 'deploy/llama-70b')],
  ['path absolute', () => app({ path: '/deploy' }), x(P, 'path', '"/deploy"', 'deploy/llama-70b')],
  ['destinationNamespace invalid', () => app({ destinationNamespace: 'LLM' }), x(P, 'destinationNamespace', '"LLM"', 'llm-prod')],
  ['destinationNamespace empty', () => app({ destinationNamespace: '' }), x(P, 'destinationNamespace', '""', 'llm-prod')],
  ['namespace invalid', () => app({ namespace: 'argo_cd' }), x(P, 'namespace', '"argo_cd"', "'argocd'")],
  ['project invalid', () => app({ project: 'ML Serving' }), x(P, 'project', '"ML Serving"', 'ml-serving')],
  ['destinationServer http', () => app({ destinationServer: 'http://k8s' }), x(P, 'destinationServer', '"http://k8s"', 'kubernetes.default.svc')],
  ['destinationServer without scheme', () => app({ destinationServer: 'kubernetes.default.svc' }), x(P, 'destinationServer', '"kubernetes.default.svc"', 'kubernetes.default.svc')],
  ['targetRevision with space', () => app({ targetRevision: 'release 1' }), x(P, 'targetRevision', '"release 1"', "'main'")],
  ['retryLimit -1', () => app({ retryLimit: -1 }), x(P, 'retryLimit', '-1', 'retryLimit: 2')],
  ['retryLimit 1e12', () => app({ retryLimit: 1e12 }), x(P, 'retryLimit', '1000000000000', 'retryLimit: 2')],
  ['retryBackoff fractional', () => app({ retryBackoff: Duration.millis(1500) }), x(P, 'retryBackoff', '"1.5 seconds"', 'Duration.seconds(n)')],
  ['retryBackoff a week', () => app({ retryBackoff: Duration.days(7) }), x(P, 'retryBackoff', '"7 days"', 'Duration.seconds')],
  ['labels key invalid', () => app({ labels: { 'team name': 'ml' } }), x(P, 'labels key', '"team name"', 'example.com/team')],
  ['labels value invalid', () => app({ labels: { team: 'ml platform' } }), x(P, 'labels["team"]', '"ml platform"', 'gpu-a100')],
  ['annotations key invalid', () => app({ annotations: { 'notes about': 'x' } }), x(P, 'annotations key', '"notes about"', 'example.com/team')],
]));
