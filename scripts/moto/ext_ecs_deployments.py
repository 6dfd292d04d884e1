"""ECS service deployments and service revisions, which moto 5 does not have at all.

Adds ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions,
ContinueServiceDeployment and StopServiceDeployment. Responses are serialized by moto from
botocore's ECS model, so field names and types are those of the AWS API reference.

Every ECS-controller service records a service deployment each time its PRIMARY deployment changes
(CreateService, UpdateService with a new task definition, --force-new-deployment), as ECS does:

    service deployment  arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/<21-char id>
    service revision    arn:aws:ecs:REGION:ACCOUNT:service-revision/CLUSTER/SERVICE/<N>

where N is the number of the `ecs-svc/N` deployment id DescribeServices shows for it. The target
revision is the new task definition, the source revision the previous deployment's target.
DescribeServices also gains `currentServiceDeployment` and `currentServiceRevisions`.

The state of the service's NEWEST service deployment comes from tags on the service (set through
the ordinary TagResource / CreateService API; older deployments are SUCCESSFUL):

    moto:deployment:status           PENDING | IN_PROGRESS | SUCCESSFUL | STOPPED | STOP_REQUESTED |
                                     ROLLBACK_REQUESTED | ROLLBACK_IN_PROGRESS |
                                     ROLLBACK_SUCCESSFUL | ROLLBACK_FAILED
                                     (untagged: from the PRIMARY rolloutState, which ext_ecs.py's
                                     moto:rolloutState sets: COMPLETED -> SUCCESSFUL,
                                     FAILED -> STOPPED, else IN_PROGRESS)
    moto:deployment:statusReason     text
    moto:deployment:lifecycleStage   a ServiceDeploymentLifecycleStage (SCALE_UP, BAKE_TIME, ...)
    moto:deployment:targetTasks      requested|running|pending of the target revision
                                     (default: desiredCount | moto:runningCount, or all when
                                     SUCCESSFUL, else 0 | the rest)
    moto:deployment:circuitBreaker   status|failureCount|threshold    e.g. TRIGGERED|3|3
    moto:deployment:alarms           status|alarmNames|triggeredAlarmNames (names comma-separated)
    moto:deployment:pauseHook        stage|hookStatus[|timeoutAction]  e.g.
                                     POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION: a PAUSE hook at that
                                     stage (the deployment's lifecycleStage defaults to it)
    moto:deployment:bakeTime         minutes (BLUE_GREEN strategy with bakeTimeInMinutes)

ROLLBACK_SUCCESSFUL also puts the service back on the source revision's task definition in
DescribeServices (PRIMARY deployment and service), as an automatic rollback does.

ContinueServiceDeployment on the AWAITING_ACTION hook records the call in the service tag
`moto:deployment:continued` = `<action>|<hookId>` and applies it: CONTINUE sets the hook's status
to SUCCEEDED; ROLLBACK sets it to FAILED and the deployment to ROLLBACK_REQUESTED.
StopServiceDeployment records `moto:deployment:stopped` = `<stopType>` and sets the status to
ROLLBACK_REQUESTED (ROLLBACK, the default) or STOP_REQUESTED (ABORT).
"""
from datetime import timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ecs.exceptions import ECSException, InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.moto_api._internal import mock_random

PREFIX = "moto:deployment:"
MAX_DESCRIBE = 20
FAILED_OR_STOPPED = {"STOPPED", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS",
                     "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}
FINISHED = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}


class ServiceDeploymentNotFound(ECSException):
    def __init__(self, arn: str) -> None:
        super().__init__("ServiceDeploymentNotFoundException", f"Service deployment {arn} not found.")


class Conflict(ECSException):
    def __init__(self, message: str) -> None:
        super().__init__("ConflictException", message)


# --- the records: kept on the moto Service object, so /moto-api/reset wipes them -----------------

def _records(service) -> list[dict[str, Any]]:
    if not hasattr(service, "moto_service_deployments"):
        service.moto_service_deployments = []
    return service.moto_service_deployments


def _arn(service, kind: str, ident: str) -> str:
    prefix = service.cluster_arn.split(":cluster/")[0]
    return f"{prefix}:{kind}/{service.cluster_name}/{service.name}/{ident}"


def _task_definition_arn(backend, task_definition: str | None) -> str | None:
    if not task_definition or task_definition.startswith("arn:"):
        return task_definition
    try:
        return backend.describe_task_definition(task_definition).arn
    except Exception:  # a task definition deregistered since: keep what the service says
        return task_definition


def _revision(backend, service, primary: dict[str, Any]) -> dict[str, Any]:
    task_definition = _task_definition_arn(backend, primary.get("taskDefinition"))
    images = []
    try:
        definition = backend.describe_task_definition(task_definition)
        images = [{"containerName": c.get("name"), "image": c.get("image")} for c in definition.container_definitions]
    except Exception:
        pass
    revision = {
        "serviceRevisionArn": _arn(service, "service-revision", primary["id"].split("/")[-1]),
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "taskDefinition": task_definition,
        "launchType": service.launch_type,
        "platformVersion": service.platform_version,
        "loadBalancers": service.load_balancers,
        "networkConfiguration": service.network_configuration or None,
        "containerImages": images,
        "createdAt": primary.get("createdAt") or utcnow(),
    }
    return {k: v for k, v in revision.items() if v not in (None, [])}


def _sync(backend, service) -> None:
    """Records a service deployment for a PRIMARY deployment not seen before."""
    primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
    records = _records(service)
    if primary is None or any(r["ecsDeploymentId"] == primary["id"] for r in records):
        return
    deployment_id = mock_random.get_random_string(length=21)
    records.append({
        "id": deployment_id,
        "arn": _arn(service, "service-deployment", deployment_id),
        "ecsDeploymentId": primary["id"],
        "createdAt": primary.get("createdAt") or utcnow(),
        "target": _revision(backend, service, primary),
        "sources": [records[-1]["target"]] if records else [],
    })


def _tags(service) -> dict[str, str]:
    return {t["key"]: t["value"] for t in (service.tags or []) if t["key"].startswith("moto:")}


def _set_tag(service, key: str, value: str) -> None:
    service.tags = [t for t in (service.tags or []) if t["key"] != key] + [{"key": key, "value": value}]


def _status(service, record) -> str:
    if record is not _records(service)[-1]:
        return "SUCCESSFUL"
    tags = _tags(service)
    if PREFIX + "status" in tags:
        return tags[PREFIX + "status"]
    primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), {})
    rollout = tags.get("moto:rolloutState") or primary.get("rolloutState")
    return {"COMPLETED": "SUCCESSFUL", "FAILED": "STOPPED"}.get(rollout, "IN_PROGRESS")


def _split(value: str | None, parts: int) -> list[str]:
    return ((value or "").split("|") + [""] * parts)[:parts]


def _names(value: str) -> list[str]:
    return [name for name in value.split(",") if name]


def _pause_hook(tags: dict[str, str], record) -> dict[str, str] | None:
    if PREFIX + "pauseHook" not in tags:
        return None
    stage, status, action = _split(tags[PREFIX + "pauseHook"], 3)
    return {"stage": stage, "status": status or "AWAITING_ACTION", "timeoutAction": action or "ROLLBACK",
            "hookId": f"ecs-pause-{record['id']}-{stage}"}


# --- rendering one service deployment as the API returns it ----------------------------------------

def _counts(service, record, status: str, tags: dict[str, str]) -> dict[str, int]:
    desired = service.desired_count
    if PREFIX + "targetTasks" in tags:
        requested, running, pending = (int(x or 0) for x in _split(tags[PREFIX + "targetTasks"], 3))
        return {"requestedTaskCount": requested, "runningTaskCount": running, "pendingTaskCount": pending}
    if status in ("SUCCESSFUL",):
        running = desired
    elif status in FAILED_OR_STOPPED:
        running = 0
    else:
        running = min(int(tags.get("moto:runningCount", 0)), desired)
    pending = max(desired - running, 0) if status in ("PENDING", "IN_PROGRESS") else 0
    return {"requestedTaskCount": desired if status not in FAILED_OR_STOPPED else 0,
            "runningTaskCount": running, "pendingTaskCount": pending}


def _deployment_configuration(tags: dict[str, str], hook, circuit_breaker, alarms) -> dict[str, Any]:
    config: dict[str, Any] = {"maximumPercent": 200, "minimumHealthyPercent": 100, "strategy": "ROLLING",
                              "deploymentCircuitBreaker": {"enable": circuit_breaker is not None,
                                                           "rollback": circuit_breaker is not None}}
    if alarms is not None:
        config["alarms"] = {"alarmNames": alarms["alarmNames"], "enable": True, "rollback": True}
    if PREFIX + "bakeTime" in tags:
        config["strategy"] = "BLUE_GREEN"
        config["bakeTimeInMinutes"] = int(tags[PREFIX + "bakeTime"])
    if hook is not None:
        config["strategy"] = "BLUE_GREEN"
        config["bakeTimeInMinutes"] = config.get("bakeTimeInMinutes", 0)
        config["lifecycleHooks"] = [{"targetType": "PAUSE", "lifecycleStages": [hook["stage"]],
                                     "timeoutConfiguration": {"timeoutInMinutes": 60, "action": hook["timeoutAction"]}}]
    return config


def _render(service, record) -> dict[str, Any]:
    newest = record is _records(service)[-1]
    tags = _tags(service) if newest else {}
    status = _status(service, record)
    now = utcnow()
    created = record["createdAt"]
    hook = _pause_hook(tags, record)
    cb_status, cb_failures, cb_threshold = _split(tags.get(PREFIX + "circuitBreaker"), 3)
    circuit_breaker = ({"status": cb_status or "MONITORING", "failureCount": int(cb_failures or 0),
                        "threshold": int(cb_threshold or 3)} if PREFIX + "circuitBreaker" in tags else None)
    al_status, al_names, al_triggered = _split(tags.get(PREFIX + "alarms"), 3)
    alarms = ({"status": al_status or "MONITORING", "alarmNames": _names(al_names),
               "triggeredAlarmNames": _names(al_triggered)} if PREFIX + "alarms" in tags else None)
    out: dict[str, Any] = {
        "serviceDeploymentArn": record["arn"],
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "createdAt": created,
        "startedAt": created,
        "updatedAt": now,
        "sourceServiceRevisions": [
            {"arn": source["serviceRevisionArn"],
             "requestedTaskCount": service.desired_count if status != "SUCCESSFUL" else 0,
             "runningTaskCount": service.desired_count if status != "SUCCESSFUL" else 0,
             "pendingTaskCount": 0}
            for source in record["sources"]
        ],
        "targetServiceRevision": {"arn": record["target"]["serviceRevisionArn"], **_counts(service, record, status, tags)},
        "status": status,
        "deploymentConfiguration": _deployment_configuration(tags, hook, circuit_breaker, alarms),
        "deploymentCircuitBreaker": circuit_breaker or {"status": "DISABLED"},
        "alarms": alarms or {"status": "DISABLED"},
    }
    if status in FINISHED:
        out["finishedAt"] = now
    if status == "STOPPED":
        out["stoppedAt"] = now
    if PREFIX + "statusReason" in tags:
        out["statusReason"] = tags[PREFIX + "statusReason"]
    stage = tags.get(PREFIX + "lifecycleStage") or (hook["stage"] if hook else None)
    if stage:
        out["lifecycleStage"] = stage
    if hook is not None and stage == hook["stage"]:
        out["lifecycleHookDetails"] = [{"hookId": hook["hookId"], "targetType": "PAUSE", "status": hook["status"],
                                        "expiresAt": created + timedelta(minutes=60),
                                        "timeoutAction": hook["timeoutAction"]}]
    if status.startswith("ROLLBACK") and record["sources"]:
        out["rollback"] = {"reason": out.get("statusReason", "Service deployment rolled back."),
                           "startedAt": now, "serviceRevisionArn": record["sources"][0]["serviceRevisionArn"]}
    return out


def _brief(service, record) -> dict[str, Any]:
    full = _render(service, record)
    keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt",
            "status", "statusReason")
    brief = {k: full[k] for k in keys if k in full}
    brief["targetServiceRevisionArn"] = record["target"]["serviceRevisionArn"]
    return brief


# --- finding things by ARN ---------------------------------------------------------------------------

def _service_for_arn(backend, arn: str, kind: str):
    """`arn:…:<kind>/CLUSTER/SERVICE/ID` -> (service, ID), or (None, None)."""
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    parts = resource.split("/")
    if len(parts) != 4 or parts[0] != kind:
        return None, None
    service = backend.services.get(f"{parts[1]}:{parts[2]}")
    if service is None:
        return None, None
    _sync(backend, service)
    return service, parts[3]


def _find_deployment(backend, arn: str):
    service, _ = _service_for_arn(backend, arn, "service-deployment")
    record = next((r for r in _records(service) if r["arn"] == arn), None) if service else None
    if record is None:
        raise ServiceDeploymentNotFound(arn)
    return service, record


# --- backend patches: record deployments as services change, add the current-deployment fields -----

_create_service = EC2ContainerServiceBackend.create_service
_update_service = EC2ContainerServiceBackend.update_service
_describe_services = EC2ContainerServiceBackend.describe_services


def create_service(self, *args, **kwargs):
    service = _create_service(self, *args, **kwargs)
    _sync(self, service)
    return service


def update_service(self, service_properties):
    # Record the deployment being replaced before UpdateService (and ext_ecs_update.py) change it.
    cluster = service_properties.get("cluster", "default")
    name = str(service_properties.get("service", "")).split("/")[-1]
    try:
        _sync(self, self._get_service(cluster, name))
    except Exception:
        pass  # moto's own update_service raises the right error
    return _update_service(self, service_properties)


def describe_services(self, *args, **kwargs):
    services, failures = _describe_services(self, *args, **kwargs)
    for service in services:
        _sync(self, service)
        records = _records(service)
        if not records:
            continue
        newest = records[-1]
        primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
        rolled_back = _status(service, newest) == "ROLLBACK_SUCCESSFUL" and newest["sources"]
        running = (newest["sources"][0] if rolled_back else newest["target"])["taskDefinition"]
        if primary is not None and primary["id"] == newest["ecsDeploymentId"]:
            primary["taskDefinition"] = running
            service.task_definition = running
        service.current_service_deployment = newest["arn"]
        service.current_service_revisions = [{
            "arn": (newest["sources"][0] if rolled_back else newest["target"])["serviceRevisionArn"],
            "requestedTaskCount": service.desired_count,
            "runningTaskCount": service.running_count,
            "pendingTaskCount": service.pending_count,
        }]
    return services, failures


EC2ContainerServiceBackend.create_service = create_service
EC2ContainerServiceBackend.update_service = update_service
EC2ContainerServiceBackend.describe_services = describe_services


# --- the new actions -----------------------------------------------------------------------------------

def _created_at_filter(value: Any):
    """CreatedAt {after, before} arrive parsed as datetimes (or epoch numbers)."""
    def as_float(v):
        return v.timestamp() if hasattr(v, "timestamp") else float(v)
    after = as_float(value["after"]) if value and value.get("after") is not None else None
    before = as_float(value["before"]) if value and value.get("before") is not None else None
    return lambda created: (after is None or created.timestamp() >= after) and (before is None or created.timestamp() <= before)


def list_service_deployments(self) -> ActionResult:
    backend = self.ecs_backend
    service = backend._get_service(self._get_param("cluster", "default"), self._get_param("service").split("/")[-1])
    _sync(backend, service)
    wanted = set(self._get_param("status") or [])
    in_window = _created_at_filter(self._get_param("createdAt"))
    briefs = [_brief(service, r) for r in reversed(_records(service)) if in_window(r["createdAt"])]  # newest first
    briefs = [b for b in briefs if not wanted or b["status"] in wanted]
    max_results = int(self._get_param("maxResults") or 20)
    if not 1 <= max_results <= 100:
        raise InvalidParameterException("maxResults must be between 1 and 100.")
    start = int(self._get_param("nextToken") or 0)
    page = briefs[start:start + max_results]
    result: dict[str, Any] = {"serviceDeployments": page}
    if start + max_results < len(briefs):
        result["nextToken"] = str(start + max_results)
    return ActionResult(result)


def describe_service_deployments(self) -> ActionResult:
    arns = self._get_param("serviceDeploymentArns") or []
    if not 1 <= len(arns) <= MAX_DESCRIBE:
        raise InvalidParameterException(f"serviceDeploymentArns must hold 1 to {MAX_DESCRIBE} ARNs.")
    found, failures = [], []
    for arn in arns:
        service, _ = _service_for_arn(self.ecs_backend, arn, "service-deployment")
        record = next((r for r in _records(service) if r["arn"] == arn), None) if service else None
        if record is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            found.append(_render(service, record))
    return ActionResult({"serviceDeployments": found, "failures": failures})


def describe_service_revisions(self) -> ActionResult:
    arns = self._get_param("serviceRevisionArns") or []
    if not 1 <= len(arns) <= MAX_DESCRIBE:
        raise InvalidParameterException(f"serviceRevisionArns must hold 1 to {MAX_DESCRIBE} ARNs.")
    found, failures = [], []
    for arn in arns:
        service, _ = _service_for_arn(self.ecs_backend, arn, "service-revision")
        revisions = [r["target"] for r in _records(service)] if service else []
        revision = next((r for r in revisions if r["serviceRevisionArn"] == arn), None)
        if revision is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            found.append(revision)
    return ActionResult({"serviceRevisions": found, "failures": failures})


def continue_service_deployment(self) -> ActionResult:
    arn = self._get_param("serviceDeploymentArn")
    hook_id = self._get_param("hookId")
    action = self._get_param("action") or "CONTINUE"
    service, record = _find_deployment(self.ecs_backend, arn)
    hook = _pause_hook(_tags(service), record) if record is _records(service)[-1] else None
    if hook is None or hook["hookId"] != hook_id:
        raise InvalidParameterException(f"The lifecycle hook {hook_id} was not found for service deployment {arn}.")
    if hook["status"] != "AWAITING_ACTION":
        raise InvalidParameterException(f"The lifecycle hook {hook_id} is {hook['status']}, not AWAITING_ACTION.")
    _set_tag(service, PREFIX + "continued", f"{action}|{hook_id}")
    _set_tag(service, PREFIX + "pauseHook", f"{hook['stage']}|{'SUCCEEDED' if action == 'CONTINUE' else 'FAILED'}|{hook['timeoutAction']}")
    if action == "ROLLBACK":
        _set_tag(service, PREFIX + "status", "ROLLBACK_REQUESTED")
        _set_tag(service, PREFIX + "statusReason", f"ContinueServiceDeployment requested a rollback at {hook['stage']}.")
    return ActionResult({"serviceDeploymentArn": arn})


def stop_service_deployment(self) -> ActionResult:
    arn = self._get_param("serviceDeploymentArn")
    stop_type = self._get_param("stopType") or "ROLLBACK"
    service, record = _find_deployment(self.ecs_backend, arn)
    if _status(service, record) not in ("PENDING", "IN_PROGRESS"):
        raise Conflict(f"Service deployment {arn} is {_status(service, record)} and cannot be stopped.")
    _set_tag(service, PREFIX + "stopped", stop_type)
    _set_tag(service, PREFIX + "status", "ROLLBACK_REQUESTED" if stop_type == "ROLLBACK" else "STOP_REQUESTED")
    return ActionResult({"serviceDeploymentArn": arn})


EC2ContainerServiceResponse.list_service_deployments = list_service_deployments
EC2ContainerServiceResponse.describe_service_deployments = describe_service_deployments
EC2ContainerServiceResponse.describe_service_revisions = describe_service_revisions
EC2ContainerServiceResponse.continue_service_deployment = continue_service_deployment
EC2ContainerServiceResponse.stop_service_deployment = stop_service_deployment
