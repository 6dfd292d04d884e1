/**
 * The vars every rollout-driven run sets, whoever drives it: the Lambda hook, `gate` and
 * `run --event`. One place, so a scenario written for one runs unchanged under the others.
 */

/** What a rollout says about the run: the service, the revision it rolls out, the stage it waits at. */
export interface RolloutTarget {
  cluster: string;
  service: string;
  /** The target service revision's task definition (an ARN, as DescribeServiceRevisions gives it). */
  taskDefinition?: string;
  /** The lifecycle stage the rollout waits at (a hook's or a PAUSE gate's). */
  stage?: string;
}

/**
 * `base` (hookDetails.vars, --var, an event's vars) with `cluster`, `service` and, when known,
 * `taskDefinition` and `stage` set from the rollout: those always win, since they name what is
 * actually being rolled out.
 */
export function rolloutVars(base: Record<string, string>, target: RolloutTarget): Record<string, string> {
  return {
    ...base,
    cluster: target.cluster,
    service: target.service,
    ...(target.taskDefinition ? { taskDefinition: target.taskDefinition } : {}),
    ...(target.stage ? { stage: target.stage } : {}),
  };
}
