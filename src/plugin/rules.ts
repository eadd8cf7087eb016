import { analysisRules } from './analysis-rules';
import { gpuRules } from './gpu-rules';
import { Finding, podTemplates, Resource } from './manifest';
import { networkRules } from './network-rules';
import { podSecurityRules } from './pod-security-rules';

/** Every rule of the plugin, by the name the report uses. */
export const RULES = [
  'gpu-taint-toleration', 'gpu-product-selection', 'gpu-shared-memory', 'gpu-probes', 'gpu-startup-budget', 'gpu-pinned-images',
  'pod-security-restricted', 'analysis-passes-without-data', 'network-policy-blocks-router',
] as const;

export interface RuleOptions {
  readonly minStartupSeconds: number;
  readonly requireDigests: boolean;
  readonly istioGatewayNamespace: string;
  readonly disabledRules: readonly string[];
}

/** The findings of every enabled rule for the objects of an app. */
export function findings(resources: readonly Resource[], options: RuleOptions): Finding[] {
  const pods = podTemplates(resources);
  return [
    ...gpuRules(pods, options),
    ...podSecurityRules(pods),
    ...analysisRules(resources),
    ...networkRules(resources, options),
  ].filter(f => !options.disabledRules.includes(f.rule));
}
