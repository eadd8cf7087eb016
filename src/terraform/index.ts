export * from './kubernetes-manifests';
