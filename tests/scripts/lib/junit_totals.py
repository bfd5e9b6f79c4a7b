"""Reads the outputs selftest kept (build/selftest/outputs/NAME/) with
junitparser, the JUnit library publish-unit-test-result-action parses
with, and checks the rest of what docs/outputs.md promises about them.

    python3 junit_totals.py ROOT OUTPUT_DIR...

Prints one "# NAME: problem" line per problem and exits 1 when there is
any; exits 0, printing how many folders it read, when there is none.
"""

import json
import os
import re
import sys

from junitparser import Error, Failure, JUnitXml, Skipped

# Gradescope's per-test output bound (grader/report/gradescope.c) plus
# the note that says the output was cut.
GRADESCOPE_OUTPUT_MAX = 8192 + 200
ANNOTATION = re.compile(r"^::(error|warning|notice)( [^:]*)?::")
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


def grader_totals(results):
    """What the grader counts per kata: every test, then the six gates."""
    totals = {}
    for kata in results["katas"]:
        statuses = [t["status"] for t in kata["gates"][1].get("tests", [])]
        statuses += [g["status"] for g in kata["gates"]]
        totals[kata["id"]] = {
            "tests": len(statuses),
            "failures": statuses.count("fail"),
            "errors": statuses.count("error"),
            "skipped": statuses.count("skip"),
        }
    return totals


def read_totals(path):
    """The totals junitparser gives, per suite: from the cases it reads,
    and from the suite's own attributes."""
    counted, stated = {}, {}
    for suite in JUnitXml.fromfile(path):
        c = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite:
            c["tests"] += 1
            for result in case.result:
                if isinstance(result, Failure):
                    c["failures"] += 1
                elif isinstance(result, Error):
                    c["errors"] += 1
                elif isinstance(result, Skipped):
                    c["skipped"] += 1
        counted[suite.name] = c
        stated[suite.name] = {
            "tests": suite.tests,
            "failures": suite.failures,
            "errors": suite.errors,
            "skipped": suite.skipped,
        }
    return counted, stated


def in_repository(root, path):
    return (
        isinstance(path, str)
        and path != ""
        and not path.startswith("/")
        and ".." not in path.split("/")
        and os.path.isfile(os.path.join(root, path))
    )


def check_folder(root, folder, problems):
    name = os.path.relpath(folder, os.path.join(root, "build/selftest/outputs"))

    def problem(text):
        problems.append(f"# {name}: {text}")

    with open(os.path.join(folder, "results.json"), encoding="utf-8") as f:
        results = json.load(f)
    want = grader_totals(results)

    for junit in ("junit.xml", "junit-locations.xml"):
        counted, stated = read_totals(os.path.join(folder, junit))
        if counted != want:
            problem(f"{junit}: junitparser counts {counted}, the grader {want}")
        if stated != want:
            problem(f"{junit}: the suites state {stated}, the grader {want}")

    located = JUnitXml.fromfile(os.path.join(folder, "junit-locations.xml"))
    for suite in located:
        for case in suite:
            file = case._elem.get("file")
            line = case._elem.get("line")
            if file is not None and not in_repository(root, file):
                problem(f"junit-locations.xml: {case.name}: file '{file}'")
            if line is not None and not line.isdigit():
                problem(f"junit-locations.xml: {case.name}: line '{line}'")

    for kata in results["katas"]:
        for gate in kata["gates"]:
            for loc in gate.get("locations", []):
                if not in_repository(root, loc["file"]):
                    problem(f"results.json: {gate['name']}: '{loc['file']}'")

    with open(os.path.join(folder, "gradescope.json"), encoding="utf-8") as f:
        gradescope = json.load(f)
    if sum(t["score"] for t in gradescope["tests"]) != gradescope["score"]:
        problem("gradescope.json: the tests' scores do not add up")
    for test in gradescope["tests"]:
        if "\r" in test["output"]:
            problem(f"gradescope.json: {test['name']}: a carriage return")
        if len(test["output"].encode()) > GRADESCOPE_OUTPUT_MAX:
            problem(f"gradescope.json: {test['name']}: output over the bound")
        if test["status"] not in ("passed", "failed"):
            problem(f"gradescope.json: {test['name']}: '{test['status']}'")

    with open(os.path.join(folder, "annotations.txt"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not ANNOTATION.match(line):
                problem(f"annotations.txt:{number}: not a workflow command")

    for file in sorted(os.listdir(folder)):
        with open(os.path.join(folder, file), "rb") as f:
            found = CONTROL.search(f.read())
        if found:
            problem(f"{file}: control byte {found.group()!r}")


def main():
    root, folders = sys.argv[1], sys.argv[2:]
    problems = []
    for folder in folders:
        try:
            check_folder(root, folder, problems)
        except (OSError, ValueError, KeyError) as e:
            problems.append(f"# {folder}: {e}")
    for p in problems[:40]:
        print(p)
    if len(problems) > 40:
        print(f"# ... and {len(problems) - 40} more")
    if not problems:
        print(f"# junitparser read {len(folders)} folders of outputs")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
