import { Duration } from 'cdk8s';
import { deferFactoryChecks, propError } from '../internal/errors';
import { duration } from '../internal/validate';

/** A quality metric (accuracy, F1, exact match...) on the held-out dataset, as a ratio from 0 to 1. */
export interface QualityCheckOptions {
  /** The metric's name as the evaluator reports it, e.g. `accuracy`. */
  readonly metric: string;
  /** The lowest acceptable value, from 0 to 1. */
  readonly threshold: number;
  /**
   * The production model's validated value of the metric, from 0 to 1.
   * @default - no comparison with production
   */
  readonly baseline?: number;
  /**
   * How far below the baseline the candidate may score (needs `baseline`).
   * @default 0 when a baseline is given
   */
  readonly baselineTolerance?: number;
}

/** Latency percentiles under a fixed load, against the SLA. */
export interface LatencyCheckOptions {
  /**
   * Highest acceptable median request latency.
   * @default - not checked
   */
  readonly p50?: Duration;
  /**
   * Highest acceptable 95th percentile.
   * @default - not checked
   */
  readonly p95?: Duration;
  /**
   * Highest acceptable 99th percentile.
   * @default - not checked
   */
  readonly p99?: Duration;
  /** The load: requests per second the evaluator sends. */
  readonly requestsPerSecond: number;
  /**
   * How long the load runs.
   * @default Duration.minutes(5)
   */
  readonly duration?: Duration;
  /**
   * Requests in flight at most.
   * @default 16
   */
  readonly concurrency?: number;
}

/** Every response (and optionally request sample) must validate against a JSON schema. */
export interface SchemaCheckOptions {
  /**
   * JSON schema of the requests the dataset's samples are sent as.
   * @default - not checked
   * @see https://json-schema.org/specification
   */
  readonly inputSchema?: { [key: string]: any };
  /**
   * JSON schema every response must satisfy.
   * @default - not checked
   */
  readonly outputSchema?: { [key: string]: any };
}

/** A quality metric per slice of the dataset (bias and fairness checks). */
export interface SliceCheckOptions {
  /** The metric, as in a quality check. */
  readonly metric: string;
  /** The dataset field whose values define the slices, e.g. `language`. */
  readonly sliceBy: string;
  /** The largest acceptable gap between the best and the worst slice, from 0 to 1. */
  readonly maxGap: number;
  /**
   * The lowest acceptable value in any slice, from 0 to 1.
   * @default - no per-slice minimum
   */
  readonly minimum?: number;
}

/** What a check renders into: one entry of the evaluator's config, plus files beside it. */
export interface ValidationCheckConfig {
  /** The check's unique name. */
  readonly name: string;
  /** The entry in `validation.json` (see ValidationJob for the contract). */
  readonly entry: { [key: string]: any };
  /** Extra files of the config volume by file name (JSON schemas). */
  readonly files: { [fileName: string]: string };
}

/**
 * One check the evaluator runs against the candidate model. The evaluator image implements them;
 * the library renders their parameters and enforces their ranges.
 */
export abstract class ValidationCheck {
  /**
   * Quality on the held-out dataset: at least `threshold`, and at least `baseline - baselineTolerance` when a
   * production baseline is given.
   */
  public static quality(options: QualityCheckOptions): ValidationCheck {
    const where = `ValidationCheck.quality(${options.metric})`;
    metricName(where, options.metric);
    ratio(where, 'threshold', options.threshold);
    if (options.baselineTolerance !== undefined && options.baseline === undefined) {
      throw propError(undefined, `${where}.baselineTolerance`, options.baselineTolerance,
        'is a tolerance below a production baseline, but no baseline is given', 'set baseline to the production model\'s validated value, or drop baselineTolerance');
    }
    if (options.baseline !== undefined) ratio(where, 'baseline', options.baseline);
    const tolerance = options.baseline === undefined ? undefined : options.baselineTolerance ?? 0;
    if (tolerance !== undefined) ratio(where, 'baselineTolerance', tolerance);
    const minimum = options.baseline === undefined ? options.threshold : Math.max(options.threshold, options.baseline - tolerance!);
    return new RenderedCheck(`quality-${options.metric}`, {
      type: 'quality', metric: options.metric, minimum: round(minimum), threshold: options.threshold, baseline: options.baseline, baselineTolerance: tolerance,
    });
  }

  /** Request latency percentiles under the given load, each at most its SLA. */
  public static latency(options: LatencyCheckOptions): ValidationCheck {
    const where = 'ValidationCheck.latency';
    const percentiles = (['p50', 'p95', 'p99'] as const).filter(p => options[p] !== undefined);
    if (percentiles.length === 0) {
      throw propError(undefined, where, options, 'checks no percentile', 'set p50, p95 and/or p99 to the SLA, e.g. p95: Duration.seconds(2)');
    }
    const seconds: Record<string, number> = {};
    for (const p of percentiles) seconds[p] = positiveSeconds(where, p, options[p]!);
    for (let i = 1; i < percentiles.length; i++) {
      const [lo, hi] = [percentiles[i - 1], percentiles[i]];
      if (seconds[lo] > seconds[hi]) {
        throw propError(undefined, `${where}.${hi}`, options[hi]!.toHumanString(), `is below ${lo} (${options[lo]!.toHumanString()}), which no distribution can satisfy with ${lo} met`,
          `give increasing limits: ${percentiles.join(' <= ')}`);
      }
    }
    if (!(options.requestsPerSecond > 0) || !Number.isFinite(options.requestsPerSecond)) {
      throw propError(undefined, `${where}.requestsPerSecond`, options.requestsPerSecond, 'must be a positive number', 'set the load the SLA is defined at, e.g. requestsPerSecond: 5');
    }
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw propError(undefined, `${where}.concurrency`, concurrency, 'must be a whole number >= 1', 'e.g. concurrency: 16');
    }
    return new RenderedCheck('latency', {
      type: 'latency',
      percentilesSeconds: seconds,
      load: { requestsPerSecond: options.requestsPerSecond, durationSeconds: positiveSeconds(where, 'duration', options.duration ?? Duration.minutes(5)), concurrency },
    });
  }

  /** Requests and responses against JSON schemas. */
  public static schema(options: SchemaCheckOptions): ValidationCheck {
    const where = 'ValidationCheck.schema';
    if (!options.inputSchema && !options.outputSchema) {
      throw propError(undefined, where, options, 'checks no schema', 'set inputSchema and/or outputSchema');
    }
    const files: Record<string, string> = {};
    const entry: Record<string, any> = { type: 'schema' };
    for (const [prop, file] of [['inputSchema', 'input-schema.json'], ['outputSchema', 'output-schema.json']] as const) {
      const schema = options[prop];
      if (schema === undefined) continue;
      if (typeof schema !== 'object' || Array.isArray(schema) || Object.keys(schema).length === 0) {
        throw propError(undefined, `${where}.${prop}`, schema, 'must be a non-empty JSON schema object', 'e.g. { type: \'object\', required: [\'choices\'] }');
      }
      files[file] = JSON.stringify(schema, undefined, 2);
      entry[prop] = file;
    }
    return new RenderedCheck('schema', entry, files);
  }

  /** A quality metric per slice of the dataset: no slice far behind the best one, none below a minimum. */
  public static slices(options: SliceCheckOptions): ValidationCheck {
    const where = `ValidationCheck.slices(${options.metric})`;
    metricName(where, options.metric);
    if (!options.sliceBy) {
      throw propError(undefined, `${where}.sliceBy`, options.sliceBy, 'is empty', 'name the dataset field that defines the slices, e.g. sliceBy: \'language\'');
    }
    ratio(where, 'maxGap', options.maxGap);
    if (options.minimum !== undefined) ratio(where, 'minimum', options.minimum);
    return new RenderedCheck(`slices-${options.metric}-${options.sliceBy}`, {
      type: 'slices', metric: options.metric, sliceBy: options.sliceBy, maxGap: options.maxGap, minimum: options.minimum,
    });
  }

  /** Renders the check for the evaluator's config. */
  public abstract bind(): ValidationCheckConfig;
}

deferFactoryChecks(ValidationCheck);

class RenderedCheck extends ValidationCheck {
  constructor(private readonly name: string, private readonly entry: Record<string, any>, private readonly files: Record<string, string> = {}) {
    super();
  }

  public bind(): ValidationCheckConfig {
    return { name: this.name, entry: { name: this.name, ...this.entry }, files: this.files };
  }
}

function ratio(where: string, prop: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw propError(undefined, `${where}.${prop}`, value, 'must be a ratio from 0 to 1', 'express the metric as a fraction, e.g. 0.82 for 82%');
  }
}

function metricName(where: string, metric: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(metric ?? '')) {
    throw propError(undefined, `${where}.metric`, metric, 'must be a metric name (letters, digits, _ . : -)', 'e.g. metric: \'accuracy\'');
  }
}

function positiveSeconds(where: string, prop: string, d: Duration): number {
  // A load test or latency SLA longer than a day is a typo (e.g. minutes for seconds).
  return duration(undefined, `${where}.${prop}`, d, { positive: true, max: Duration.days(1) });
}

// Floating-point subtraction (0.85 - 0.02) must not leak 0.8299999999999998 into the config.
function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
