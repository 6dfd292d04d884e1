"""A service's deploymentConfiguration is kept, as ECS keeps it (always on: it only adds what AWS returns).

moto 5.2.1 drops `deploymentConfiguration` from CreateService and UpdateService, so DescribeServices
never shows a service's deployment alarms (`deploymentConfiguration.alarms`: `alarmNames`, `enable`,
`rollback`), its circuit breaker or its percentages. This patch stores what CreateService sends
(ECS's defaults, `maximumPercent` 200 and `minimumHealthyPercent` 100, filled in) and merges what
UpdateService sends over it, key by key at the top level, as ECS does; DescribeServices,
CreateService and UpdateService then return it.

Limits: values are not validated (ECS rejects, e.g., alarms on a service without the ECS deployment
controller); the service-deployments extension (ext_ecs_deployments.py) still describes its own
deploymentConfiguration from tags.
"""
from typing import Any

from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse

DEFAULTS: dict[str, Any] = {"maximumPercent": 200, "minimumHealthyPercent": 100}

_create_service = EC2ContainerServiceResponse.create_service
_update_service = EC2ContainerServiceBackend.update_service


def create_service(self):
    result = _create_service(self)
    config = self._get_param("deploymentConfiguration")
    service = self.ecs_backend.describe_services(self._get_param("cluster", "default"), [self._get_param("serviceName")])[0][0]
    service.deployment_configuration = {**DEFAULTS, **(config or {})}
    return result


def update_service(self, service_properties):
    config = service_properties.pop("deployment_configuration", None)
    service = _update_service(self, service_properties)
    if config:
        service.deployment_configuration = {**(getattr(service, "deployment_configuration", None) or DEFAULTS), **config}
    return service


EC2ContainerServiceResponse.create_service = create_service
EC2ContainerServiceBackend.update_service = update_service
