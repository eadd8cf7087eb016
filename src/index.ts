export * as rollout from './imports/rollout-argoproj.io';
