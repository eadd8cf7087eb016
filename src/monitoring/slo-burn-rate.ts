import { Duration } from 'cdk8s';
import { SloAlertOptions } from './alert-preset-options';
import { Context, num, pct, single } from './alert-rendering';
import { AlertRules, AlertSeverity } from './alert-rules';
import { check } from '../internal/errors';

/** The SLO burn-rate engine: the SRE workbook's multi-window, multi-burn-rate alerts over recorded ratios. */

/** Error-budget burn rates of the SRE workbook for a 30-day objective: [long window, short window, burn rate]. */
const FAST_BURN: Array<[string, string, number]> = [['1h', '5m', 14.4], ['6h', '30m', 6]];
const SLOW_BURN: Array<[string, string, number]> = [['1d', '2h', 3], ['3d', '6h', 1]];
/** Every window the burn-rate alerts read, shortest first. */
const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

export function burnRate(ctx: Context, props: SloAlertOptions, defaultPrefix: string, record: string, what: string, bad: string,
  ratio: (window: string) => string): AlertRules {
  const prefix = props.alertNamePrefix ?? defaultPrefix;
  const budget = 1 - props.objective;
  const recorded = (w: string) => `${record}:rate${w}${ctx.series.runtime()}`;
  const tiers = [
    {
      suffix: 'BudgetBurnFast',
      burns: FAST_BURN,
      for: props.pageFor,
      defaultFor: Duration.minutes(2),
      severity: props.pageSeverity,
      defaultSeverity: AlertSeverity.CRITICAL,
      speed: 'fast',
      pace: 'the 30-day error budget would be gone within 5 days',
    },
    {
      suffix: 'BudgetBurnSlow',
      burns: SLOW_BURN,
      for: props.ticketFor,
      defaultFor: Duration.minutes(15),
      severity: props.ticketSeverity,
      defaultSeverity: AlertSeverity.WARNING,
      speed: 'steadily',
      pace: 'the 30-day error budget would be gone before the 30 days are over',
    },
  ];
  return {
    recordingRules: SLO_WINDOWS.map(w => ({ record: `${record}:rate${w}`, expr: ratio(w) })),
    alertingRules: tiers.flatMap(t => single(ctx, { for: t.for, severity: t.severity, runbookUrl: props.runbookUrl, labels: props.labels },
      `${prefix}${t.suffix}`, t.defaultFor, t.defaultSeverity,
      t.burns.map(([long, short, rate]) => `(${recorded(long)} > ${num(rate * budget)} and ${recorded(short)} > ${num(rate * budget)})`).join(' or '),
      `${ctx.svc.name}: ${what} error budget burning ${t.speed}`,
      `${ctx.model} version ${ctx.version} has {{ $value | humanizePercentage }} ${bad} over the last ${t.burns.map(b => b[0]).join(' or ')}, `
      + `${t.burns.map(b => `${b[2]}x`).join(' or ')} the rate its ${pct(props.objective)} ${what} objective allows: ${t.pace}.`).alertingRules),
  };
}

export function checkObjective(where: string, objective: number): void {
  check(Number.isFinite(objective) && objective > 0 && objective < 1, undefined, `${where}.objective`, objective, 'must be a ratio strictly between 0 and 1',
    'e.g. objective: 0.999 for 99.9%');
  // The fast-burn threshold is 14.4x the error budget: above 100% bad requests it could never fire.
  check(FAST_BURN[0][2] * (1 - objective) < 1, undefined, `${where}.objective`, objective,
    `leaves an error budget of ${pct(1 - objective)}, so the fast-burn alert would need ${pct(FAST_BURN[0][2] * (1 - objective))} bad requests and could never fire`,
    'use an objective above 0.931 (e.g. 0.99), or alert on the ratio itself with errorRate()');
}
