import { Accelerator, GpuModelServiceProps, ModelRuntime } from '../../src';
import { hfSource } from '../serving/helpers';

/** A valid service's props, for tables that build the service themselves. */
export function serviceProps(): GpuModelServiceProps {
  return { name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM };
}
