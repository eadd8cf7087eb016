import { App, AppProps } from 'cdk8s';

/** Synthesizes one example app into the directory given on the command line (or dist/examples/<name>). */
export function synthExample(name: string, build: (app: App) => void, props: AppProps = {}): void {
  const app = new App({ ...props, outdir: process.argv[2] ?? `dist/examples/${name}` });
  build(app);
  app.synth();
}
