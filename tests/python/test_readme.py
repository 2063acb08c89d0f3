"""The README's Python examples run as written, and print what the README says they print."""
import contextlib
import io
import os
import re

from conftest import SOURCE_DIR

# A ```python block, and the ``` block after "prints" when one follows it.
EXAMPLE = re.compile(r"```python\n(.*?)```(?:\n\nprints\n\n```\n(.*?)```)?", re.S)


def test_every_python_block_of_the_readme_runs_as_shown(tmp_path, monkeypatch):
    examples = EXAMPLE.findall((SOURCE_DIR / "README.md").read_text())
    assert examples, "the README has no ```python block"
    monkeypatch.chdir(tmp_path)
    for code, shown in examples:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
        if shown:
            assert out.getvalue() == shown
    assert os.listdir(tmp_path)  # the examples made their catalogue here, not elsewhere
