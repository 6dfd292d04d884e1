"""Security groups with the ids you ask for: moto always generates random `sg-…` ids.

Tag a new group with `moto:id` = the id to use, at creation (TagSpecifications):

    aws ec2 create-security-group --group-name redis --description redis --vpc-id "$VPC" \
      --tag-specifications 'ResourceType=security-group,Tags=[{Key=moto:id,Value=sg-0454e74e2924a7754}]'

The sandbox uses it so that the demo shows the incident's real group ids.
"""
from moto.ec2.models import security_groups

_original_create = security_groups.SecurityGroupBackend.create_security_group
_original_random_id = security_groups.random_security_group_id


def create_security_group(self, name, description, vpc_id=None, tags=None, force=False, is_default=None):
    wanted = (tags or {}).get("moto:id")
    if not wanted:
        return _original_create(self, name, description, vpc_id, tags, force, is_default)
    security_groups.random_security_group_id = lambda: wanted
    try:
        return _original_create(self, name, description, vpc_id, tags, force, is_default)
    finally:
        security_groups.random_security_group_id = _original_random_id


security_groups.SecurityGroupBackend.create_security_group = create_security_group
