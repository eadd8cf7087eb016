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
  /** GPUs at the worst moment of an update. */
  readonly peakGpus: number;
  /** How the peak arises, for humans. */
  readonly description: string;
}

/** Builds a plan from the replica counts of its worst moment. */
export function capacityPlan(gpusPerReplica: number, replicas: number, peakReplicas: number, why: string): GpuCapacityPlan {
  return {
    gpusPerReplica,
    steadyGpus: replicas * gpusPerReplica,
    peakReplicas,
    peakGpus: peakReplicas * gpusPerReplica,
    description: `peak ${peakReplicas * gpusPerReplica} GPUs (${peakReplicas} replicas x ${gpusPerReplica}): ${why}`,
  };
}
