"""carecast nightly run from Airflow.

Airflow owns the schedule and retries; carecast runs one business date per
task (--date {{ ds }}) and says what happened with its exit code:

    0  success
    1  failure: retried
    2  usage or configuration error: failed at once, not retried
    3  warehouse locked by another run: retried later

Re-running a date replaces that date's run atomically, so clearing a task
instance and backfilling (airflow dags backfill) are safe.
"""

import subprocess

import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowException, AirflowFailException

CONFIG = "/etc/carecast/carecast.yaml"

with DAG(
    dag_id="carecast_nightly",
    # 03:30 London, outside 01:00-02:59 (DST change days).
    schedule="30 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=True,  # Airflow makes up missed dates; carecast is idempotent per date
    max_active_runs=1,  # one writer; carecast's lock is the backstop (exit 3)
    default_args={
        "retries": 2,
        "retry_delay": pendulum.duration(minutes=10),
        "retry_exponential_backoff": True,
        "execution_timeout": pendulum.duration(hours=4),
    },
    tags=["carecast", "population-health"],
) as dag:

    @task
    def carecast_run(ds=None):
        # ds is the data interval's start: for a daily DAG, the day before
        # the run, which is carecast's business date. carecast's JSON logs go
        # to the task log; on SIGTERM (task killed) it cancels its run and
        # leaves the last good one current.
        rc = subprocess.run(
            ["carecast", "run", "--config", CONFIG, "--date", ds, "--log-format", "json"],
            check=False,
        ).returncode
        if rc == 2:
            raise AirflowFailException("carecast: usage or configuration error (exit 2); fix the config, not retried")
        if rc == 3:
            raise AirflowException("carecast: warehouse locked by another run (exit 3); will retry")
        if rc != 0:
            raise AirflowException(f"carecast run failed (exit {rc}); see 'carecast runs'")

    carecast_run()
