"""ELBv2 target health you can set: moto reports every registered target as `healthy`.

A tag on the target group overrides the health of one registered target:

    key:   moto:health:<targetId>:<port>     (or moto:health:<targetId> for any port)
    value: <state>|<reason>|<description>    (reason and description are optional)

    aws elbv2 add-tags --resource-arns "$TG_ARN" \
      --tags 'Key=moto:health:10.0.1.23:8000,Value=unhealthy|Target.Timeout|Request timed out'

Remove the tag (`aws elbv2 remove-tags`) to make the target healthy again. Tags were chosen over
an extra HTTP route because any AWS client (the SDK in tests, the CLI in the sandbox's health
checker) can set them, and `POST /moto-api/reset` wipes them with everything else.

Limits: moto allows 10 tags per target group, so at most ~9 targets can be overridden at once.
Only registered targets are overridden: a deregistered target keeps moto's own answer
(unused / Target.NotRegistered). moto keys targets by id, so two ports of one id share a slot.
"""
from typing import Any

from moto.elbv2 import models as elbv2_models

TAG_PREFIX = "moto:health:"

_original_health_for = elbv2_models.FakeTargetGroup.health_for


def _health_tag(target_group: Any, target_id: str, port: Any) -> str | None:
    backend = elbv2_models.elbv2_backends[target_group.account_id][target_group.region_name]
    tags = backend.tagging_service.get_tag_dict_for_resource(target_group.arn)
    return tags.get(f"{TAG_PREFIX}{target_id}:{port}") or tags.get(f"{TAG_PREFIX}{target_id}")


def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
    status = _original_health_for(self, target, ec2_backend)
    if target["Id"] not in self.targets:
        return status
    value = _health_tag(self, status.instance_id, status.port)
    if not value:
        return status
    state, reason, description = (value.split("|", 2) + [None, None])[:3]
    return elbv2_models.FakeHealthStatus(
        status.instance_id,
        status.port,
        status.health_check_port,
        state,
        reason or None,
        description or None,
    )


elbv2_models.FakeTargetGroup.health_for = health_for
