import { k8s } from 'cdk8s-plus-34';

/**
 * How the server container waits in `preStop`, so that endpoints and load balancers stop sending new requests
 * before it gets SIGTERM. A failing `preStop` hook does not stop the shutdown: the kubelet records a
 * `FailedPreStopHook` event and sends SIGTERM at once, so requests still routed to the pod are dropped.
 */
export class PreStopHandler {
  /**
   * Runs `sleep <seconds>` from the image (an exec action: the binary, no shell). Works on every Kubernetes
   * version. The vLLM, TGI and Triton images have `sleep`; distroless images do not.
   */
  public static execSleep(): PreStopHandler {
    return new PreStopHandler(seconds => ({ exec: { command: ['sleep', String(seconds)] } }));
  }

  /**
   * The kubelet's own sleep action (`lifecycle.preStop.sleep`): nothing is needed in the image. Needs
   * Kubernetes 1.30 or later (feature PodLifecycleSleepAction: beta and on by default in 1.30, GA in 1.34);
   * a 1.28 API server does not know the field, and a 1.29 one drops it unless the feature gate is on.
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  public static sleepAction(): PreStopHandler {
    return new PreStopHandler(seconds => ({ sleep: { seconds } }));
  }

  private constructor(private readonly render: (seconds: number) => k8s.LifecycleHandler) {}

  /** @internal */
  public _render(seconds: number): k8s.LifecycleHandler {
    return this.render(seconds);
  }
}
