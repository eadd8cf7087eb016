/**
 * Conformance harness: checks synthesized manifests against sources that do not share code with
 * this library — published schemas, the Prometheus PromQL parser, `promtool` and the Pod Security
 * Standards "restricted" profile — so a test cannot pass just because the library agrees with itself.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Parser } from '@lezer/common';
import { App, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';

export type Check = 'schema' | 'promql' | 'promtool' | 'pss';

export interface Violation {
  readonly check: Check;
  /** `Kind/name` of the offending document. */
  readonly object: string;
  /** JSON path from the document root, e.g. `spec.template.spec.containers[0].securityContext`. */
  readonly field: string;
  readonly message: string;
}

export interface ConformanceOptions {
  /** Values for Argo `{{args.NAME}}` placeholders; they win over the template's own `spec.args[].value`. */
  readonly sampleArgs?: Record<string, string>;
}

type Doc = Record<string, any>;

/** Synthesizes a chart or app (every chart) and checks the result; plain manifests are checked as given. */
export async function checkConformance(input: Chart | App | object[], options: ConformanceOptions = {}): Promise<Violation[]> {
  return violationsOf(manifestsOf(input), options);
}

/** Throws one error listing every violation; returns the manifests when there are none. */
export async function expectConformant(input: Chart | App | object[], options: ConformanceOptions = {}): Promise<object[]> {
  const manifests = manifestsOf(input);
  const violations = await violationsOf(manifests, options);
  if (violations.length > 0) {
    const lines = violations.map(v => `[${v.check}] ${v.object} ${v.field}: ${v.message}`);
    throw new Error(`${violations.length} conformance violation(s):\n${lines.join('\n')}`);
  }
  return manifests;
}

function manifestsOf(input: Chart | App | object[]): Doc[] {
  if (Array.isArray(input)) return input as Doc[];
  return input instanceof App ? input.charts.flatMap(c => Testing.synth(c)) : Testing.synth(input);
}

async function violationsOf(docs: Doc[], options: ConformanceOptions): Promise<Violation[]> {
  const perDoc = await Promise.all(docs.map(async doc => [
    ...await checkSchema(doc),
    ...await checkPromql(doc, options),
    ...checkPromtool(doc),
    ...checkPss(doc),
  ]));
  return perDoc.flat();
}

let importQueue: Promise<unknown> = Promise.resolve();
/**
 * `import()` one at a time: Jest's ESM loader fails with "request for … is not in cache" when
 * concurrent imports share dependencies.
 */
function importSerially(specifier: string): Promise<any> {
  const loaded = importQueue.then(() => import(specifier));
  importQueue = loaded.catch(() => undefined);
  return loaded;
}

const label = (doc: Doc) => `${doc.kind}/${doc.metadata?.name}`;

/**
 * Values at a dotted path. `name[]` fans out over an array (an absent array yields nothing);
 * other absent steps yield `undefined`, so a rule can flag a field that is missing.
 */
function select(value: any, expr: string, at = ''): Array<[string, any]> {
  const [segment, ...rest] = expr.split('.');
  const key = segment.replace(/\[\]$/, '');
  const where = at ? `${at}.${key}` : key;
  const next = (v: any, p: string): Array<[string, any]> => rest.length ? select(v, rest.join('.'), p) : [[p, v]];
  const child = value?.[key];
  if (segment === key) return next(child, where);
  return Array.isArray(child) ? child.flatMap((v, i) => next(v, `${where}[${i}]`)) : [];
}

// ---------------------------------------------------------------------------------------------
// schema

type Validate = (doc: Doc) => Array<{ instancePath: string; message?: string; params: Record<string, any> }>;

/** API groups whose models come from a @kubernetes-models package; any other group tries `kubernetes-models`. */
const MODEL_PACKAGES: Record<string, string | ((kind: string) => string)> = {
  // Argo Rollouts and Argo CD share the API group.
  'argoproj.io': kind => ['Application', 'ApplicationSet', 'AppProject'].includes(kind)
    ? '@kubernetes-models/argo-cd' : '@kubernetes-models/argo-rollouts',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
  'networking.istio.io': '@kubernetes-models/istio',
  'security.istio.io': '@kubernetes-models/istio',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
};

/** Kinds without a (current) models package: the pinned upstream CRD is their schema. */
const CRD_FILES: Record<string, string> = {
  'leaderworkerset.x-k8s.io/LeaderWorkerSet': 'lws-v0.10.0-leaderworkersets.yaml',
  // The pinned Argo CD version's schema rather than the models package's, whose version may differ.
  'argoproj.io/AppProject': 'argo-cd-v3.5.1-appproject.yaml',
  // The models package lags prometheus-operator; the pinned CRD is the version the library renders for.
  'monitoring.coreos.com/AlertmanagerConfig': 'prometheus-operator-v0.93.0-alertmanagerconfigs.yaml',
};
const CRD_DIR = path.resolve(__dirname, '../../shared/crds');

const validators = new Map<string, Promise<Validate | undefined>>();

async function checkSchema(doc: Doc): Promise<Violation[]> {
  const key = `${doc.apiVersion}/${doc.kind}`;
  if (!validators.has(key)) validators.set(key, loadValidator(String(doc.apiVersion), String(doc.kind)));
  const validate = await validators.get(key)!;
  if (!validate) {
    return [{ check: 'schema', object: label(doc), field: 'kind', message: `no independent schema for ${key}` }];
  }
  return validate(doc).map(e => ({
    check: 'schema',
    object: label(doc),
    // A missing property is reported at its parent; point at the property itself.
    field: jsonPath(e.instancePath) + (e.params.missingProperty ? `.${e.params.missingProperty}` : ''),
    message: `data${e.instancePath} ${e.message}${e.params.allowedValues ? `: ${e.params.allowedValues.join(', ')}` : ''}`,
  }));
}

const jsonPath = (pointer: string) => pointer.split('/').slice(1)
  .map(p => /^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`).join('').replace(/^\./, '');

async function loadValidator(apiVersion: string, kind: string): Promise<Validate | undefined> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const crd = CRD_FILES[`${group}/${kind}`];
  if (crd) return crdValidator(path.join(CRD_DIR, crd), version);
  const pkg = MODEL_PACKAGES[group] ?? 'kubernetes-models';
  const specifier = `${typeof pkg === 'function' ? pkg(kind) : pkg}/${group ? `${group}/` : ''}${version}/${kind}`;
  let model: any;
  try {
    model = (await importSerially(specifier))[kind];
  } catch (e: any) {
    // Jest's resolver says MODULE_NOT_FOUND, Node's ERR_MODULE_NOT_FOUND or ERR_PACKAGE_PATH_NOT_EXPORTED.
    if (/MODULE_NOT_FOUND|NOT_EXPORTED/.test(e.code)) return undefined;
    throw e;
  }
  return doc => {
    try {
      new model(doc).validate();
      return [];
    } catch (e: any) {
      if (!Array.isArray(e.errors)) throw e;
      return e.errors;
    }
  };
}

async function crdValidator(file: string, version: string): Promise<Validate | undefined> {
  const crd = YAML.parse(fs.readFileSync(file, 'utf8'));
  const schema = crd.spec.versions.find((v: Doc) => v.name === version)?.schema?.openAPIV3Schema;
  if (!schema) return undefined;
  // Ajv 8 is not a direct dependency: use the copy (and the RE2 engine) @kubernetes-models/validate validates with.
  const requireFromValidate = createRequire(path.resolve(__dirname, '../node_modules/@kubernetes-models/validate/package.json'));
  const Ajv = requireFromValidate('ajv').default;
  const RE2 = (await importSerially('@kubernetes-models/validate/runtime/re2')).default;
  const validate = new Ajv({
    allErrors: true,
    // CRD schemas carry x-kubernetes-* keywords and formats (int32, int-or-string) Ajv does not know.
    strict: false,
    validateFormats: false,
    // CRD patterns are Go regular expressions (e.g. `(?i)`), which JavaScript's RegExp may reject.
    code: { regExp: (source: string, flags: string) => new RE2(source, flags) },
  }).compile(schema);
  return doc => validate(doc) ? [] : validate.errors;
}

// ---------------------------------------------------------------------------------------------
// promql

interface PromqlLocation {
  /** Objects that hold a query; absent ones are skipped. */
  readonly at: string;
  /** The query, relative to `at`. */
  readonly expr: string;
  readonly when?: (o: Doc) => boolean;
  /** Where Argo `{{args.NAME}}` placeholders get their default values. */
  readonly args?: string;
}

const ANALYSIS_QUERY: PromqlLocation = { at: 'spec.metrics[].provider.prometheus', expr: 'query', args: 'spec.args' };
const KEDA_QUERY: PromqlLocation = { at: 'spec.triggers[]', expr: 'metadata.query', when: t => t.type === 'prometheus' };
const PROMQL: Record<string, PromqlLocation> = {
  PrometheusRule: { at: 'spec.groups[].rules[]', expr: 'expr' },
  AnalysisTemplate: ANALYSIS_QUERY,
  ClusterAnalysisTemplate: ANALYSIS_QUERY,
  AnalysisRun: ANALYSIS_QUERY,
  ScaledObject: KEDA_QUERY,
  ScaledJob: KEDA_QUERY,
};

let promqlParser: Promise<Parser> | undefined;

async function checkPromql(doc: Doc, options: ConformanceOptions): Promise<Violation[]> {
  const loc = PROMQL[doc.kind];
  if (!loc) return [];
  promqlParser ??= importSerially('@prometheus-io/lezer-promql').then(m => m.parser);
  const parser = await promqlParser;
  const args: Record<string, string> = {};
  for (const [, a] of loc.args ? select(doc, `${loc.args}[]`) : []) if (a?.value !== undefined) args[a.name] = String(a.value);
  Object.assign(args, options.sampleArgs);

  const violations: Violation[] = [];
  for (const [at, holder] of select(doc, loc.at)) {
    if (holder === undefined || (loc.when && !loc.when(holder))) continue;
    for (const [field, raw] of select(holder, loc.expr, at)) {
      const fail = (message: string) => violations.push({ check: 'promql', object: label(doc), field, message });
      if (typeof raw !== 'string' || raw.trim() === '') {
        fail(`must be a non-empty PromQL string, got ${JSON.stringify(raw)}`);
        continue;
      }
      const expr = loc.args ? raw.replace(/\{\{\s*args\.([\w.-]+)\s*\}\}/g, (_, name) => args[name] ?? `sample-${name}`) : raw;
      let error: number | undefined;
      parser.parse(expr).iterate({ enter: n => { error ??= n.type.isError ? n.from : undefined; } });
      if (error !== undefined) {
        const line = expr.slice(0, error).split('\n');
        fail(`PromQL syntax error at ${line.length}:${line[line.length - 1].length + 1} near ${JSON.stringify(expr.slice(error, error + 20))} in ${JSON.stringify(expr)}`);
      }
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------------------------
// promtool

function checkPromtool(doc: Doc): Violation[] {
  if (doc.kind !== 'PrometheusRule') return [];
  const fail = (message: string): Violation[] => [{ check: 'promtool', object: label(doc), field: 'spec.groups', message }];
  const bin = process.env.PROMTOOL ?? 'promtool';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    const file = path.join(dir, 'rules.yaml');
    // prometheus-operator drops the Thanos-only partial_response_strategy before Prometheus sees the rules.
    const groups = select(doc, 'spec.groups[]').map(([, group]) => ({ ...group, partial_response_strategy: undefined }));
    fs.writeFileSync(file, YAML.stringify({ groups }));
    const run = spawnSync(bin, ['check', 'rules', file], { encoding: 'utf8' });
    if (run.error) {
      return fail(`cannot run ${bin} (${(run.error as NodeJS.ErrnoException).code}): install it (apt-get install -y prometheus) or point PROMTOOL at it`);
    }
    const output = `${run.stdout}${run.stderr}`.split(file).join('rules.yaml').split('\n')
      .map(line => line.trim()).filter(line => line && !line.startsWith('Checking ')).join(' ');
    if (run.status !== 0) return fail(`promtool check rules failed: ${output}`);
    // promtool accepts a file without rules.
    const found = /SUCCESS: (\d+) rules found/.exec(output);
    return found && Number(found[1]) > 0 ? [] : fail(`promtool found no rules: ${output}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// pss: https://kubernetes.io/docs/concepts/security/pod-security-standards/ (restricted, which includes baseline)

const TEMPLATE = 'spec.template.spec';
const ANALYSIS_JOB = 'spec.metrics[].provider.job.spec.template.spec';
const POD_SPECS: Record<string, string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template.spec'],
  Deployment: [TEMPLATE],
  StatefulSet: [TEMPLATE],
  DaemonSet: [TEMPLATE],
  ReplicaSet: [TEMPLATE],
  ReplicationController: [TEMPLATE],
  Job: [TEMPLATE],
  Rollout: [TEMPLATE],
  CronJob: ['spec.jobTemplate.spec.template.spec'],
  ScaledJob: ['spec.jobTargetRef.template.spec'],
  Experiment: ['spec.templates[].template.spec'],
  LeaderWorkerSet: ['spec.leaderWorkerTemplate.leaderTemplate.spec', 'spec.leaderWorkerTemplate.workerTemplate.spec'],
  AnalysisTemplate: [ANALYSIS_JOB],
  ClusterAnalysisTemplate: [ANALYSIS_JOB],
  AnalysisRun: [ANALYSIS_JOB],
};

interface PssRule {
  /** Relative to the pod spec or the container; `[]` fans out over an array. */
  readonly field: string;
  readonly ok: (value: any) => boolean;
  readonly must: string;
  readonly control: string;
  /** An unset container value falls back to the same path on the pod spec. */
  readonly inherit: boolean;
}

const unsetOr = (...allowed: unknown[]) => (v: unknown) => v === undefined || allowed.includes(v);
const notTrue = (v: unknown) => v !== true;
const PROFILES = ['RuntimeDefault', 'Localhost'];
const VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
];

const pssRule = (field: string, ok: PssRule['ok'], must: string, control: string, inherit = false): PssRule => ({ field, ok, must, control, inherit });

/** Rules that apply to the pod-level and the container-level securityContext alike. */
const SECURITY_CONTEXT_RULES = [
  pssRule('securityContext.runAsUser', v => v !== 0, 'must not be 0', 'Running as Non-root user'),
  pssRule('securityContext.windowsOptions.hostProcess', notTrue, 'must not be true', 'HostProcess'),
  pssRule('securityContext.seLinuxOptions.type', unsetOr('', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'),
    'must be unset or a container_* type', 'SELinux'),
  pssRule('securityContext.seLinuxOptions.user', unsetOr(''), 'must be unset', 'SELinux'),
  pssRule('securityContext.seLinuxOptions.role', unsetOr(''), 'must be unset', 'SELinux'),
  pssRule('securityContext.appArmorProfile.type', unsetOr(...PROFILES), 'must be unset, RuntimeDefault or Localhost', 'AppArmor'),
];

const POD_RULES = [
  ...SECURITY_CONTEXT_RULES,
  ...['hostNetwork', 'hostPID', 'hostIPC'].map(field => pssRule(field, notTrue, 'must not be true', 'Host Namespaces')),
  pssRule('securityContext.seccompProfile.type', unsetOr(...PROFILES), 'must be RuntimeDefault or Localhost', 'Seccomp'),
  pssRule('volumes[]', v => Object.keys(v ?? {}).every(k => k === 'name' || VOLUMES.includes(k)), `must be one of ${VOLUMES.join(', ')}`, 'Volume Types'),
  pssRule('securityContext.sysctls[].name', v => SAFE_SYSCTLS.includes(v), 'must be a safe sysctl', 'Sysctls'),
];

const onlyCapabilities = (allowed: string[]) => (v: unknown) => v === undefined || (Array.isArray(v) && v.every(c => allowed.includes(c)));
const RESTRICTED_CAPABILITIES = pssRule('securityContext.capabilities.add', onlyCapabilities(['NET_BIND_SERVICE']), 'may only contain NET_BIND_SERVICE', 'Capabilities');
const CONTAINER_RULES = [
  ...SECURITY_CONTEXT_RULES,
  pssRule('securityContext.allowPrivilegeEscalation', v => v === false, 'must be false', 'Privilege Escalation'),
  pssRule('securityContext.privileged', notTrue, 'must not be true', 'Privileged Containers'),
  pssRule('securityContext.runAsNonRoot', v => v === true, 'must be true on the container or the pod securityContext', 'Running as Non-root', true),
  pssRule('securityContext.seccompProfile.type', v => PROFILES.includes(v),
    'must be RuntimeDefault or Localhost on the container or the pod securityContext', 'Seccomp', true),
  pssRule('securityContext.capabilities.drop', v => Array.isArray(v) && v.includes('ALL'), 'must include ALL', 'Capabilities'),
  RESTRICTED_CAPABILITIES,
  pssRule('securityContext.procMount', unsetOr('Default'), 'must be unset or Default', '/proc Mount Type'),
  pssRule('ports[].hostPort', unsetOr(0), 'must be unset', 'Host Ports'),
];

/**
 * The one documented exception (the library's `Interconnect.rdma`): a pod template annotated
 * `mlops.cdk8s.io/pod-security-exception: IPC_LOCK` is checked against "baseline" (the controls "restricted" adds
 * are skipped) whose capability list is extended by IPC_LOCK alone.
 */
const POD_SECURITY_EXCEPTION = 'mlops.cdk8s.io/pod-security-exception';
const BASELINE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
const RESTRICTED_ONLY = new Set(['Running as Non-root user', 'Volume Types', 'Privilege Escalation', 'Running as Non-root', 'Capabilities']);
const baselineWith = (rules: PssRule[], capability: string) => [
  ...rules.filter(r => !RESTRICTED_ONLY.has(r.control) && !(r.control === 'Seccomp' && r.inherit)),
  ...rules.includes(RESTRICTED_CAPABILITIES) ? [pssRule('securityContext.capabilities.add', onlyCapabilities([...BASELINE_CAPABILITIES, capability]),
    `may only contain baseline's capabilities and ${capability}`, 'Capabilities')] : [],
];

function checkPss(doc: Doc): Violation[] {
  const violations: Violation[] = [];
  const apply = (rules: PssRule[], target: unknown, at: string, pod: unknown) => {
    for (const rule of rules) {
      for (const [field, value] of select(target, rule.field, at)) {
        const effective = value ?? (rule.inherit ? select(pod, rule.field)[0][1] : undefined);
        if (rule.ok(effective)) continue;
        const got = effective === undefined ? 'unset' : JSON.stringify(effective);
        violations.push({ check: 'pss', object: label(doc), field, message: `${rule.must} (PSS restricted: ${rule.control}); got ${got}` });
      }
    }
  };
  for (const specPath of POD_SPECS[doc.kind] ?? []) {
    const exceptions = new Map(select(doc, `${specPath.replace(/spec$/, 'metadata')}.annotations`).map(([at, a]) => [at, a?.[POD_SECURITY_EXCEPTION]]));
    for (const [at, pod] of select(doc, specPath)) {
      if (pod === undefined) continue;
      const exception = exceptions.get(at.replace(/spec$/, 'metadata.annotations'));
      if (exception !== undefined && exception !== 'IPC_LOCK') {
        violations.push({ check: 'pss', object: label(doc), field: at, message: `${POD_SECURITY_EXCEPTION} may only be IPC_LOCK; got ${JSON.stringify(exception)}` });
      }
      const [podRules, containerRules] = exception === 'IPC_LOCK'
        ? [baselineWith(POD_RULES, exception), baselineWith(CONTAINER_RULES, exception)] : [POD_RULES, CONTAINER_RULES];
      apply(podRules, pod, at, pod);
      for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
        for (const [cAt, container] of select(pod, `${list}[]`, at)) apply(containerRules, container, cAt, pod);
      }
    }
  }
  return violations;
}
