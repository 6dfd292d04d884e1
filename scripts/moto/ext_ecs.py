"""ECS states moto does not emulate, switched on per resource by tags (opt-in: untagged resources
behave exactly like plain moto).

moto never runs a service's tasks: its deployments stay IN_PROGRESS with runningCount 0 (or
MOTO_ECS_SERVICE_RUNNING for every service), it never reports a FAILED rollout, and tasks carry no
healthStatus or stopCode. A test sets these tags instead (at create-service / run-task, or later
with tag-resource); they are applied each time the resource is described.

Service tags:
  moto:runningCount     N        service and PRIMARY deployment runningCount (pendingCount = desired - N)
  moto:rolloutState     COMPLETED | IN_PROGRESS | FAILED   the PRIMARY deployment's rolloutState
  moto:rolloutStateReason  text  its rolloutStateReason
  moto:failedTasks      N        its failedTasks
  moto:deploymentCreatedAt  ISO 8601 time   its createdAt (moto dates it at create-service; a test
                                 of a window since the deployment needs it minutes old)

Task tags:
  moto:lastStatus       PENDING | PROVISIONING | RUNNING | STOPPED   (pin the ecs::task state manager
                                 to manual progression so describe-tasks does not advance it)
  moto:healthStatus     HEALTHY | UNHEALTHY | UNKNOWN   task and container healthStatus
  moto:stopCode         e.g. EssentialContainerExited
  moto:exitCode         N        the containers' exitCode
"""
from datetime import datetime, timezone

from moto.ecs.models import EC2ContainerServiceBackend


def _tags(resource) -> dict:
    return {tag["key"]: tag["value"] for tag in (resource.tags or []) if tag["key"].startswith("moto:")}


def _apply_service_tags(service) -> None:
    tags = _tags(service)
    primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
    if "moto:runningCount" in tags:
        running = int(tags["moto:runningCount"])
        service.running_count = running
        service.pending_count = max(service.desired_count - running, 0)
        if primary is not None:
            primary["runningCount"] = running
            primary["pendingCount"] = service.pending_count
            primary["desiredCount"] = service.desired_count
    if primary is None:
        return
    if "moto:rolloutState" in tags:
        primary["rolloutState"] = tags["moto:rolloutState"]
        primary["rolloutStateReason"] = f"ECS deployment {primary['id']} {tags['moto:rolloutState'].lower()}."
    if "moto:rolloutStateReason" in tags:
        primary["rolloutStateReason"] = tags["moto:rolloutStateReason"]
    if "moto:failedTasks" in tags:
        primary["failedTasks"] = int(tags["moto:failedTasks"])
    if "moto:deploymentCreatedAt" in tags:
        # Naive UTC, as moto's own utcnow() dates it.
        created = datetime.fromisoformat(tags["moto:deploymentCreatedAt"].replace("Z", "+00:00"))
        primary["createdAt"] = created.astimezone(timezone.utc).replace(tzinfo=None)


def _apply_task_tags(task) -> None:
    tags = _tags(task)
    if "moto:lastStatus" in tags:
        task.last_status = tags["moto:lastStatus"]
    if "moto:healthStatus" in tags:
        task.health_status = tags["moto:healthStatus"]
        for container in task.containers:
            container.health_status = tags["moto:healthStatus"]
    if "moto:stopCode" in tags:
        task.stop_code = tags["moto:stopCode"]
    if "moto:exitCode" in tags:
        for container in task.containers:
            container.exitCode = int(tags["moto:exitCode"])


_describe_services = EC2ContainerServiceBackend.describe_services
_describe_tasks = EC2ContainerServiceBackend.describe_tasks


def describe_services(self, *args, **kwargs):
    services, failures = _describe_services(self, *args, **kwargs)
    for service in services:
        _apply_service_tags(service)
    return services, failures


def describe_tasks(self, *args, **kwargs):
    tasks = _describe_tasks(self, *args, **kwargs)
    for task in tasks:
        _apply_task_tags(task)
    return tasks


EC2ContainerServiceBackend.describe_services = describe_services
EC2ContainerServiceBackend.describe_tasks = describe_tasks
