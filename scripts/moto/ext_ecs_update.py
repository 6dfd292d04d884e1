"""UpdateService with a new task definition starts a deployment of it, as ECS does.

moto updates the service's `taskDefinition` but leaves its PRIMARY deployment on the old one, so a
redeploy never shows in `deployments`. This patch gives the PRIMARY deployment the new task
definition, a new id and a fresh createdAt (ECS would add a new PRIMARY and drain the old one; one
deployment is enough for the sandbox and the tests, which tag the rollout state they need).
"""
from moto.core.utils import utcnow
from moto.ecs.models import EC2ContainerServiceBackend
from moto.moto_api._internal import mock_random

_original_update_service = EC2ContainerServiceBackend.update_service


def update_service(self, service_properties):
    service = _original_update_service(self, service_properties)
    primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
    if primary is not None and primary.get("taskDefinition") != service.task_definition:
        now = utcnow()
        primary["taskDefinition"] = service.task_definition
        primary["id"] = f"ecs-svc/{mock_random.randint(0, 32**12)}"
        primary["createdAt"] = now
        primary["updatedAt"] = now
    return service


EC2ContainerServiceBackend.update_service = update_service
