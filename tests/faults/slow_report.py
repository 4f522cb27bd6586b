"""Test-only: the worker that tests/faults starts imports this module (`bin/worker --include
tests.faults.slow_report`); nothing in the portal does.

It makes a report build slow where a real one would be killed: the workbook is written to its temporary file in
small pieces with a pause after each (FAULTS_WRITE_CHUNKS pieces, FAULTS_WRITE_PAUSE seconds each), so that the test
sees a half-written temporary file and kills the worker then. The bytes written are exactly openpyxl's.
"""

import io
import os
import time

from openpyxl import Workbook

CHUNKS = int(os.environ.get("FAULTS_WRITE_CHUNKS", "12"))
PAUSE = float(os.environ.get("FAULTS_WRITE_PAUSE", "0.25"))

_save = Workbook.save


def slow_save(self, filename):
    buffer = io.BytesIO()
    _save(self, buffer)
    content = buffer.getvalue()
    size = max(1, -(-len(content) // CHUNKS))
    with open(filename, "wb") as handle:
        for start in range(0, len(content), size):
            handle.write(content[start : start + size])
            handle.flush()
            time.sleep(PAUSE)


Workbook.save = slow_save
