"""``flask crm worker``, ``scheduler``, ``run-scheduled`` and ``requeue-stale-jobs``."""

import click
from flask import current_app


def _redis_or_exit():
    from crm.jobs.queue import redis_connection

    connection = redis_connection(current_app)
    if connection is None:
        raise click.ClickException("REDIS_URL is not set. Without Redis, jobs run inside the web process "
                                   "and no worker is needed; set REDIS_URL to run them in workers.")
    return connection


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked child for each.")
def worker_command(burst: bool, simple: bool):
    """Run background jobs from Redis, with the app loaded once."""
    from rq import SimpleWorker
    from rq import Worker

    from crm.jobs.queue import rq_queue
    from crm.jobs.running import use_app

    connection = _redis_or_exit()
    app = current_app._get_current_object()
    use_app(app)
    worker_class = SimpleWorker if simple else Worker
    worker_class([rq_queue(app)], connection=connection).work(burst=burst, with_scheduler=True)


@click.command("scheduler")
def scheduler_command():
    """Start the clock: per-organization daily jobs and the stale-job sweep (one per deployment)."""
    from rq.cron import CronScheduler

    from crm.jobs.queue import QUEUE_NAME
    from crm.jobs.schedule import SCHEDULE
    from crm.jobs.schedule import SWEEP_SECONDS
    from crm.jobs.schedule import run_scheduled
    from crm.jobs.schedule import sweep_stale_jobs

    scheduler = CronScheduler(connection=_redis_or_exit())
    for name, scheduled in SCHEDULE.items():
        scheduler.register(run_scheduled, QUEUE_NAME, args=(name,), cron=scheduled.cron, name=name)
    scheduler.register(sweep_stale_jobs, QUEUE_NAME, interval=SWEEP_SECONDS, name="sweep-stale-jobs")
    scheduler.start()


@click.command("run-scheduled")
@click.argument("name")
@click.option("--now", "ignore_hour", is_flag=True, help="For every organization, whatever its local time.")
def run_scheduled_command(name: str, ignore_hour: bool):
    """Start a scheduled job for every organization (for a system cron when there is no Redis)."""
    from crm.jobs.schedule import SCHEDULE
    from crm.jobs.schedule import start_for_every_organization

    if name not in SCHEDULE:
        raise click.BadParameter(f"unknown; choose one of {', '.join(SCHEDULE)}", param_hint="NAME")
    click.echo(f"Started {start_for_every_organization(name, ignore_hour=ignore_hour)} job(s).")


@click.command("requeue-stale-jobs")
@click.option("--seconds", type=float, default=None, help="Silent for longer than this (default JOB_STALE_SECONDS).")
def requeue_stale_jobs_command(seconds: float | None):
    """Send again the jobs whose worker stopped without finishing them."""
    from crm.jobs.stale import requeue_stale_jobs

    click.echo(f"Sent {requeue_stale_jobs(seconds)} stale job(s) again.")


COMMANDS = [worker_command, scheduler_command, run_scheduled_command, requeue_stale_jobs_command]
