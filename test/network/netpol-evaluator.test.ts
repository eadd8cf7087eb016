import { admitted, cidrContains, Cluster, Connection, Pod, selectorMatches } from './netpol-evaluator';

const policy = (namespace: string, spec: any) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace }, spec });
const server: Pod = {
  namespace: 'llm',
  labels: { app: 'server', tier: 'gpu' },
  ports: [{ name: 'http', containerPort: 8000 }, { name: 'metrics', containerPort: 9000 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }],
};
const pod = (namespace: string, labels: Record<string, string> = {}): { pod: Pod } => ({ pod: { namespace, labels } });
const cluster = (...policies: any[]): Cluster => ({ policies, namespaceLabels: { monitoring: { team: 'obs' }, gateway: { role: 'edge' } } });
const to = (source: Connection['source'], port: number, protocol?: string): Connection => ({ source, target: server, port, protocol });
const selectServer = { matchLabels: { app: 'server' } };

describe('label selectors', () => {
  test.each([
    [{}, {}, true],
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {}, false],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
  ])('%j selects %j: %s', (selector, labels, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

describe('CIDR blocks', () => {
  test.each([
    ['169.254.7.127/32', '169.254.7.127', true],
    ['169.254.7.127/32', '169.254.7.128', false],
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['fd16:9254:7127:1337:ffff:ffff:ffff:ffff/128', 'fd16:9254:7127:1337:ffff:ffff:ffff:ffff', true],
    ['fd16:9254:7127:1337::/64', 'fd16:9254:7127:1337::1', true],
    ['fd00::/8', 'fe80::1', false],
    ['10.0.0.0/8', 'fd00::1', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(cidr, ip)).toBe(expected);
  });
});

describe('NetworkPolicy ingress semantics', () => {
  test('a pod no policy selects admits everything; one selected with no rules admits nothing', () => {
    expect(admitted(cluster(), to(pod('elsewhere'), 8000))).toBe(true);
    expect(admitted(cluster(policy('llm', { podSelector: { matchLabels: { app: 'other' } }, ingress: [] })), to(pod('elsewhere'), 8000))).toBe(true);
    expect(admitted(cluster(policy('other-ns', { podSelector: {}, policyTypes: ['Ingress'] })), to(pod('elsewhere'), 8000))).toBe(true);
    expect(admitted(cluster(policy('llm', { podSelector: {}, policyTypes: ['Ingress'] })), to(pod('llm'), 8000))).toBe(false);
  });

  test('policyTypes: Egress only does not isolate for ingress; unset isolates', () => {
    expect(admitted(cluster(policy('llm', { podSelector: selectServer, policyTypes: ['Egress'] })), to(pod('x'), 8000))).toBe(true);
    expect(admitted(cluster(policy('llm', { podSelector: selectServer })), to(pod('x'), 8000))).toBe(false);
  });

  test('traffic from the pod\'s own node is always admitted', () => {
    expect(admitted(cluster(policy('llm', { podSelector: {}, policyTypes: ['Ingress'] })), to({ node: true }, 8000))).toBe(true);
  });

  test('an empty or missing from admits every source; empty or missing ports admit every port', () => {
    expect(admitted(cluster(policy('llm', { podSelector: selectServer, ingress: [{ ports: [{ port: 8000 }] }] })), to(pod('anywhere'), 8000))).toBe(true);
    expect(admitted(cluster(policy('llm', { podSelector: selectServer, ingress: [{ from: [], ports: [{ port: 8000 }] }] })), to({ ip: '1.2.3.4' }, 8000))).toBe(true);
    expect(admitted(cluster(policy('llm', { podSelector: selectServer, ingress: [{ from: [{ podSelector: {} }] }] })), to(pod('llm'), 12345))).toBe(true);
    expect(admitted(cluster(policy('llm', { podSelector: selectServer, ingress: [{}] })), to(pod('x'), 1))).toBe(true);
  });

  const rule = (from: any[], ports: any[] = [{ port: 8000, protocol: 'TCP' }]) => cluster(policy('llm', { podSelector: selectServer, policyTypes: ['Ingress'], ingress: [{ from, ports }] }));

  test.each([
    ['podSelector {} admits every pod of the policy\'s namespace', [{ podSelector: {} }], pod('llm'), true],
    ['podSelector {} admits no pod of another namespace', [{ podSelector: {} }], pod('monitoring'), false],
    ['podSelector with labels: matching pod of the namespace', [{ podSelector: { matchLabels: { role: 'client' } } }], pod('llm', { role: 'client' }), true],
    ['podSelector with labels: other labels', [{ podSelector: { matchLabels: { role: 'client' } } }], pod('llm', { role: 'x' }), false],
    ['podSelector with labels: same labels in another namespace', [{ podSelector: { matchLabels: { role: 'client' } } }], pod('gateway', { role: 'client' }), false],
    ['namespaceSelector by name: any pod there', [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], pod('monitoring', { any: 'x' }), true],
    ['namespaceSelector by name: not another namespace', [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], pod('gateway'), false],
    ['namespaceSelector by namespace labels', [{ namespaceSelector: { matchLabels: { team: 'obs' } } }], pod('monitoring'), true],
    ['namespaceSelector {} admits every namespace', [{ namespaceSelector: {} }], pod('random'), true],
    ['both in one peer: pods matching in the selected namespace', [{ namespaceSelector: { matchLabels: { role: 'edge' } }, podSelector: { matchLabels: { gw: 'a' } } }], pod('gateway', { gw: 'a' }), true],
    ['both in one peer: other pods of that namespace refused', [{ namespaceSelector: { matchLabels: { role: 'edge' } }, podSelector: { matchLabels: { gw: 'a' } } }], pod('gateway', { gw: 'b' }), false],
    ['both in one peer: matching pods of another namespace refused', [{ namespaceSelector: { matchLabels: { role: 'edge' } }, podSelector: { matchLabels: { gw: 'a' } } }], pod('llm', { gw: 'a' }), false],
    ['two peers are OR-ed: the namespace alone admits', [{ namespaceSelector: { matchLabels: { role: 'edge' } } }, { podSelector: { matchLabels: { gw: 'a' } } }], pod('gateway', { gw: 'b' }), true],
    ['ipBlock admits an address in the block', [{ ipBlock: { cidr: '169.254.7.127/32' } }], { ip: '169.254.7.127' }, true],
    ['ipBlock refuses an address outside', [{ ipBlock: { cidr: '169.254.7.127/32' } }], { ip: '169.254.7.1' }, false],
    ['ipBlock except carves out', [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], { ip: '10.1.2.3' }, false],
    ['a selector peer never matches a bare address', [{ namespaceSelector: {} }], { ip: '10.0.0.1' }, false],
  ])('%s', (_name, from, source, expected) => {
    expect(admitted(rule(from), to(source as any, 8000))).toBe(expected);
  });

  test.each([
    ['the number', [{ port: 8000 }], 8000, 'TCP', true],
    ['another number', [{ port: 8000 }], 9000, 'TCP', false],
    ['the protocol defaults to TCP', [{ port: 8000 }], 8000, 'UDP', false],
    ['a named port resolves through the container ports', [{ port: 'metrics' }], 9000, 'TCP', true],
    ['a named port does not match another port', [{ port: 'metrics' }], 8000, 'TCP', false],
    ['a named port needs the protocol of the container port', [{ port: 'dns', protocol: 'UDP' }], 53, 'UDP', true],
    ['a named port of another protocol does not resolve', [{ port: 'dns' }], 53, 'TCP', false],
    ['a range with endPort', [{ port: 15000, endPort: 15100 }], 15090, 'TCP', true],
    ['outside the range', [{ port: 15000, endPort: 15100 }], 15101, 'TCP', false],
    ['no port: every port of the protocol', [{ protocol: 'TCP' }], 31337, 'TCP', true],
  ])('ports: %s', (_name, ports, port, protocol, expected) => {
    expect(admitted(rule([{ podSelector: {} }], ports), to(pod('llm'), port, protocol))).toBe(expected);
  });

  test('policies and rules are additive: any rule of any selecting policy admits', () => {
    const c = cluster(
      policy('llm', { podSelector: selectServer, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8000 }] }] }),
      policy('llm', { podSelector: { matchLabels: { tier: 'gpu' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'obs' } } }], ports: [{ port: 9000 }] }] }),
    );
    expect(admitted(c, to(pod('monitoring'), 9000))).toBe(true);
    expect(admitted(c, to(pod('monitoring'), 8000))).toBe(false);
    expect(admitted(c, to(pod('llm'), 8000))).toBe(true);
    expect(admitted(c, to(pod('llm'), 9000))).toBe(false);
  });
});
