import { Accelerator, AlertPreset, CanaryRollout, CanaryStep, Gate, GpuModelServiceProps, ModelAlerts, ModelRuntime } from '../../src';
import { hfSource, service } from '../serving/helpers';

/** A valid service's props, for tables that build the service themselves. */
export function serviceProps(): GpuModelServiceProps {
  return { name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM };
}

/** A canary rollout (`test/Rollout`) analysing one gate at 20%. */
export function gated(gate: Gate): CanaryRollout {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(20), CanaryStep.analysis({ gates: [gate] }), CanaryStep.weight(100)] });
}

/** The alerts (`test/Alerts`) of one preset. */
export function alerts(preset: AlertPreset): ModelAlerts {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [preset] });
}
