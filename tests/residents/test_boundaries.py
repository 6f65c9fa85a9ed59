import ast
from pathlib import Path

RESIDENTS = Path(__file__).resolve().parents[2] / "residents"


def test_residents_never_imports_desks():
    for path in RESIDENTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "desks" for name in names), path
