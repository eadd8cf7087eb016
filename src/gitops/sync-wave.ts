/**
 * Argo CD sync waves of a model's objects: lower waves are applied (and healthy) before higher ones.
 * Hooks run in their own phase (PreSync before Sync) and are ordered by wave within it.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
export enum SyncWave {
  /** ServiceAccounts, ConfigMaps, Services, policies, AnalysisTemplates, routes: what the workload references. */
  CONFIG = -10,
  /**
   * A shared model cache: its claim and the Job that fills the model version, completed before the workload. The claim
   * is in the Job's wave, not the config wave: with a `WaitForFirstConsumer` StorageClass it stays Pending (Argo CD:
   * Progressing) until the Job's pod uses it, and a wave waits for its resources to be healthy.
   */
  MODEL_CACHE = -7,
  /** The validation hook, after its ConfigMap. */
  VALIDATION = -5,
  /** The Deployment or Rollout. */
  WORKLOAD = 0,
  /** Scraping, alert rules, autoscaling, dashboards: switched on once the workload exists. */
  MONITORING = 10,
}
