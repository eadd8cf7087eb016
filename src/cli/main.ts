#!/usr/bin/env node
/** The `cdk8s-mlops` command (package.json `bin`). */
import { parseArgs } from 'node:util';
import { formatReport, GateChecker } from './check-gates';

const USAGE = `Usage: cdk8s-mlops check-gates <dir or YAML file>... --prometheus <url> [--arg name=value]... [--time <unix seconds or RFC 3339>] [--hash-label <label>]

Runs every Prometheus query of the AnalysisTemplates in the synthesized YAML now and reports, per metric,
the series found, the label matcher that finds nothing, the value and the phase Argo Rollouts would give it.
Version-hash args without a value are filled with the running version's hash found in Prometheus.
Exit codes: 0 every gate can measure, 1 a gate can never measure, 2 usage or connection error.`;

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'check-gates') {
    process.stderr.write(`${command === undefined || command === '--help' ? '' : `unknown command: ${command}\n`}${USAGE}\n`);
    return command === '--help' ? 0 : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        'prometheus': { type: 'string' },
        'arg': { type: 'string', multiple: true },
        'time': { type: 'string' },
        'hash-label': { type: 'string', default: 'rollouts_pod_template_hash' },
        'help': { type: 'boolean' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args: { [name: string]: string } = {};
  const problems: string[] = [];
  for (const pair of values.arg ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) problems.push(`--arg ${pair}: expected name=value`);
    else args[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const time = values.time === undefined ? Date.now() / 1000 : /^\d+(\.\d+)?$/.test(values.time) ? Number(values.time) : Date.parse(values.time) / 1000;
  if (Number.isNaN(time)) problems.push(`--time ${values.time}: expected Unix seconds or an RFC 3339 date`);
  if (!values.prometheus) problems.push('--prometheus <url> is required');
  if (positionals.length === 0) problems.push('give the synthesized YAML: a directory (e.g. dist/) or files');
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n${USAGE}\n`);
    return 2;
  }
  try {
    const checks = await new GateChecker({ inputs: positionals, prometheus: values.prometheus!, args, time, hashLabel: values['hash-label']! }).run();
    process.stdout.write(`${formatReport(checks)}\n`);
    return checks.some(t => t.metrics.some(m => m.verdict === 'never measures')) ? 1 : 0;
  } catch (e) {
    process.stderr.write(`check-gates: ${(e as Error).message}${(e as Error).cause ? ` (${(e as Error).cause})` : ''}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
