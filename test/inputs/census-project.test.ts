import { Testing } from 'cdk8s';
import { census, x } from './census';
import { ArgoCdProject, ArgoCdProjectProps } from '../../src';

const P = 'test/P';
const project = (o: Partial<ArgoCdProjectProps>) => new ArgoCdProject(Testing.chart(), 'P', {
  name: 'llm', sourceRepos: ['https://github.com/a/b.git'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'llm' }], ...o,
});
const to = (server: string, namespace = 'llm') => project({ destinations: [{ server, namespace }] });

describe('ArgoCdProject props', () => census([
  ['name default', () => project({ name: 'default' }), x(P, 'name', '"default"', "name: 'llama-70b'")],
  ['name uppercase', () => project({ name: 'LLM' }), x(P, 'name', '"LLM"', "name: 'llama-70b'")],
  ['name empty', () => project({ name: '' }), x(P, 'name', '""', "name: 'llama-70b'")],
  ['name with underscore', () => project({ name: 'llm_prod' }), x(P, 'name', '"llm_prod"', "name: 'llama-70b'")],
  ['name of 64 characters', () => project({ name: 'a'.repeat(64) }), x(P, 'name', `"${'a'.repeat(64)}"`, "name: 'llama-70b'")],
  ['namespace with underscore', () => project({ namespace: 'argo_cd' }), x(P, 'namespace', '"argo_cd"', "'argocd'")],
  ['namespace uppercase', () => project({ namespace: 'ArgoCD' }), x(P, 'namespace', '"ArgoCD"', "'argocd'")],
  ['no repository', () => project({ sourceRepos: [] }), x(P, 'sourceRepos', '[]', 'Git repository')],
  ['no destination', () => project({ destinations: [] }), x(P, 'destinations', '[]', 'namespaces the Applications deploy to')],
  ['server without scheme', () => to('kubernetes.default.svc'), x(P, 'destinations[0].server', '"kubernetes.default.svc"', "'https://kubernetes.default.svc'")],
  ['server over http', () => to('http://kubernetes.default.svc'), x(P, 'destinations[0].server', '"http://kubernetes.default.svc"', "'https://kubernetes.default.svc'")],
  ['server empty', () => to(''), x(P, 'destinations[0].server', '""', "'https://kubernetes.default.svc'")],
  ['server with a space', () => to('https://k8s .example.com'), x(P, 'destinations[0].server', '"https://k8s .example.com"', "'https://kubernetes.default.svc'")],
  ['destination kube-system', () => to('https://kubernetes.default.svc', 'kube-system'), x(P, 'destinations[0].namespace', '"kube-system"', 'llm-staging')],
  ['destination kube-public', () => to('https://kubernetes.default.svc', 'kube-public'), x(P, 'destinations[0].namespace', '"kube-public"', 'llm-staging')],
  ['destination kube-node-lease', () => to('https://kubernetes.default.svc', 'kube-node-lease'), x(P, 'destinations[0].namespace', '"kube-node-lease"', 'llm-staging')],
  ["destination Argo CD's namespace", () => to('https://kubernetes.default.svc', 'argocd'), x(P, 'destinations[0].namespace', '"argocd"', 'llm-staging')],
  ["destination Argo CD's own namespace elsewhere", () => project({ namespace: 'gitops', destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'gitops' }] }),
    x(P, 'destinations[0].namespace', '"gitops"', 'llm-staging')],
  ['destination glob', () => to('https://kubernetes.default.svc', 'llm-*'), x(P, 'destinations[0].namespace', '"llm-*"', "'llm-staging'")],
  ['destination uppercase', () => to('https://kubernetes.default.svc', 'LLM'), x(P, 'destinations[0].namespace', '"LLM"', "'llm-staging'")],
  ['second destination wrong', () => project({ destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'llm' }, { server: 'https://kubernetes.default.svc', namespace: 'kube-system' }] }),
    x(P, 'destinations[1].namespace', '"kube-system"', 'llm-staging')],
  ['label key with a space', () => project({ labels: { 'team name': 'ml' } }), x(P, 'labels key', '"team name"', "'example.com/team'")],
  ['label value too long', () => project({ labels: { team: 'a'.repeat(64) } }), x(P, 'labels["team"]', `"${'a'.repeat(64)}"`, "'gpu-a100'")],
  ['annotation key with two slashes', () => project({ annotations: { 'a/b/c': 'x' } }), x(P, 'annotations key', '"a/b/c"', "'example.com/team'")],
]));
