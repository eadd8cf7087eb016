import { Chart, Duration, Testing } from 'cdk8s';
import { STEP_SECONDS } from './openmetrics';
import { Accelerator, Gate, GateAnalysisTemplate, GpuModelService, GpuModelServiceProps, PrometheusSettings } from '../../src';

/**
 * A chart with one H100 service and the AnalysisTemplate of `gate`, whose Prometheus scrapes every STEP_SECONDS,
 * as the test data is sampled.
 */
export function gateTemplateChart(service: Omit<GpuModelServiceProps, 'accelerator'>, gate: Gate): Chart {
  const chart = Testing.chart();
  PrometheusSettings.configure(chart, { scrapeInterval: Duration.seconds(STEP_SECONDS) });
  const svc = new GpuModelService(chart, 'Svc', { accelerator: Accelerator.H100_SXM, ...service });
  new GateAnalysisTemplate(chart, 'Gates', { service: svc, gates: [gate], name: 'gates' });
  return chart;
}
