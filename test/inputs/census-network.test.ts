import { census, x } from './census';
import { MeshMode, NetworkPeer, NetworkPolicyOptions } from '../../src';
import { service } from '../serving/helpers';

const S = 'test/Svc';
const policy = (networkPolicy: NetworkPolicyOptions) => service({ name: 'llm', networkPolicy });
const client = (peer: NetworkPeer) => policy({ clients: [peer] });

describe('NetworkPolicy options and peers', () => census([
  ['namespace uppercase', () => client(NetworkPeer.namespace('Gateway')), x(S, 'NetworkPeer.namespace', '"Gateway"', "'monitoring'")],
  ['namespace empty', () => client(NetworkPeer.namespace('')), x(S, 'NetworkPeer.namespace', '""', "'monitoring'")],
  ['namespace of 64 characters', () => client(NetworkPeer.namespace('n'.repeat(64))), x(S, 'NetworkPeer.namespace', `"${'n'.repeat(64)}"`, "'monitoring'")],
  ['namespace with a dot', () => client(NetworkPeer.namespace('istio.system')), x(S, 'NetworkPeer.namespace', '"istio.system"', "'monitoring'")],
  ['namespacesLabelled empty', () => client(NetworkPeer.namespacesLabelled({})), x(S, 'NetworkPeer.namespacesLabelled', '{}', 'NetworkPeer.namespace(name)')],
  ['namespacesLabelled key with a space', () => client(NetworkPeer.namespacesLabelled({ 'team name': 'ml' })), x(S, 'NetworkPeer.namespacesLabelled', '{"team name":"ml"}', 'labels exactly')],
  ['namespacesLabelled value too long', () => client(NetworkPeer.namespacesLabelled({ team: 'v'.repeat(64) })),
    x(S, 'NetworkPeer.namespacesLabelled', `{"team":"${'v'.repeat(64)}"}`, 'labels exactly')],
  ['pods label value with a slash', () => client(NetworkPeer.pods({ labels: { app: 'a/b' } })), x(S, 'NetworkPeer.pods.labels', '{"app":"a/b"}', 'labels exactly')],
  ['pods label key uppercase prefix', () => client(NetworkPeer.pods({ labels: { 'Example.com/app': 'x' } })), x(S, 'NetworkPeer.pods.labels', '{"Example.com/app":"x"}', 'labels exactly')],
  ['pods namespace invalid', () => client(NetworkPeer.pods({ namespace: 'a_b' })), x(S, 'NetworkPeer.pods.namespace', '"a_b"', "'monitoring'")],
  ['ipBlock without prefix length', () => client(NetworkPeer.ipBlock('10.0.0.0')), x(S, 'NetworkPeer.ipBlock', '"10.0.0.0"', "'10.0.0.0/16'")],
  ['ipBlock octet above 255', () => client(NetworkPeer.ipBlock('10.0.0.256/24')), x(S, 'NetworkPeer.ipBlock', '"10.0.0.256/24"', "'10.0.0.0/16'")],
  ['ipBlock prefix above 32', () => client(NetworkPeer.ipBlock('10.0.0.0/33')), x(S, 'NetworkPeer.ipBlock', '"10.0.0.0/33"', "'10.0.0.0/16'")],
  ['ipBlock IPv6 prefix above 128', () => client(NetworkPeer.ipBlock('fd00::/129')), x(S, 'NetworkPeer.ipBlock', '"fd00::/129"', "'fd00::/64'")],
  ['ipBlock a host name', () => client(NetworkPeer.ipBlock('lb.example.com/32')), x(S, 'NetworkPeer.ipBlock', '"lb.example.com/32"', "'10.0.0.0/16'")],
  ['ipBlock except invalid', () => client(NetworkPeer.ipBlock('10.0.0.0/16', ['10.0.1.0'])), x(S, 'NetworkPeer.ipBlock.except', '"10.0.1.0"', "'10.0.0.0/16'")],
  ['metricsScrapers empty', () => policy({ metricsScrapers: [] }), x(S, 'networkPolicy.metricsScrapers', '[]', "NetworkPeer.namespace('monitoring')")],
  ['metricsScrapers peer wrong', () => policy({ metricsScrapers: [NetworkPeer.namespace('Monitoring')] }), x(S, 'NetworkPeer.namespace', '"Monitoring"', "'monitoring'")],
  ['clients not NetworkPeer values', () => policy({ clients: ['gateway' as unknown as NetworkPeer] }), x(S, 'networkPolicy.clients', '["gateway"]', 'NetworkPeer.namespace()')],
  ['mesh unknown', () => policy({ mesh: 'linkerd' as MeshMode }), x(S, 'networkPolicy.mesh', '"linkerd"', 'MeshMode.ISTIO_AMBIENT')],
  ['mesh by its enum key', () => policy({ mesh: 'ISTIO_SIDECAR' as MeshMode }), x(S, 'networkPolicy.mesh', '"ISTIO_SIDECAR"', 'MeshMode.ISTIO_SIDECAR')],
]));
