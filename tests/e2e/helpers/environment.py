"""The one environment every process of the suite gets: dummy AWS credentials, the simulator as the
AWS endpoint, nothing that could reach a real AWS service or metadata endpoint."""

from __future__ import annotations

import os

# Variables of the developer's environment that must not leak into a test: real credentials,
# profiles, or a Pulumi login.
_DROPPED_PREFIXES = ("AWS_", "PULUMI_")


def aws_env(endpoint: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": endpoint,
            # No profile or credentials file of the developer's can take part.
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    if extra:
        env.update(extra)
    return env
