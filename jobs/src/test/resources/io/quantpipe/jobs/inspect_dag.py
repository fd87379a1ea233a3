"""Imports scripts/airflow/quantpipe_dag.py and prints, as JSON, the DAG it declares.

Airflow is not installed where the tests run: the few names the DAG imports from Airflow are
replaced by recorders of what the DAG passes them (DAG and operator arguments, task edges).
Then the gate task's function runs on the report files given on the command line.

usage: inspect_dag.py DAG_FOLDER REPORT_JSON...
"""
import json
import sys
import types

tasks = {}
edges = []
dags = []


class Task:
    def __init__(self, task_id, kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        tasks[task_id] = self

    def __rshift__(self, other):
        edges.append([self.task_id, other.task_id])
        return other


class SparkSubmitOperator(Task):
    def __init__(self, *, task_id, **kwargs):
        super().__init__(task_id, kwargs)


class DAG:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        dags.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Param:
    def __init__(self, default, **kwargs):
        self.default = default
        self.kwargs = kwargs


def task(fn):
    def call(*args):
        t = Task(fn.__name__, {"op_args": list(args)})
        t.fn = fn
        return t
    return call


class AirflowFailException(Exception):
    pass


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m


for name in ("airflow", "airflow.providers", "airflow.providers.apache", "airflow.providers.apache.spark",
             "airflow.providers.apache.spark.operators"):
    module(name)
module("airflow.sdk", DAG=DAG, Param=Param, task=task)
module("airflow.exceptions", AirflowFailException=AirflowFailException)
module("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=SparkSubmitOperator)

sys.path.insert(0, sys.argv[1])
import quantpipe_dag  # noqa: E402

gate = tasks["accuracy_gate"]
verdicts = []
for report in sys.argv[2:]:
    try:
        verdicts.append({"passed": True, "message": gate.fn(report, gate.kwargs["op_args"][1].replace(
            "{{ params.max_top1_drop_points }}", str(dags[0].kwargs["params"]["max_top1_drop_points"].default)))})
    except AirflowFailException as e:
        verdicts.append({"passed": False, "message": str(e)})

dag = dict(dags[0].kwargs)
dag["params"] = {k: p.default for k, p in dag["params"].items()}
dag["start_date"] = dag["start_date"].isoformat()
dag["user_defined_macros"] = sorted(dag["user_defined_macros"])
print(json.dumps({"dag": dag, "tasks": {t.task_id: t.kwargs for t in tasks.values()}, "edges": edges,
                  "verdicts": verdicts}))
