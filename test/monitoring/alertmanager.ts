/**
 * Debian's Prometheus and Alertmanager on loopback, fed with what the library synthesizes: the PrometheusRule's
 * groups as a rules file, and the AlertmanagerConfig translated into alertmanager.yml the way prometheus-operator
 * does (pkg/alertmanager/amcfg.go): receiver names prefixed `<namespace>/<name>/`, the config's route a child of
 * the root with a `namespace="<namespace>"` matcher and `continue: true`, the inhibit rules with the same matcher.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as YAML from 'yaml';

type Doc = Record<string, any>;

const matcher = (m: { name: string; value: string; matchType?: string }) => `${m.name}${m.matchType ?? '='}${JSON.stringify(m.value)}`;

/** alertmanager.yml for one AlertmanagerConfig; `secrets` maps `<secret>/<key>` to the value the Secret holds. */
export function alertmanagerYaml(config: Doc, secrets: Record<string, string>): string {
  const ns = config.metadata.namespace;
  const prefix = (name: string) => `${ns}/${config.metadata.name}/${name}`;
  const nsMatcher = matcher({ name: 'namespace', value: ns, matchType: '=' });
  const secret = (ref: { name: string; key: string }) => {
    const value = secrets[`${ref.name}/${ref.key}`];
    if (value === undefined) throw new Error(`no test value for Secret ${ref.name} key ${ref.key}`);
    return value;
  };
  const route = (r: Doc): Doc => ({
    receiver: r.receiver ? prefix(r.receiver) : undefined,
    group_by: r.groupBy,
    group_wait: r.groupWait,
    group_interval: r.groupInterval,
    repeat_interval: r.repeatInterval,
    matchers: r.matchers?.map(matcher),
    continue: r.continue,
    routes: r.routes?.map(route),
  });
  const top = route(config.spec.route);
  const receivers = config.spec.receivers.map((r: Doc) => ({
    name: prefix(r.name),
    webhook_configs: r.webhookConfigs?.map((c: Doc) => ({ url: secret(c.urlSecret), send_resolved: c.sendResolved, max_alerts: c.maxAlerts })),
    slack_configs: r.slackConfigs?.map((c: Doc) => ({ api_url: secret(c.apiURL), channel: c.channel, send_resolved: c.sendResolved })),
    pagerduty_configs: r.pagerdutyConfigs?.map((c: Doc) => ({ routing_key: secret(c.routingKey), send_resolved: c.sendResolved })),
  }));
  return YAML.stringify({
    route: {
      receiver: 'null',
      routes: [{ ...top, matchers: [...top.matchers ?? [], nsMatcher], continue: true }],
    },
    receivers: [{ name: 'null' }, ...receivers],
    inhibit_rules: (config.spec.inhibitRules ?? []).map((i: Doc) => ({
      source_matchers: [...i.sourceMatch.map(matcher), nsMatcher],
      target_matchers: [...i.targetMatch.map(matcher), nsMatcher],
      equal: i.equal,
    })),
  }, { aliasDuplicateObjects: false });
}

/** `amtool config routes test`: the receivers an alert with these labels reaches. */
export function routesTest(configFile: string, labels: Record<string, string>): string[] {
  const run = spawnSync(process.env.AMTOOL ?? 'amtool', ['config', 'routes', 'test', `--config.file=${configFile}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], { encoding: 'utf8', timeout: 10_000 });
  if (run.status !== 0) throw new Error(`amtool failed: ${run.error ?? ''}${run.stderr}${run.stdout}`);
  return run.stdout.trim().split(',').map(s => s.trim()).filter(Boolean);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** An HTTP server on 127.0.0.1 that answers with `handler`. */
export async function listen(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise(r => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** Starts a binary bound to loopback and waits for its `/-/ready`. */
export async function startDaemon(bin: string, args: string[], url: string, logFile: string): Promise<ChildProcess> {
  if (spawnSync(bin, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) {
    throw new Error(`${bin} not found or not runnable: install Debian's prometheus and prometheus-alertmanager packages`);
  }
  const log = fs.openSync(logFile, 'w');
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', log], cwd: path.dirname(logFile) });
  fs.closeSync(log);
  process.once('exit', () => proc.kill('SIGKILL'));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${bin} exited:\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok) return proc;
    } catch {
      // Not listening yet.
    }
    await new Promise(r => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`${bin} not ready:\n${fs.readFileSync(logFile, 'utf8')}`);
}

export async function stopDaemon(proc?: ChildProcess): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise(r => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
