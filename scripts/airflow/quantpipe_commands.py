"""quantpipe's command lines and accuracy gate for the Airflow DAG (quantpipe_dag.py).

Plain Python without Airflow, so tests and scripts can build the same command lines the DAG
submits and run the same gate. Deploy this file beside quantpipe_dag.py in the DAGs folder.
"""
from __future__ import annotations

import json
import posixpath
from typing import Any, Mapping
from urllib.parse import urlparse

MAIN_CLASS = "io.quantpipe.jobs.Main"

# The --add-opens Spark's own launcher passes on Java 17+ (org.apache.spark.launcher.JavaModuleOptions);
# the same list as scripts/lib/java17.sh.
ADD_OPENS = [
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
]

# The values command_lines reads: the DAG passes Jinja templates of its params, a test concrete values.
#   config              --config value: the name of the configuration file shipped with --files
#   model               FP32 ONNX model
#   input_format        idx or npy (both with a labels file)
#   calibration_images, calibration_labels, test_images, test_labels   raw data to ingest
#   work_dir            base folder (or hdfs://, s3a:// URI) for datasets/ and runs/
#   method, preset      quantize's calibration method and target
VALUE_NAMES = (
    "config", "model", "input_format", "calibration_images", "calibration_labels",
    "test_images", "test_labels", "work_dir", "method", "preset",
)


def spark_conf(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Spark properties for every quantpipe task: the Java 17 opens for the driver and the executors."""
    opens = " ".join(ADD_OPENS)
    conf = {"spark.driver.extraJavaOptions": opens, "spark.executor.extraJavaOptions": opens}
    conf.update(extra or {})
    return conf


def run_paths(work_dir: str, run: str) -> dict[str, str]:
    """Where one run's datasets and outputs live under work_dir."""
    base = work_dir.rstrip("/")
    run_dir = f"{base}/runs/{run}"
    return {
        "calibration": f"{base}/datasets/{run}/calibration",
        "test": f"{base}/datasets/{run}/test",
        "run": run_dir,
        "int8_model": f"{run_dir}/model.int8.onnx",
        "report": f"{run_dir}/report.json",
    }


def command_lines(values: Mapping[str, str], run: str) -> dict[str, list[str]]:
    """quantpipe's arguments (after the job jar) for each task, keyed by task id, in DAG order."""
    missing = [n for n in VALUE_NAMES if n not in values]
    if missing:
        raise KeyError(f"expected values for {', '.join(missing)}")
    v = values
    p = run_paths(v["work_dir"], run)
    config = ["--config", v["config"]]

    def ingest(images: str, labels: str, out: str) -> list[str]:
        return config + ["ingest", "--format", v["input_format"], "--images", images, "--labels", labels,
                         "--out", out, "--overwrite"]

    return {
        "ingest_calibration": ingest(v["calibration_images"], v["calibration_labels"], p["calibration"]),
        "ingest_test": ingest(v["test_images"], v["test_labels"], p["test"]),
        "calibrate": config + ["calibrate", "--model", v["model"], "--data", p["calibration"], "--out", p["run"],
                               "--overwrite"],
        "quantize": config + ["quantize", "--model", v["model"], "--run", p["run"],
                              "--method", v["method"], "--preset", v["preset"]],
        "evaluate": config + ["evaluate", "--fp32", v["model"], "--int8", p["int8_model"],
                              "--data", p["test"], "--out", p["run"]],
    }


class AccuracyDropTooLarge(Exception):
    """The int8 model lost more top-1 accuracy than the budget allows."""


def check_accuracy(report: Mapping[str, Any], max_drop_points: float) -> str:
    """Passes when int8 top-1 is at most max_drop_points percentage points below FP32's.

    report is report.json's content; its accuracies are fractions in [0, 1].
    Returns a one-line verdict; raises AccuracyDropTooLarge otherwise.
    """
    summary = report["summary"]
    fp32 = float(summary["fp32"]["top1"])
    int8 = float(summary["int8"]["top1"])
    # Rounded so that a drop of exactly the budget (0.92 - 0.91) is not lost to binary fractions.
    drop = round((fp32 - int8) * 100.0, 9)
    verdict = (f"top-1 FP32 {fp32 * 100:.2f}%, int8 {int8 * 100:.2f}%: drop {drop:.2f} points "
               f"(budget {float(max_drop_points):.2f})")
    if drop > float(max_drop_points):
        raise AccuracyDropTooLarge(verdict)
    return verdict


def read_report(path: str) -> dict[str, Any]:
    """report.json from a local path or file: URI; other file systems need fsspec (e.g. s3fs)."""
    url = urlparse(path)
    if url.scheme in ("", "file"):
        with open(url.path if url.scheme else path, encoding="utf-8") as f:
            return json.load(f)
    try:
        import fsspec  # optional: hdfs://, s3://, gs://, ...
    except ImportError as e:
        raise RuntimeError(f"cannot read {path}: reading {url.scheme}:// needs the fsspec package") from e
    with fsspec.open(path, "r", encoding="utf-8") as f:
        return json.load(f)


def config_name(config_file: str) -> str:
    """The name --config takes for a file shipped with spark-submit --files."""
    return posixpath.basename(urlparse(config_file).path)
