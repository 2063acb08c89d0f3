"""The type stubs describe the module as built: every class, method and attribute they name
exists, and every public name of the module is in them."""
import ast
import inspect
from pathlib import Path

import picdex

STUBS = Path(picdex.__file__).with_name("__init__.pyi")


def stub_classes():
    tree = ast.parse(STUBS.read_text())
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign):
                    members.add(item.target.id)
            classes[node.name] = members
    return classes


def test_the_stubs_match_the_module():
    classes = stub_classes()
    assert set(classes) == {name for name in picdex.__all__ if inspect.isclass(getattr(picdex, name))}
    for name, members in classes.items():
        cls = getattr(picdex, name)
        for member in members - {"__init__"}:
            assert hasattr(cls, member), f"{name}.{member} is in the stubs, not the module"
        public = {m for m in vars(cls) if not m.startswith("_")}
        assert public <= members, f"{name}: {public - members} are not in the stubs"


def test_help_reads_well():
    for method in (picdex.Catalogue.search, picdex.Catalogue.put, picdex.Catalogue.create):
        doc = method.__doc__
        assert "picdex._picdex" not in doc and "handle" not in doc.split("\n")[0]
        assert len(doc.splitlines()) > 4
