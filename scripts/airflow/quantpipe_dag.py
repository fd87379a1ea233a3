"""quantpipe on a schedule: ingest -> calibrate -> quantize -> evaluate -> accuracy gate.

Each quantpipe step is a SparkSubmitOperator running io.quantpipe.jobs.Main from the job jar
(jobs/target/quantpipe-jobs-<version>-job.jar) with the configuration file shipped by --files.
The gate reads the run's report.json and fails the DAG run when int8 top-1 accuracy falls more
than max_top1_drop_points below FP32's.

Deploy: copy this file and quantpipe_commands.py into the DAGs folder; install
apache-airflow-providers-apache-spark; make the connection spark_default point at the cluster
(master, deploy mode, spark-home of a Spark 4.x distribution); set the Variables
quantpipe_job_jar and quantpipe_conf (paths on the Airflow worker) or keep their defaults.
Run folders are named by the logical date ({{ ds_nodash }}): a manual run needs a logical date.
"""
from __future__ import annotations

from datetime import datetime, timezone

try:  # Airflow 3
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.decorators import task
    from airflow.models.param import Param
from airflow.exceptions import AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

import quantpipe_commands as qp

SPARK_CONN_ID = "spark_default"
JOB_JAR = "{{ var.value.get('quantpipe_job_jar', '/opt/quantpipe/quantpipe-jobs-job.jar') }}"
CONF_EXPR = "var.value.get('quantpipe_conf', '/opt/quantpipe/quantpipe.conf')"
CONF_FILE = "{{ %s }}" % CONF_EXPR
RUN = "{{ ds_nodash }}"

with DAG(
    dag_id="quantpipe",
    description="INT8 calibration, quantization and evaluation of an ONNX model with quantpipe on Spark",
    schedule="@weekly",
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["quantpipe", "spark"],
    user_defined_macros={"config_name": qp.config_name},
    params={
        "model": Param("/data/models/model.onnx", type="string", description="FP32 ONNX model"),
        "input_format": Param("idx", enum=["idx", "npy"], description="format of the raw data to ingest"),
        "calibration_images": Param("/data/raw/train-images-idx3-ubyte.gz", type="string"),
        "calibration_labels": Param("/data/raw/train-labels-idx1-ubyte.gz", type="string"),
        "test_images": Param("/data/raw/t10k-images-idx3-ubyte.gz", type="string"),
        "test_labels": Param("/data/raw/t10k-labels-idx1-ubyte.gz", type="string"),
        "work_dir": Param("/data/quantpipe", type="string",
                          description="base folder or URI of datasets/<run> and runs/<run>"),
        "method": Param("mse", type="string", description="calibration method of the int8 model"),
        "preset": Param("cpu", enum=["cpu", "tensorrt"]),
        "max_top1_drop_points": Param(1.0, type="number", minimum=0,
                                      description="largest top-1 accuracy drop allowed, in percentage points"),
    },
) as dag:
    values = {name: "{{ params.%s }}" % name for name in qp.VALUE_NAMES if name != "config"}
    values["config"] = "{{ config_name(%s) }}" % CONF_EXPR  # the shipped file's name
    args = qp.command_lines(values, RUN)

    def spark_step(task_id: str) -> SparkSubmitOperator:
        return SparkSubmitOperator(
            task_id=task_id,
            conn_id=SPARK_CONN_ID,
            application=JOB_JAR,
            java_class=qp.MAIN_CLASS,
            application_args=args[task_id],
            files=CONF_FILE,
            conf=qp.spark_conf(),
            name=f"quantpipe-{task_id}",
        )

    @task
    def accuracy_gate(report_path: str, max_drop_points: str) -> str:
        try:
            return qp.check_accuracy(qp.read_report(report_path), float(max_drop_points))
        except qp.AccuracyDropTooLarge as e:
            raise AirflowFailException(str(e)) from e  # no retries: the numbers will not change

    ingest_calibration = spark_step("ingest_calibration")
    ingest_test = spark_step("ingest_test")
    calibrate = spark_step("calibrate")
    quantize = spark_step("quantize")
    evaluate = spark_step("evaluate")
    gate = accuracy_gate(qp.run_paths("{{ params.work_dir }}", RUN)["report"], "{{ params.max_top1_drop_points }}")

    ingest_calibration >> calibrate >> quantize >> evaluate >> gate
    ingest_test >> evaluate
