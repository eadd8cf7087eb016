/**
 * The GPUs a rollout holds at its peak: what the cluster must have free for an update to complete.
 */
export interface GpuCapacityPlan {
  /** GPUs per replica (MIG instances for a MIG service). */
  readonly gpusPerReplica: number;
  /** GPUs of the running version alone. */
  readonly steadyGpus: number;
  /** Replicas of both versions at the worst moment of an update. */
  readonly peakReplicas: number;
  /** GPUs analyses hold themselves at that moment (in-process validations). */
  readonly analysisGpus: number;
  /** GPUs at the worst moment of an update. */
  readonly peakGpus: number;
  /** How the peak arises, for humans. */
  readonly description: string;
}

/** Builds a plan from the replica counts of its worst moment, plus the GPUs analyses hold then. */
export function capacityPlan(gpusPerReplica: number, replicas: number, peakReplicas: number, why: string, heldByAnalysis = 0): GpuCapacityPlan {
  const peakGpus = peakReplicas * gpusPerReplica + heldByAnalysis;
  const analysis = heldByAnalysis ? ` + ${heldByAnalysis} for in-process analysis` : '';
  return {
    gpusPerReplica,
    steadyGpus: replicas * gpusPerReplica,
    peakReplicas,
    analysisGpus: heldByAnalysis,
    peakGpus,
    description: `peak ${peakGpus} GPUs (${peakReplicas} replicas x ${gpusPerReplica}${analysis}): ${why}`,
  };
}

/** GPUs the templates of one analysis hold together. */
export function analysisGpus(templates: { gpus: number }[] | undefined): number {
  return (templates ?? []).reduce((sum, t) => sum + t.gpus, 0);
}
