/**
 * The plugin as cdk8s users run it: the real `cdk8s synth` of cdk8s-cli with a `validations:` entry
 * in cdk8s.yaml (a local `package:` path), on a good and a bad app. Asserts the exit code and the
 * JSON report cdk8s-cli writes (`--validation-reports-output-file`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const CDK8S = path.join(REPO, 'node_modules/.bin/cdk8s');

interface Report {
  readonly violations: Array<{
    ruleName: string;
    recommendation: string;
    fix: string;
    violatingConstructs: Array<{ resourceName: string; locations: string[]; manifestPath: string; constructPath?: string }>;
  }>;
  readonly summary: { readonly status: string };
}

function synth(app: 'good' | 'bad'): { status: number | null; output: string; report: Report } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-plugin-'));
  try {
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), [
      'language: typescript',
      `app: node -r ${REPO}/node_modules/ts-node/register/transpile-only ${REPO}/test/plugin/fixtures/${app}-app.ts`,
      'validations:',
      `  - package: ${REPO}/test/plugin/fixtures/plugin.js`,
      '    version: 0.0.0',
      '    class: MlopsValidation',
      '',
    ].join('\n'));
    const run = spawnSync(CDK8S, ['synth', '--no-check-upgrade', '--validation-reports-output-file', 'report.json'], {
      cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'test/tsconfig.json') },
    });
    const reportFile = path.join(dir, 'report.json');
    if (!fs.existsSync(reportFile)) throw new Error(`cdk8s synth wrote no report (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    return { status: run.status, output: run.stdout + run.stderr, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).reports[0] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a GPU canary made by the library, with the gateway let in, passes: exit 0', () => {
  const { status, report } = synth('good');
  expect(report.violations).toEqual([]);
  expect(report.summary.status).toBe('success');
  expect(status).toBe(0);
}, 120_000);

test('a bad app fails cdk8s synth with every violation naming the resource, the field and the fix', () => {
  const { status, output, report } = synth('bad');
  expect(report.summary.status).toBe('failure');
  expect(status).toBe(2);
  const seen = report.violations.map(v => ({
    rule: v.ruleName,
    resource: v.violatingConstructs[0].resourceName,
    field: v.violatingConstructs[0].locations[0],
    manifest: v.violatingConstructs[0].manifestPath,
  }));
  const deployment = { resource: 'hand-written-vllm', manifest: 'dist/raw.k8s.yaml' };
  expect(seen).toEqual(expect.arrayContaining([
    { rule: 'gpu-taint-toleration', field: 'spec.template.spec.tolerations', ...deployment },
    { rule: 'gpu-product-selection', field: 'spec.template.spec.nodeSelector', ...deployment },
    { rule: 'gpu-shared-memory', field: 'spec.template.spec.containers[0].volumeMounts', ...deployment },
    { rule: 'gpu-probes', field: 'spec.template.spec.containers[0].readinessProbe', ...deployment },
    { rule: 'gpu-startup-budget', field: 'spec.template.spec.containers[0].livenessProbe', ...deployment },
    { rule: 'gpu-pinned-images', field: 'spec.template.spec.containers[0].image', ...deployment },
    { rule: 'pod-security-restricted', field: 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation', ...deployment },
    { rule: 'pod-security-restricted', field: 'spec.template.spec.containers[0].securityContext.runAsNonRoot', ...deployment },
    { rule: 'pod-security-restricted', field: 'spec.template.spec.containers[0].securityContext.seccompProfile', ...deployment },
    { rule: 'pod-security-restricted', field: 'spec.template.spec.containers[0].securityContext.capabilities.drop', ...deployment },
    { rule: 'analysis-passes-without-data', resource: 'hand-written-gate', field: 'spec.metrics[0].successCondition', manifest: 'dist/raw.k8s.yaml' },
    { rule: 'analysis-passes-without-data', resource: 'hand-written-gate', field: 'spec.metrics[1].successCondition', manifest: 'dist/raw.k8s.yaml' },
    // The library's NetworkPolicy admits the ingress gateway it is told of: here, pods of the wrong namespace.
    { rule: 'network-policy-blocks-router', resource: 'llama-70b', field: 'spec.ingress', manifest: 'dist/llm.k8s.yaml' },
  ]));
  expect(seen).toHaveLength(13);
  // Construct paths come from cdk8s' construct metadata, so the report points into the app.
  expect(report.violations.find(v => v.ruleName === 'gpu-taint-toleration')?.violatingConstructs[0].constructPath).toBe('raw/Server');
  const network = report.violations.find(v => v.ruleName === 'network-policy-blocks-router')!;
  expect(network.recommendation).toBe('NetworkPolicy llama-70b: blocks the Istio ingress gateway (namespace istio-system, routed by VirtualService llm/llama-70b) from the pods of Rollout llm/llama-70b on port 8000');
  expect(network.fix).toBe('add an ingress rule from namespaceSelector { matchLabels: { kubernetes.io/metadata.name: istio-system } } on port 8000');
  expect(output).toContain('Validation failed');
}, 120_000);
