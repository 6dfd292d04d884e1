/** The ECS lifecycle hook event fixtures (__tests__/fixtures/events/) with the stage each one is at. */
export const HOOK_EVENT_FIXTURES: readonly (readonly [fixture: string, stage: string])[] = [
  ['ecs-hook-reconcile-service', 'RECONCILE_SERVICE'],
  ['ecs-hook-pre-scale-up', 'PRE_SCALE_UP'],
  ['ecs-hook-post-scale-up', 'POST_SCALE_UP'],
  ['ecs-hook-test-traffic-shift', 'TEST_TRAFFIC_SHIFT'],
  ['ecs-hook-post-test-traffic-shift', 'POST_TEST_TRAFFIC_SHIFT'],
  ['ecs-hook-production-traffic-shift', 'PRODUCTION_TRAFFIC_SHIFT'],
  ['ecs-hook-post-production-traffic-shift', 'POST_PRODUCTION_TRAFFIC_SHIFT'],
];
