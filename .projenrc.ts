import * as fs from 'fs';
import * as path from 'path';
import { cdk8s, javascript, JsonFile } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-mlops',
  description: 'Typed cdk8s constructs for shipping ML models to GPU Kubernetes clusters: vLLM/Triton/TGI serving, Argo Rollouts progressive delivery behind metric gates, validation jobs and monitoring.',
  license: 'Apache-2.0',
  author: 'cdk8s-mlops maintainers',
  authorAddress: 'maintainers@cdk8s-mlops.dev',
  repositoryUrl: 'https://github.com/cdk8s-mlops/cdk8s-mlops.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'mlops', 'gpu', 'vllm', 'argo-rollouts', 'prometheus'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jsiiVersion: '~6.0.0',
  // cdktf and its Kubernetes provider serve only the `cdk8s-mlops/terraform` entry point: optional peers (below).
  peerDeps: ['cdk8s-plus-34@^2.0.54', 'cdktf@^0.21.0', '@cdktf/provider-kubernetes@^12.1.1'],
  devDeps: [
    // jsii ~6.0 compiles with TypeScript 6; ts-jest does not accept TypeScript 7 yet.
    'typescript@~6.0.3',
    '@types/node@^20',
    'cdk8s-plus-34@^2.0.54',
    'cdk8s-cli@^2.207.60',
    // Independent conformance checks (test only): schemas, PromQL parser, YAML.
    'kubernetes-models@^5.1.0',
    '@kubernetes-models/argo-rollouts@^2.0.0',
    '@kubernetes-models/prometheus-operator@^6.0.0',
    '@kubernetes-models/keda@^2.0.0',
    '@kubernetes-models/istio@^3.0.1',
    '@kubernetes-models/gateway-api@^2.0.0',
    '@kubernetes-models/argo-cd@^4.0.0',
    '@kubernetes-models/validate',
    '@prometheus-io/lezer-promql@^0.315.0',
    '@lezer/common',
    'yaml@^2.9.1',
  ],

  // Only the JS package: the API stays jsii-clean so other targets can be switched on later.
  docgen: true,
  github: false,
  release: false,
  jestOptions: {
    // A snapshot that changes must be reviewed, never rewritten by a test run.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      // kubernetes-models ships ESM only; the harness loads it with import().
      testTimeout: 60_000,
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/dist/'],
      coveragePathIgnorePatterns: ['/node_modules/', '/src/imports/'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'projenrc', '.projenrc.ts'],
    ignorePatterns: ['src/imports/**'],
  },
  gitignore: ['/dist/examples/', '/.tmp/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/bench/', '/.ci/'] },
});

// Examples and benchmarks are type-checked (and linted) as dev code with the library's settings.
for (const dir of ['examples', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../tsconfig.json', compilerOptions: { rootDir: '..', noEmit: true }, include: ['**/*.ts', '../src/**/*.ts'] },
  });
}

// Users of the main entry point never install cdktf: npm skips optional peers unless something else asks for them.
project.package.addField('peerDependenciesMeta', {
  'cdktf': { optional: true },
  '@cdktf/provider-kubernetes': { optional: true },
});
// Two entry points. lib/terraform/ is compiled with the rest of src/ but not reachable from src/index.ts, so the
// main entry point (and the jsii assembly's types) never load cdktf. `typesVersions` lets TypeScript projects that
// resolve without `exports` (moduleResolution node10) find the subpath's types too.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './terraform': { types: './lib/terraform/index.d.ts', default: './lib/terraform/index.js' },
  // jsii tooling reads these from installed packages.
  './package.json': './package.json',
  './.jsii': './.jsii',
});
project.package.addField('typesVersions', { '*': { terraform: ['lib/terraform/index.d.ts'] } });

// npm ci fails on unrs-resolver 1.13.0's native bindings on these machines.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
// Jest needs the VM modules API to import() the ESM-only kubernetes-models packages.
project.testTask.env('NODE_OPTIONS', '--experimental-vm-modules');

// CRD L1 classes: one `cdk8s import` per pinned upstream kind, so jsii compiles only what we use.
const crdDir = '../shared/crds';
const crdImports: Record<string, string> = {
  rollout: 'argo-rollouts-v1.9.1-rollout.yaml',
  analysistemplate: 'argo-rollouts-v1.9.1-analysis-template.yaml',
  clusteranalysistemplate: 'argo-rollouts-v1.9.1-cluster-analysis-template.yaml',
  prometheusrule: 'prometheus-operator-v0.93.0-prometheusrules.yaml',
  servicemonitor: 'prometheus-operator-v0.93.0-servicemonitors.yaml',
  podmonitor: 'prometheus-operator-v0.93.0-podmonitors.yaml',
  virtualservice: 'istio-v1.30.3-virtualservices.yaml',
  httproute: 'gateway-api-v1.6.1-httproutes.yaml',
  scaledobject: 'keda-v2.20.2-scaledobjects.yaml',
  application: 'argo-cd-v3.5.1-application.yaml',
  appproject: 'argo-cd-v3.5.1-appproject.yaml',
  alertmanagerconfig: 'prometheus-operator-v0.93.0-alertmanagerconfigs.yaml',
  leaderworkerset: 'lws-v0.10.0-leaderworkersets.yaml',
};
const importTask = project.addTask('import:crds', {
  description: `Regenerate src/imports/ from the pinned CRDs in ${crdDir}`,
});
for (const [module, file] of Object.entries(crdImports)) {
  // --no-check-upgrade: the upgrade check needs the internet.
  importTask.exec(`cdk8s import --no-check-upgrade --language typescript --output src/imports ${module}:=${crdDir}/${file}`);
}

// The main job: compile the examples and synthesize each to dist/examples/<name>/.
const examples = fs.existsSync(path.join(__dirname, 'examples'))
  ? fs.readdirSync(path.join(__dirname, 'examples')).filter(f => f.endsWith('.ts')).sort()
  : [];
const synthExamples = project.addTask('synth:examples', {
  description: 'Synthesize every example app in examples/ to YAML under dist/examples/',
});
// Type-check once, then run each app without re-checking.
synthExamples.exec('tsc -p examples/tsconfig.json');
for (const file of examples) {
  synthExamples.exec(`ts-node --transpile-only --project examples/tsconfig.json examples/${file} dist/examples/${path.basename(file, '.ts')}`);
}

// The fleet benchmark (issue 7): compiled once, then every measurement runs in a fresh node process.
const bench = project.addTask('bench', {
  description: 'Benchmark synth of fleets of model services against raw ApiObjects and plain yaml (flags: see bench/run.ts)',
});
bench.exec('tsc -p bench/tsconfig.json --noEmit false --declaration false --outDir .tmp/bench');
bench.exec('node .tmp/bench/bench/run.js', { receiveArgs: true });

project.synth();
