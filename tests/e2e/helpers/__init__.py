"""Helpers of the end-to-end suite: the ECS simulator, Pulumi stacks and process inspection."""
