import re
from importlib import resources

import pytest

from gql_monitor.sources import sql_files

SQL_DIR = resources.files("gql_monitor.questions")
QUESTIONS = sorted(p.name[:-4] for p in SQL_DIR.iterdir() if p.name.endswith(".sql") and not p.name.startswith("_"))


@pytest.mark.parametrize("name", QUESTIONS)
def test_every_question_expands_its_includes_and_reads_only_system_tables(name):
    text = sql_files.load(name)
    assert "@include" not in text
    code = re.sub(r"--[^\n]*", "", text)
    for table in re.findall(r"\bFROM\s+([\w.]+)", code, flags=re.IGNORECASE):
        assert table.startswith("system.") or table.isidentifier(), (name, table)


def test_names_from_outside_are_refused():
    with pytest.raises(ValueError):
        sql_files.load("../secrets")
